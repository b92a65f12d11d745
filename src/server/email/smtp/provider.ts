import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { Env } from "../../env";
import { logger } from "../../logger";
import { EmailProviderError, type EmailFailureKind, type EmailProvider, type ProviderMessage } from "../provider";
import { smtpFacts } from "./facts";

type SmtpEnv = Pick<Env, (typeof smtpFacts.configuredBy)[number]>;

/** A Message-ID derived from our idempotency key: the same message keeps the same id on every try. */
function messageIdFor(message: ProviderMessage): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(message.from)?.[1] ?? "devpulse.localhost";
  return `<${createHash("sha256").update(message.idempotencyKey).digest("hex").slice(0, 32)}@${domain}>`;
}

function classifySmtp(error: unknown): { kind: EmailFailureKind; status?: number } {
  const { responseCode: code, code: name } = error as { responseCode?: number; code?: string };
  // nodemailer refuses an envelope it cannot build (no valid recipient) before connecting: the message's fault.
  if (name === "EENVELOPE") return { kind: "permanent" };
  if (typeof code !== "number") return { kind: "transient" }; // connection refused, timeout, TLS
  if ((smtpFacts.classify.unauthorizedStatuses as readonly number[]).includes(code)) return { kind: "unauthorized", status: code };
  if (code >= 500) return { kind: "permanent", status: code };
  return { kind: "transient", status: code };
}

/**
 * SMTP through nodemailer. With SMTP_URL set the message goes to that relay; without it, the
 * embedded default writes the message, exactly as it would have been sent, to DATA_DIR/outbox
 * (a developer reads the .eml files; the sandbox too). The transport is made once: without
 * pooling it opens a connection per message and closes it after, so there is nothing to close.
 */
export function smtpProvider(env: SmtpEnv): EmailProvider {
  const outbox = env.SMTP_URL ? null : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const transport = env.SMTP_URL ? nodemailer.createTransport(env.SMTP_URL) : null;
  return {
    id: "smtp",
    async send(message) {
      const mail = { from: message.from, to: message.to, subject: message.subject, text: message.text, html: message.html, headers: message.headers, messageId: messageIdFor(message) };
      if (outbox) {
        const built = await outbox.sendMail(mail);
        const folder = join(env.DATA_DIR, "outbox");
        await mkdir(folder, { recursive: true, mode: 0o700 });
        const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, "-")}-${built.messageId.replace(/[^\w.-]/g, "")}.eml`);
        await writeFile(file, built.message as Buffer, { mode: 0o600 });
        logger.info("SMTP_URL is not set: wrote the mail to the outbox instead of sending it", { file, subject: message.subject });
        return { providerMessageId: built.messageId, outboxFile: file };
      }
      try {
        const sent = await transport!.sendMail(mail);
        return { providerMessageId: sent.messageId };
      } catch (error) {
        const { kind, status } = classifySmtp(error);
        throw new EmailProviderError("smtp", kind, `SMTP: ${(error as Error).message}`, status);
      }
    },
  };
}
