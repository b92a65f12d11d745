import type { AnyNotification, NotificationCategory } from "~/lib/notifications/catalog";
import { presentNotification } from "~/lib/notifications/catalog";
import type { Db } from "../db/client";
import type { Env } from "../env";
import { sendMail } from "../mail/mailer";

/**
 * CONTRACT between the notification layer and email (issue 18). The notification layer calls
 * `sendEmail` only; the email module owns providers, failover, templates, unsubscribe links
 * and delivery tracking behind it. This first version sends plain text through the existing
 * mailer so both sides can be built at once; the email module replaces the body.
 */

export type DigestWindow = "hourly" | "daily";
/** One line of a digest: a notification (coalesced ones carry their count in their data) and when it was raised. */
export type DigestItem = AnyNotification & { id: string; createdAt: string };

export type EmailContent =
  | { template: "notification"; notification: AnyNotification & { id: string } }
  | { template: "digest"; window: DigestWindow; items: DigestItem[] };

export type OutgoingEmail = {
  userId: string;
  to: string;
  /** The same key for a retry of the same message: providers that support it send once. */
  idempotencyKey: string;
  content: EmailContent;
  /** The preference category a one-click unsubscribe turns off (RFC 8058); none for security mail. */
  unsubscribeCategory?: NotificationCategory;
  locale?: string;
  timeZone?: string;
};

export type EmailResult = { status: "sent"; provider: string; messageId: string } | { status: "suppressed"; reason: string };

export async function sendEmail(db: Db, env: Env, email: OutgoingEmail): Promise<EmailResult> {
  void db;
  const { subject, text } = plainText(email.content);
  const delivery = await sendMail(env, { to: email.to, subject, text });
  return { status: "sent", provider: delivery.via, messageId: delivery.via === "smtp" ? delivery.messageId : delivery.file };
}

function plainText(content: EmailContent): { subject: string; text: string } {
  if (content.template === "notification") {
    const shown = presentNotification(content.notification);
    return { subject: shown.title, text: [shown.title, "", shown.body ?? ""].join("\n") };
  }
  const lines = content.items.map((item) => `- ${presentNotification(item).title}`);
  return { subject: `Your ${content.window} DevPulse digest: ${content.items.length} notifications`, text: lines.join("\n") };
}
