import { handleEmailWebhook } from "~/server/email/webhook-route";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** Delivery and bounce events from Resend, Postmark and SendGrid: each verified by its own scheme. */
export async function POST(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  const limited = await rateLimitRoute(request, "emailWebhook"); if (limited) return limited;
  return handleEmailWebhook((await params).provider, request);
}
