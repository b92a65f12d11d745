import { verify as verifySignature } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { z } from "zod";
import type { Db } from "../db/client";
import { emailMessages } from "../db/schema";
import type { Env } from "../env";
import { sha256Hex } from "../hash";
import { constantTimeEqual } from "../integrations/webhooks";
import { metrics } from "../metrics/registry";
import { suppressAddress } from "./suppression";

/**
 * Delivery and bounce webhooks from the HTTP providers, each verified by its own scheme before
 * anything in the body is believed:
 *  - Resend signs with Svix, i.e. Standard Webhooks (`svix-id`, `svix-timestamp`, `svix-signature`,
 *    HMAC-SHA256 with RESEND_WEBHOOK_SECRET); the `standardwebhooks` package verifies it, with its
 *    5-minute timestamp window against replays.
 *  - Postmark sends HTTP basic credentials we put in the webhook URL (POSTMARK_WEBHOOK_CREDENTIALS),
 *    compared in constant time (as digests, so the length leaks nothing either).
 *  - SendGrid's signed event webhook: ECDSA P-256 over `timestamp + body`, with the public key
 *    from its settings (SENDGRID_WEBHOOK_PUBLIC_KEY, base64 DER). @sendgrid/eventwebhook is not
 *    installed and is a thin wrapper: node:crypto verifies a DER-encoded ECDSA signature with an
 *    SPKI key directly. We add the same 5-minute window to its timestamp.
 * A verified event marks the message delivered or bounced; a hard bounce or a complaint puts the
 * address on the suppression list.
 */

const EMAIL_WEBHOOK_PROVIDERS = ["resend", "postmark", "sendgrid"] as const;
type EmailWebhookProvider = (typeof EMAIL_WEBHOOK_PROVIDERS)[number];

type DeliveryEvent = {
  provider: EmailWebhookProvider;
  type: "delivered" | "hard_bounce" | "soft_bounce" | "complaint";
  /** Our email_messages id, when the provider echoes our metadata; else its own message id. */
  messageId?: string;
  providerMessageId?: string;
  detail?: string;
};

export type WebhookOutcome = { status: number; body: Record<string, unknown> };
const refused = (status: number, error: string): WebhookOutcome => ({ status, body: { error } });
const TOLERANCE_SECONDS = 5 * 60;

// ── Resend ──────────────────────────────────────────────────────────────────
const ZResendEvent = z.object({
  type: z.string(),
  data: z.object({ email_id: z.string().optional(), bounce: z.object({ type: z.string().optional(), message: z.string().optional() }).optional(), tags: z.record(z.string(), z.string()).optional() }).loose(),
});

function resendEvents(env: Env, headers: Headers, body: string): DeliveryEvent[] | WebhookOutcome {
  if (!env.RESEND_WEBHOOK_SECRET) return refused(404, "Resend webhooks are not configured (RESEND_WEBHOOK_SECRET)");
  const header = (name: string) => headers.get(`svix-${name}`) ?? headers.get(`webhook-${name}`) ?? "";
  let payload: unknown;
  try {
    payload = new Webhook(env.RESEND_WEBHOOK_SECRET).verify(body, { "webhook-id": header("id"), "webhook-timestamp": header("timestamp"), "webhook-signature": header("signature") });
  } catch (error) {
    if (error instanceof WebhookVerificationError) return refused(401, `Signature refused: ${error.message}`);
    return refused(400, "Body is not JSON");
  }
  const event = ZResendEvent.safeParse(payload);
  if (!event.success) return refused(400, "Not a Resend event");
  const { type, data } = event.data;
  const base = { provider: "resend" as const, providerMessageId: data.email_id, messageId: data.tags?.devpulse_message_id };
  if (type === "email.delivered") return [{ ...base, type: "delivered" }];
  if (type === "email.complained") return [{ ...base, type: "complaint" }];
  if (type === "email.bounced") return [{ ...base, type: data.bounce?.type === "Permanent" ? "hard_bounce" : "soft_bounce", detail: data.bounce?.message }];
  return [];
}

// ── Postmark ────────────────────────────────────────────────────────────────
const POSTMARK_HARD_BOUNCES = new Set(["HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Unknown"]);
const ZPostmarkEvent = z.object({ RecordType: z.string(), MessageID: z.string().optional(), Type: z.string().optional(), Description: z.string().optional(), Metadata: z.record(z.string(), z.string()).optional() }).loose();

function postmarkEvents(env: Env, headers: Headers, body: string): DeliveryEvent[] | WebhookOutcome {
  if (!env.POSTMARK_WEBHOOK_CREDENTIALS) return refused(404, "Postmark webhooks are not configured (POSTMARK_WEBHOOK_CREDENTIALS)");
  const match = /^basic\s+(.+)$/i.exec(headers.get("authorization") ?? "");
  const given = match ? Buffer.from(match[1]!, "base64").toString("utf8") : "";
  if (!constantTimeEqual(sha256Hex(given), sha256Hex(env.POSTMARK_WEBHOOK_CREDENTIALS))) return refused(401, "Credentials refused");
  let parsed: z.infer<typeof ZPostmarkEvent>;
  try {
    parsed = ZPostmarkEvent.parse(JSON.parse(body));
  } catch {
    return refused(400, "Not a Postmark event");
  }
  const base = { provider: "postmark" as const, providerMessageId: parsed.MessageID, messageId: parsed.Metadata?.devpulse_message_id };
  if (parsed.RecordType === "Delivery") return [{ ...base, type: "delivered" }];
  if (parsed.RecordType === "SpamComplaint") return [{ ...base, type: "complaint" }];
  if (parsed.RecordType === "Bounce") return [{ ...base, type: POSTMARK_HARD_BOUNCES.has(parsed.Type ?? "") ? "hard_bounce" : "soft_bounce", detail: parsed.Description }];
  return [];
}

