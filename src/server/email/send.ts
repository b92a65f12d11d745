import { BrokenCircuitError } from "cockatiel";
import { and, eq, sql } from "drizzle-orm";
import { NonRetriableError, RetryAfterError } from "inngest";
import type { AnyNotification, NotificationCategory, NotificationKind } from "~/lib/notifications/catalog";
import type { SupportedLocale } from "~/lib/schemas/locale";
import { INACTIVITY_POLICY } from "~/lib/schemas/privacy";
import { getUserLocale } from "../auth/locale";
import type { Db, DbOrTx } from "../db/client";
import { emailAttempts, emailMessages } from "../db/schema";
import { emailProviderList, type EmailProviderId, type Env } from "../env";
import { logger } from "../logger";
import { metrics } from "../metrics/registry";
import { getNotificationPreferences } from "../notifications/preferences";
import { breakerFor } from "./breakers";
import { EmailProviderError, type ProviderMessage } from "./provider";
import { emailProvider, emailProviders } from "./registry";
import { suppressionOf } from "./suppression";
import type { EmailContext, EmailVariables } from "./templates";
import type { EmailTemplateId } from "./templates/catalog";
import { unsubscribeUrl } from "./unsubscribe";

/**
 * CONTRACT between the notification layer and email (issue 18). The notification layer calls
 * `sendEmail` only; this module owns providers, failover, templates, unsubscribe links and
 * delivery tracking behind it. Account mail (password reset, email change, the inactivity
 * warning) goes through the same `deliverEmail`, with its own templates.
 *
 * How a message is sent once:
 *  1. An address that hard-bounced is suppressed: nothing is sent, `{ status: "suppressed" }`.
 *  2. The message is recorded under the caller's idempotency key before any provider is called;
 *     a retried job step finds it `sent` and returns the first result without sending again.
 *  3. Providers are tried in EMAIL_PROVIDERS order, each behind its circuit breaker; a provider
 *     that fails (5xx, network, 429, refused credentials) hands the message to the next one.
 *     A permanent refusal (invalid address, validation) is not failed over: another provider
 *     would refuse it too. It fails the message, and the job step, at once (NonRetriableError).
 *  4. Where the provider supports it (Resend), the idempotency key goes with the request, which
 *     covers the one window left: a crash after the provider accepted, before step 2's row says so.
 * Every try is a row in email_attempts: the delivery log.
 */

/** The frequency the reader chose, or `held`: notices they wanted at once, released together when a hold ended. */
export type DigestWindow = "hourly" | "daily" | "held";
/** One line of a digest: a notification (coalesced ones carry their count in their data) and when it was raised. */
export type DigestItem = AnyNotification & { id: string; createdAt: string };

type EmailContent =
  | { template: "notification"; notification: AnyNotification & { id: string; createdAt?: string } }
  | { template: "digest"; window: DigestWindow; items: DigestItem[] };

export type OutgoingEmail = {
  userId: string;
  to: string;
  /** The same key for a retry of the same message: providers that support it send once. */
  idempotencyKey: string;
  content: EmailContent;
  /** The preference category a one-click unsubscribe turns off (RFC 8058); none for security mail. */
  unsubscribeCategory?: NotificationCategory;
  /** The reader's locale and time zone, when the caller has them already; else read from their settings. */
  locale?: SupportedLocale;
  timeZone?: string;
  /** The recipient's name, for mail that greets them: the caller has the user's row already. */
  recipientName?: string | null;
};

type EmailResult =
  | { status: "sent"; provider: string; messageId: string; /** Set when the embedded default wrote it to DATA_DIR/outbox. */ outboxFile?: string }
  | { status: "suppressed"; reason: string };

/** A message every provider would refuse (invalid address…): the job step fails without retrying. */
export class EmailRejectedError extends NonRetriableError {
  constructor(message: string) {
    super(message);
    this.name = "EmailRejectedError";
  }
}

type TemplateChoice = { [T in EmailTemplateId]: { template: T; variables: EmailVariables<T> } }[EmailTemplateId];
type NotificationOf<K extends NotificationKind> = Extract<AnyNotification, { kind: K }>;

/**
 * The kinds whose mail keeps wording of its own, each with its template and how its variables
 * are built; every other kind reads from the catalog through the "notification" template.
 */
