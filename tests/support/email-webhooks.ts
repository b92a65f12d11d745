import { generateKeyPairSync, randomBytes, randomUUID, sign } from "node:crypto";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { POST as emailWebhook } from "~/app/api/webhooks/email/[provider]/route";
import { getDb } from "~/server/db/client";
import { emailMessages } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { sendEmail, type OutgoingEmail } from "~/server/email/send";
import { POSTMARK_DOUBLE_TOKEN } from "../doubles/postmark/server";
import { RESEND_DOUBLE_KEY } from "../doubles/resend/server";
import { SENDGRID_DOUBLE_KEY } from "../doubles/sendgrid/server";
import { signedUpUser } from "./callers";
import { withEnv } from "./env";

/**
 * The email providers' tracking webhooks as each provider signs them (Resend: Standard Webhooks;
 * Postmark: basic credentials; SendGrid: ECDSA P-256 over timestamp + body), with the secrets the app
 * is configured with, and a message sent through a provider for those events to name.
 */
export const RESEND_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
export const POSTMARK_WEBHOOK_CREDENTIALS = "devpulse-hooks:correct horse";
const sendgridKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

export type EmailProvider = "resend" | "postmark" | "sendgrid";

/** The variables that point the app at the three email doubles and verify their webhooks. */
export function emailDoublesEnv(urls: Record<EmailProvider, string>) {
  return {
    RESEND_API_KEY: RESEND_DOUBLE_KEY,
    RESEND_BASE_URL: urls.resend,
    RESEND_WEBHOOK_SECRET,
    POSTMARK_SERVER_TOKEN: POSTMARK_DOUBLE_TOKEN,
    POSTMARK_API_URL: urls.postmark,
    POSTMARK_WEBHOOK_CREDENTIALS,
    SENDGRID_API_KEY: SENDGRID_DOUBLE_KEY,
    SENDGRID_API_URL: urls.sendgrid,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey.export({ format: "der", type: "spki" }).toString("base64"),
  };
}

/** A random secret in Resend's format, for a forged delivery. */
export const otherResendSecret = () => `whsec_${randomBytes(24).toString("base64")}`;
/** A key SendGrid never used, for a forged delivery. */
export const otherSendGridKey = () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;

export function resendHeaders(body: string, at = new Date(), secret = RESEND_WEBHOOK_SECRET, id = `msg_${randomUUID()}`) {
  return { "svix-id": id, "svix-timestamp": String(Math.floor(at.getTime() / 1000)), "svix-signature": new Webhook(secret).sign(id, at, body) };
}

export function sendgridHeaders(body: string, at = Date.now(), key = sendgridKeys.privateKey) {
  const timestamp = String(Math.floor(at / 1000));
  return { "x-twilio-email-event-webhook-timestamp": timestamp, "x-twilio-email-event-webhook-signature": sign("sha256", Buffer.from(timestamp + body), key).toString("base64") };
}

export const postmarkHeaders = (credentials = POSTMARK_WEBHOOK_CREDENTIALS) => ({ authorization: `Basic ${Buffer.from(credentials).toString("base64")}` });

/** A tracking event to our route handler, as the provider posts it. */
export function postEmailEvent(provider: string, body: string, headers: Record<string, string>) {
  const request = new Request(`http://localhost/api/webhooks/email/${provider}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return emailWebhook(request, { params: Promise.resolve({ provider }) });
}

/** A new user and one message sent to them through `provider`, with its row in the delivery log. */
export async function sentMessage(provider: EmailProvider, label: string) {
  const account = await signedUpUser(label);
  const outgoing: OutgoingEmail = { userId: account.user.id, to: account.email, idempotencyKey: `t:${randomUUID()}`, content: { template: "notification", notification: { id: randomUUID(), kind: "account.export_ready", data: { exportId: randomUUID(), format: "json", bytes: 10 } } }, unsubscribeCategory: "account" };
  const result = await withEnv({ EMAIL_PROVIDERS: provider }, async () => sendEmail(await getDb(), getEnv(), outgoing));
  const [row] = await (await getDb()).select().from(emailMessages).where(eq(emailMessages.idempotencyKey, outgoing.idempotencyKey));
  return { ...account, outgoing, result, row: row! };
}
