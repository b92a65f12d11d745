import { Client } from "@sendgrid/client";
import { MailService } from "@sendgrid/mail";
import type { Env } from "../../env";
import { retryAtFrom } from "../../integrations/resilience";
import { classifyHttpFailure, EmailProviderError, type EmailProvider } from "../provider";
import { sendgridFacts } from "./facts";

/**
 * SendGrid through @sendgrid/mail on its own @sendgrid/client (not the SDK's process-wide
 * singletons), pointed at SENDGRID_API_URL. `setApiKey` resets the base URL to the region's
 * host, so the base URL is set after it.
 */
export function sendgridProvider(env: Pick<Env, (typeof sendgridFacts.configuredBy)[number]>): EmailProvider {
  const client = new Client();
  client.setApiKey(env.SENDGRID_API_KEY ?? "");
  client.setDefaultRequest("baseUrl", `${env.SENDGRID_API_URL.replace(/\/+$/, "")}/`);
  const mail = new MailService();
  mail.setClient(client);
  return {
    id: "sendgrid",
    async send(message) {
      try {
        const [response] = await mail.send({
          from: message.from,
          to: message.to,
          subject: message.subject,
          html: message.html,
          text: message.text,
          headers: message.headers,
          // Custom args come back on every event webhook: how a bounce finds our message.
          customArgs: { devpulse_message_id: message.messageId },
        });
        const id = response.headers["x-message-id"];
        return { providerMessageId: typeof id === "string" ? id : String(id ?? "") };
      } catch (error) {
        const { code, response } = error as { code?: number; response?: { headers?: Record<string, string>; body?: { errors?: { message?: string }[] } } };
        const status = typeof code === "number" && code >= 100 ? code : null;
        const detail = response?.body?.errors?.map((e) => e.message).filter(Boolean).join("; ") || (error as Error).message;
        throw new EmailProviderError("sendgrid", classifyHttpFailure(sendgridFacts, status), `SendGrid: ${detail}`, status ?? undefined, retryAtFrom(new Headers(response?.headers ?? {})));
      }
    },
  };
}
