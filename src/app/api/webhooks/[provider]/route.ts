import { handleWebhook } from "~/server/integrations/webhook-route";

export const dynamic = "force-dynamic";

/** Provider webhooks (GitHub push events, GitLab push hooks): each provider verifies its own deliveries. */
export async function POST(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  return handleWebhook((await params).provider, request);
}
