import { handleWebhook } from "~/server/integrations/webhook-route";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** Provider webhooks (GitHub push events, GitLab push hooks): each provider verifies its own deliveries. */
export const POST = withBodyLimit("webhooks", async (request: Request, { params }: { params: Promise<{ provider: string }> }) => (await rateLimitRoute(request, "providerWebhook")) ?? handleWebhook((await params).provider, request));
