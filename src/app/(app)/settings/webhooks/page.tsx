import type { Metadata } from "next";
import { WebhookEndpoints } from "~/components/webhooks/webhook-endpoints";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Webhooks" };

export default function WebhooksPage() {
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Send your notifications to your own HTTPS endpoints. Each delivery is signed per Standard Webhooks and retried for about a day if your endpoint does not answer."
      />
      <WebhookEndpoints />
    </>
  );
}