const OWN_TEMPLATES: { [K in NotificationKind]?: (notification: NotificationOf<K>, email: OutgoingEmail) => TemplateChoice } = {
  // The deletion notice: what is deleted, and how to keep the account.
  "account.inactivity_warning": (notification, email) => ({
    template: "inactivityWarning",
    variables: { name: email.recipientName ?? null, deletionDate: notification.data.deletionDate, deleteAfterDays: INACTIVITY_POLICY.deleteAfterDays },
  }),
};

function templateFor(email: OutgoingEmail): TemplateChoice {
  const { content } = email;
  if (content.template === "digest") return { template: "digest", variables: { window: content.window, items: content.items } };
  const { notification } = content;
  const own = OWN_TEMPLATES[notification.kind] as ((notification: AnyNotification, email: OutgoingEmail) => TemplateChoice) | undefined;
  return own ? own(notification, email) : { template: "notification", variables: { notification, createdAt: notification.createdAt } };
}

export async function sendEmail(db: Db, env: Env, email: OutgoingEmail): Promise<EmailResult> {
  return deliverEmail(db, env, { ...email, ...templateFor(email) });
}

type DeliveryRequest<T extends EmailTemplateId> = {
  userId: string;
  to: string;
  idempotencyKey: string;
  template: T;
  variables: EmailVariables<T>;
  unsubscribeCategory?: NotificationCategory;
  locale?: SupportedLocale;
  timeZone?: string;
  /** Only the address confirmation: the one mail that must reach a suppressed address. */
  ignoreSuppression?: boolean;
};

/** The providers in order of preference: EMAIL_PROVIDERS, else SMTP (SMTP_URL, or the outbox folder). */
export function configuredEmailProviders(env: Pick<Env, "EMAIL_PROVIDERS">): EmailProviderId[] {
  const listed = emailProviderList(env.EMAIL_PROVIDERS);
  return listed.length > 0 ? listed : ["smtp"];
}

/**
 * Whether mail reaches people: through a configured provider, or into the outbox a developer
 * reads — outside production, or in the sandbox (a production build with demo users only).
 */
export function canDeliverMail(env: Pick<Env, "SMTP_URL" | "NODE_ENV"> & Partial<Pick<Env, "SANDBOX" | "EMAIL_PROVIDERS">>): boolean {
  return Boolean(env.SMTP_URL) || emailProviderList(env.EMAIL_PROVIDERS).length > 0 || env.NODE_ENV !== "production" || env.SANDBOX === true;
}

/**
 * How the reader reads dates, times and numbers, for every mail (notification, digest and
 * account mail alike): their locale (users.locale) and time zone (notification preferences).
 * Only the formats follow the locale; the words are English (translating the copy is a
 * separate step).
 */
async function readerContext(db: DbOrTx, env: Env, request: { userId: string; locale?: SupportedLocale; timeZone?: string }, unsubscribe: string | undefined): Promise<EmailContext> {
  const locale = request.locale ?? (await getUserLocale(db, request.userId));
  const timeZone = request.timeZone ?? (await getNotificationPreferences(db, request.userId)).timeZone;
  return { appUrl: env.appUrl, locale, timeZone, unsubscribeUrl: unsubscribe };
}

type MessageRow = typeof emailMessages.$inferSelect;

async function recordMessage(db: DbOrTx, request: DeliveryRequest<EmailTemplateId>): Promise<MessageRow> {
  await db.insert(emailMessages).values({ userId: request.userId, to: request.to, template: request.template, idempotencyKey: request.idempotencyKey }).onConflictDoNothing({ target: emailMessages.idempotencyKey });
  const [row] = await db.select().from(emailMessages).where(eq(emailMessages.idempotencyKey, request.idempotencyKey));
  return row!;
}

async function logAttempt(db: DbOrTx, message: MessageRow, provider: string, outcome: "sent" | "failed" | "skipped", failure?: { kind: string; statusCode?: number; detail: string }) {
  metrics.emailSends.inc({ provider, outcome });
  await db.insert(emailAttempts).values({ messageId: message.id, userId: message.userId, provider, outcome, errorKind: failure?.kind ?? null, statusCode: failure?.statusCode ?? null, detail: failure?.detail.slice(0, 500) ?? null });
}

