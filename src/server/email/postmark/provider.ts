import { AsyncLocalStorage } from "node:async_hooks";
import { ServerClient } from "postmark";
import type { Env } from "../../env";
import { retryAtFrom } from "../../integrations/resilience";
import { classifyHttpFailure, EmailProviderError, type EmailProvider } from "../provider";
import { postmarkFacts } from "./facts";

/**
 * Postmark through its ServerClient. The client has no base-URL option: it is pointed at
 * POSTMARK_API_URL through `requestHost` (host and any path) and `useHttps` (its own code builds
 * `${useHttps ? "https" : "http"}://${requestHost}${path}`).
 *
 * The SDK's errors keep only the status and Postmark's ErrorCode, not the response headers, so a
 * 429's Retry-After would be lost. The client takes its own `fetch`: ours notes each answer's
 * headers for the send that asked. The one client serves concurrent sends, so the note is kept in
 * that send's async context rather than in a variable they would share.
 */
export function postmarkProvider(env: Pick<Env, (typeof postmarkFacts.configuredBy)[number]>): EmailProvider {
  const url = new URL(env.POSTMARK_API_URL);
  const answered = new AsyncLocalStorage<{ headers?: Headers }>();
  const noteHeaders = async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetch(input, init);
    const note = answered.getStore();
    if (note) note.headers = response.headers;
    return response;
  };
  const client = new ServerClient(env.POSTMARK_SERVER_TOKEN ?? "", { requestHost: `${url.host}${url.pathname.replace(/\/+$/, "")}`, useHttps: url.protocol === "https:", timeout: 30, fetch: noteHeaders });
  return {
    id: "postmark",
    async send(message) {
      const note: { headers?: Headers } = {};
      try {
        const sent = await answered.run(note, () =>
          client.sendEmail({
            From: message.from,
            To: message.to,
            Subject: message.subject,
            HtmlBody: message.html,
            TextBody: message.text,
            Headers: Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value })),
            Metadata: { devpulse_message_id: message.messageId },
            MessageStream: "outbound",
          }),
        );
        return { providerMessageId: sent.MessageID };
      } catch (error) {
        // The SDK's errors carry Postmark's ErrorCode and the HTTP status (0 for a network error).
        const { code, statusCode } = error as { code?: number; statusCode?: number };
        const status = statusCode || null;
        const retryAt = note.headers ? retryAtFrom(note.headers) : null;
        throw new EmailProviderError("postmark", classifyHttpFailure(postmarkFacts, status, code || undefined), `Postmark: ${(error as Error).message}`, status ?? undefined, retryAt);
      }
    },
  };
}