// ── SendGrid ────────────────────────────────────────────────────────────────
const ZSendGridEvents = z.array(z.object({ event: z.string(), type: z.string().optional(), sg_message_id: z.string().optional(), reason: z.string().optional(), devpulse_message_id: z.string().optional() }).loose()).max(1000);

function sendgridEvents(env: Env, headers: Headers, body: string, now = Date.now()): DeliveryEvent[] | WebhookOutcome {
  if (!env.SENDGRID_WEBHOOK_PUBLIC_KEY) return refused(404, "SendGrid webhooks are not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)");
  const signature = headers.get("x-twilio-email-event-webhook-signature");
  const timestamp = headers.get("x-twilio-email-event-webhook-timestamp");
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return refused(401, "Signature missing");
  if (Math.abs(now / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return refused(401, "Signature refused: timestamp too old or too new");
  let valid = false;
  try {
    const key = { key: Buffer.from(env.SENDGRID_WEBHOOK_PUBLIC_KEY, "base64"), format: "der" as const, type: "spki" as const };
    valid = verifySignature("sha256", Buffer.from(timestamp + body, "utf8"), key, Buffer.from(signature, "base64"));
  } catch {
    valid = false;
  }
  if (!valid) return refused(401, "Signature refused");
  let events: z.infer<typeof ZSendGridEvents>;
  try {
    events = ZSendGridEvents.parse(JSON.parse(body));
  } catch {
    return refused(400, "Not a SendGrid event batch");
  }
  return events.flatMap((event): DeliveryEvent[] => {
    // sg_message_id is the X-Message-Id we recorded plus ".filter…" suffixes.
    const base = { provider: "sendgrid" as const, providerMessageId: event.sg_message_id?.split(".")[0], messageId: event.devpulse_message_id };
    if (event.event === "delivered") return [{ ...base, type: "delivered" }];
    if (event.event === "spamreport") return [{ ...base, type: "complaint" }];
    if (event.event === "bounce") return [{ ...base, type: event.type === "blocked" ? "soft_bounce" : "hard_bounce", detail: event.reason }];
    return [];
  });
}

const parsers: Record<EmailWebhookProvider, (env: Env, headers: Headers, body: string) => DeliveryEvent[] | WebhookOutcome> = { resend: resendEvents, postmark: postmarkEvents, sendgrid: sendgridEvents };

/** Verifies one delivery and applies its events. */
export async function receiveEmailWebhook(db: Db, env: Env, provider: string, headers: Headers, body: string): Promise<WebhookOutcome> {
  if (!(EMAIL_WEBHOOK_PROVIDERS as readonly string[]).includes(provider)) return refused(404, `No email provider named "${provider}"`);
  const events = parsers[provider as EmailWebhookProvider](env, headers, body);
  if (!Array.isArray(events)) return events;
  let applied = 0;
  for (const event of events) if (await applyDeliveryEvent(db, event)) applied += 1;
  return { status: 200, body: { received: events.length, applied } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Marks the message; a hard bounce or complaint suppresses its address. Repeats (providers retry) change nothing. */
async function applyDeliveryEvent(db: Db, event: DeliveryEvent): Promise<boolean> {
  const where = event.messageId && UUID.test(event.messageId) ? and(eq(emailMessages.id, event.messageId), eq(emailMessages.provider, event.provider)) : event.providerMessageId ? and(eq(emailMessages.provider, event.provider), eq(emailMessages.providerMessageId, event.providerMessageId)) : undefined;
  if (!where) return false;
  const [message] = await db.select({ id: emailMessages.id, userId: emailMessages.userId, to: emailMessages.to, status: emailMessages.status }).from(emailMessages).where(where);
  if (!message) return false;
  if (event.type === "delivered") {
    const updated = await db.update(emailMessages).set({ status: "delivered", updatedAt: new Date() }).where(and(eq(emailMessages.id, message.id), eq(emailMessages.status, "sent"))).returning({ id: emailMessages.id });
    return updated.length > 0;
  }
  if (event.type === "soft_bounce") {
    // A full mailbox or a greylisting: the provider retries itself, the address stays.
    await db.update(emailMessages).set({ detail: `Soft bounce: ${event.detail ?? "temporary failure"}`.slice(0, 500), updatedAt: new Date() }).where(eq(emailMessages.id, message.id));
    return true;
  }
  await db
    .update(emailMessages)
    .set({ status: "bounced", detail: (event.type === "complaint" ? "Marked as spam by the recipient" : `Hard bounce: ${event.detail ?? "the address does not accept mail"}`).slice(0, 500), updatedAt: new Date() })
    .where(and(eq(emailMessages.id, message.id), inArray(emailMessages.status, ["sent", "delivered"])));
  const added = await suppressAddress(db, { address: message.to, userId: message.userId, reason: event.type === "complaint" ? "complaint" : "hard_bounce", provider: event.provider });
  if (added) metrics.emailBounces.inc({ provider: event.provider, type: event.type });
  return added;
}
