import { handleEmailWebhook } from "~/server/email/webhook-route";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** Delivery and bounce events from Resend, Postmark and SendGrid: each verified by its own scheme. */
export const POST = withBodyLimit("emailWebhooks", async (request: Request, { params }: { params: Promise<{ provider: string }> }) => (await rateLimitRoute(request, "emailWebhook")) ?? handleEmailWebhook((await params).provider, request));
