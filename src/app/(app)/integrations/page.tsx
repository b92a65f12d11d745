import type { Metadata } from "next";
import { Suspense } from "react";
import { IntegrationsPage } from "~/components/integrations/integrations-page";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Integrations" };

export default function Integrations() {
  return (
    <>
      <PageHeader title="Integrations" description="Connect the tools you already use. Every integration is opt-in, its tokens are encrypted at rest, and disconnecting deletes what it brought." />
      <Suspense>
        <IntegrationsPage />
      </Suspense>
    </>
  );
}
