import { handleWebhook } from "~/server/integrations/webhook-route";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** Provider webhooks (GitHub push events, GitLab push hooks): each provider verifies its own deliveries. */
export async function POST(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  const limited = await rateLimitRoute(request, "providerWebhook"); if (limited) return limited;
  return handleWebhook((await params).provider, request);
}
