import { handleEmailWebhook } from "~/server/email/webhook-route";

export const dynamic = "force-dynamic";

/** Delivery and bounce events from Resend, Postmark and SendGrid: each verified by its own scheme. */
export async function POST(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  return handleEmailWebhook((await params).provider, request);
}