/** Renders, records and sends one message through the providers in order (see the module comment). */
export async function deliverEmail<T extends EmailTemplateId>(db: Db, env: Env, request: DeliveryRequest<T>): Promise<EmailResult> {
  if (!request.ignoreSuppression) {
    const suppressed = await suppressionOf(db, request.to);
    if (suppressed) {
      const reason = suppressed.reason === "complaint" ? "the address reported our mail as spam" : "mail to the address bounced";
      return { status: "suppressed", reason: `${reason}; it gets no mail until its owner confirms it again` };
    }
  }
  const message = await recordMessage(db, request as DeliveryRequest<EmailTemplateId>);
  if (message.userId !== request.userId) throw new Error("An idempotency key was reused for another user's message");
  if (message.status === "sent" || message.status === "delivered" || message.status === "bounced") {
    return { status: "sent", provider: message.provider!, messageId: message.providerMessageId! };
  }
  if (message.status === "failed") throw new EmailRejectedError(message.detail ?? "This message was refused");

  // React Email loads with the first message rendered, not with the server.
  const { renderEmail } = await import("./templates");
  // One token per message: the link in the body and the List-Unsubscribe header are the same.
  const unsubscribe = request.unsubscribeCategory ? unsubscribeUrl(env, request.userId, request.unsubscribeCategory) : undefined;
  const rendered = await renderEmail(request.template, request.variables, await readerContext(db, env, request, unsubscribe));
  const headers: Record<string, string> = unsubscribe ? { "List-Unsubscribe": `<${unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } : {};
  const outgoing: ProviderMessage = { messageId: message.id, from: env.MAIL_FROM, to: request.to, subject: rendered.subject, html: rendered.html, text: rendered.text, headers, idempotencyKey: request.idempotencyKey };

  const failures: string[] = [];
  let retryAt: number | undefined;
  for (const id of configuredEmailProviders(env)) {
    const provider = await emailProvider(env, id);
    const { name } = emailProviders[id].facts;
    const breaker = breakerFor(env, id);
    try {
      const sent = await breaker.execute(() => provider.send(outgoing));
      await logAttempt(db, message, id, "sent");
      await db
        .update(emailMessages)
        .set({ status: "sent", provider: id, providerMessageId: sent.providerMessageId, sentAt: new Date(), updatedAt: new Date() })
        .where(and(eq(emailMessages.id, message.id), eq(emailMessages.status, "queued")));
      return { status: "sent", provider: id, messageId: sent.providerMessageId, ...(sent.outboxFile ? { outboxFile: sent.outboxFile } : {}) };
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        await logAttempt(db, message, id, "skipped", { kind: "circuit_open", detail: `${name}'s circuit is open after repeated failures` });
        failures.push(`${name}: circuit open`);
        retryAt = Math.min(retryAt ?? Infinity, Date.now() + env.EMAIL_CIRCUIT_COOLDOWN_MS);
        continue;
      }
      if (!(error instanceof EmailProviderError)) throw error;
      await logAttempt(db, message, id, "failed", { kind: error.kind, statusCode: error.statusCode, detail: error.message });
      if (error.kind === "permanent") {
        await db.update(emailMessages).set({ status: "failed", provider: id, detail: error.message.slice(0, 500), updatedAt: new Date() }).where(eq(emailMessages.id, message.id));
        throw new EmailRejectedError(error.message);
      }
      logger.warn("email provider failed; trying the next one", { provider: id, kind: error.kind, status: error.statusCode });
      failures.push(error.message);
      if (error.retryAt) retryAt = Math.min(retryAt ?? Infinity, error.retryAt.getTime());
    }
  }
  // Every provider failed for now: the message stays queued and the job step retries it.
  await db.update(emailMessages).set({ detail: failures.join("; ").slice(0, 500), updatedAt: sql`now()` }).where(eq(emailMessages.id, message.id));
  const summary = `No email provider could send the message: ${failures.join("; ")}`;
  if (retryAt !== undefined && Number.isFinite(retryAt)) throw new RetryAfterError(summary, new Date(retryAt));
  throw new Error(summary);
}
