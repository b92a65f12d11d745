import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { Env } from "../env";
import { logger } from "../logger";

export type Mail = { to: string; subject: string; text: string };
/** What deciding and sending mail reads from the environment. */
export type MailEnv = Pick<Env, "SMTP_URL" | "MAIL_FROM" | "DATA_DIR" | "NODE_ENV" | "SANDBOX">;
/** The same, for mail that carries a link back to the app. */
export type LinkMailEnv = MailEnv & Pick<Env, "appUrl">;
export type MailDelivery = { via: "smtp"; messageId: string } | { via: "outbox"; file: string };

/**
 * Whether mail reaches people: through SMTP_URL, or into the outbox a developer reads — outside
 * production, or in the sandbox (`npm run sandbox`, a production build with demo users only).
 */
export function canDeliverMail(env: Pick<MailEnv, "SMTP_URL" | "NODE_ENV"> & Partial<Pick<MailEnv, "SANDBOX">>): boolean {
  return Boolean(env.SMTP_URL) || env.NODE_ENV !== "production" || env.SANDBOX === true;
}

/**
 * Sends one plain-text mail. With SMTP_URL set it goes to that server (an SMTP
 * failure throws, so a job step retries it); without it, the embedded default
 * writes the message, exactly as it would have been sent, to DATA_DIR/outbox.
 */
export async function sendMail(env: Pick<MailEnv, "SMTP_URL" | "MAIL_FROM" | "DATA_DIR">, mail: Mail): Promise<MailDelivery> {
  const message = { from: env.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text };
  if (env.SMTP_URL) {
    const transport = nodemailer.createTransport(env.SMTP_URL);
    try {
      const sent = await transport.sendMail(message);
      return { via: "smtp", messageId: sent.messageId };
    } finally {
      transport.close();
    }
  }
  const built = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" }).sendMail(message);
  const folder = join(env.DATA_DIR, "outbox");
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, "-")}-${built.messageId.replace(/[^\w.-]/g, "")}.eml`);
  await writeFile(file, built.message as Buffer, { mode: 0o600 });
  logger.info("SMTP_URL is not set: wrote the mail to the outbox instead of sending it", { file, subject: mail.subject });
  return { via: "outbox", file };
}
