import { ServerClient } from "postmark";
import type { Env } from "../../env";
import { classifyHttpFailure, EmailProviderError, type EmailProvider } from "../provider";
import { postmarkFacts } from "./facts";

/**
 * Postmark through its ServerClient. The client has no base-URL option: it is pointed at
 * POSTMARK_API_URL through `requestHost` (host and any path) and `useHttps` (its own code builds
 * `${useHttps ? "https" : "http"}://${requestHost}${path}`).
 */
export function postmarkProvider(env: Pick<Env, (typeof postmarkFacts.configuredBy)[number]>): EmailProvider {
  const url = new URL(env.POSTMARK_API_URL);
  const client = new ServerClient(env.POSTMARK_SERVER_TOKEN ?? "", { requestHost: `${url.host}${url.pathname.replace(/\/+$/, "")}`, useHttps: url.protocol === "https:", timeout: 30 });
  return {
    id: "postmark",
    async send(message) {
      try {
        const sent = await client.sendEmail({
          From: message.from,
          To: message.to,
          Subject: message.subject,
          HtmlBody: message.html,
          TextBody: message.text,
          Headers: Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value })),
          Metadata: { devpulse_message_id: message.messageId },
          MessageStream: "outbound",
        });
        return { providerMessageId: sent.MessageID };
      } catch (error) {
        // The SDK's errors carry Postmark's ErrorCode and the HTTP status (0 for a network error).
        const { code, statusCode } = error as { code?: number; statusCode?: number };
        const status = statusCode || null;
        throw new EmailProviderError("postmark", classifyHttpFailure(postmarkFacts, status, code || undefined), `Postmark: ${(error as Error).message}`, status ?? undefined);
      }
    },
  };
}
