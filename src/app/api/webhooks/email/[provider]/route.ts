import { handleEmailWebhook } from "~/server/email/webhook-route";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/** Delivery and bounce events from Resend, Postmark and SendGrid: each verified by its own scheme. */
export const POST = withBodyLimit("emailWebhooks", async (request: Request, { params }: { params: Promise<{ provider: string }> }) => handleEmailWebhook((await params).provider, request));
