"use client";

import Link from "next/link";
import { errorMessage } from "~/trpc/react";
import { Card, CardHeader } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { StatusLine } from "./status-line";
import { useCurrentStatus } from "./use-status";

/** The dashboard's status card: what Slack and Discord show now, live, with a way to change it. */
export function StatusCard() {
  const current = useCurrentStatus();
  const held = current.data?.providers.filter((provider) => provider.heldByUser) ?? [];
  const connected = current.data?.providers.filter((provider) => provider.state !== "not_configured" && provider.state !== "available") ?? [];
  return (
    <Card>
      <CardHeader
        title="Status"
        description={connected.length ? `Shown on ${connected.map((provider) => provider.name).join(" and ")}.` : "Connect Slack or Discord to show it there."}
        action={
          <Link href="/integrations#status" className="text-sm font-medium text-brand-700 hover:underline">
            Change status
          </Link>
        }
      />
      {current.isPending ? (
        <Loading label="Loading your status" />
      ) : current.isError ? (
        <LoadError title="Could not load your status" message={errorMessage(current.error)} onRetry={() => void current.refetch()} retrying={current.isRefetching} />
      ) : (
        <div className="space-y-2 px-5 py-4" aria-live="polite" data-testid="dashboard-status">
          <StatusLine status={current.data.status} size="sm" />
          {held.length > 0 && (
            <p className="text-sm text-amber-800">
              You set your status by hand on {held.map((provider) => provider.name).join(" and ")}; DevPulse will not change it until you clear it.
            </p>
          )}
        </div>
      )}
    </Card>
  );
}
