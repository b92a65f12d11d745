import { Resend } from "resend";
import type { Env } from "../../env";
import { retryAtFrom } from "../../integrations/resilience";
import { classifyHttpFailure, EmailProviderError, type EmailProvider } from "../provider";
import { resendFacts } from "./facts";

/** Resend through its SDK, pointed at RESEND_BASE_URL (the SDK's own `baseUrl` option). */
export function resendProvider(env: Pick<Env, (typeof resendFacts.configuredBy)[number]>): EmailProvider {
  const client = new Resend(env.RESEND_API_KEY, { baseUrl: env.RESEND_BASE_URL.replace(/\/+$/, "") });
  return {
    id: "resend",
    async send(message) {
      // The SDK never throws for an HTTP error: it returns { error: { statusCode, name, message }, headers }.
      const { data, error, headers } = await client.emails.send(
        { from: message.from, to: message.to, subject: message.subject, html: message.html, text: message.text, headers: message.headers, tags: [{ name: "devpulse_message_id", value: message.messageId }] },
        { idempotencyKey: message.idempotencyKey.slice(0, resendFacts.idempotency.maxKeyLength) },
      );
      if (error) {
        const kind = classifyHttpFailure(resendFacts, error.statusCode, error.name);
        throw new EmailProviderError("resend", kind, `Resend: ${error.name}: ${error.message}`, error.statusCode ?? undefined, retryAtFrom(new Headers(headers ?? {})));
      }
      return { providerMessageId: data.id };
    },
  };
}
