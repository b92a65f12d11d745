import type { Metadata } from "next";
import { ButtonLink } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Not found" };

/** What a signed-in page shows for something that does not exist (or is not the user's): inside the shell, with a way on. */
export default function SignedInNotFound() {
  return (
    <>
      <PageHeader title="Page not found" description="This page does not exist, or what it points to is not in your account." />
      <Card className="flex flex-wrap items-center justify-between gap-4 p-6">
        <p className="text-sm text-zinc-600">Check the address, or start again from one of these.</p>
        <div className="flex flex-wrap gap-2">
          <ButtonLink href="/dashboard">Go to the dashboard</ButtonLink>
          <ButtonLink href="/conflicts" variant="secondary">
            Conflicts
          </ButtonLink>
        </div>
      </Card>
    </>
  );
}
