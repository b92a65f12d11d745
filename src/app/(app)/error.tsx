"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Alert } from "~/components/ui/alert";
import { Button, ButtonLink } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";

/**
 * A signed-in page failed to render (on the server, or in the browser). The shell
 * and its navigation stay; the page says so and offers to try again. Never shows
 * the error's message: from the server it is a generic text anyway, and from the
 * browser it is written for developers. The digest matches the server's log line.
 */
export default function SignedInError({ error, retry }: { error: unknown; retry: () => void }) {
  const queryClient = useQueryClient();
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = typeof error === "object" && error !== null && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;

  function tryAgain() {
    // The failed page's queries are no longer shown: drop them, so it refetches instead of
    // rendering the same cached data that may have broken it. retry() re-renders the page on the server too.
    queryClient.removeQueries({ type: "inactive" });
    retry();
  }

  return (
    <>
      <PageHeader title="This page could not be shown" />
      <Card className="space-y-4 p-6">
        <Alert tone="error" title="Something went wrong">
          It may be a passing problem on our side or with your connection. Trying again loads this page afresh.
        </Alert>
        <div className="flex flex-wrap gap-2">
          <Button onClick={tryAgain}>Try again</Button>
          <ButtonLink href="/dashboard" variant="secondary">
            Go to the dashboard
          </ButtonLink>
        </div>
        {digest && <p className="text-xs text-zinc-500">Reference for support: {digest}</p>}
      </Card>
    </>
  );
}
