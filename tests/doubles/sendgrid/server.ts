import { randomBytes } from "node:crypto";
import { credentialFrom, type DoubleRequest, json, jsonBody } from "../shared/http";
import { isAddress, startEmailDouble } from "../shared/email-api";

/**
 * A local double of SendGrid's v3 mail send (https://www.twilio.com/docs/sendgrid/api-reference/mail-send),
 * for @sendgrid/client with `baseUrl` = this URL: POST /v3/mail/send with `Authorization: Bearer SG.…`,
 * answers 202 with an empty body and `X-Message-Id`, and errors as SendGrid writes them:
 * `{ errors: [{ message, field, help }] }` (400 invalid address, 401 bad key, 429 with
 * X-RateLimit-* headers, 500). No idempotency.
 */
export const SENDGRID_DOUBLE_KEY = "SG.double-key.0123456789abcdefghijklmnopqrstuvwxyz";

const errors = (status: number, message: string, field: string | null = null, headers: Record<string, string> = {}) => json(status, { errors: [{ message, field, help: field ? "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations" : null }] }, headers);

type SendGridSend = {
  from?: { email?: string };
  subject?: string;
  personalizations?: { to?: { email?: string }[] }[];
  content?: { type: string; value: string }[];
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
};

export function startSendGridDouble(options: { port?: number; apiKey?: string } = {}) {
  const apiKey = options.apiKey ?? SENDGRID_DOUBLE_KEY;
  return startEmailDouble(
    {
      name: "SendGrid",
      sendPath: "/v3/mail/send",
      authenticate: (req: DoubleRequest) => (credentialFrom(req.headers, ["bearer"]) === apiKey ? null : errors(401, "The provided authorization grant is invalid, expired, or revoked")),
      parse: (req) => {
        const body = jsonBody<SendGridSend>(req);
        if (!body) return errors(400, "Bad Request", null);
        const to = (body.personalizations ?? []).flatMap((p) => p.to ?? []).map((t) => t.email ?? "");
        if (to.length === 0) return errors(400, "The personalizations field is required and must have at least one personalization.", "personalizations");
        const bad = to.findIndex((address) => !isAddress(address));
        if (bad >= 0) return errors(400, "Does not contain a valid address.", `personalizations.0.to.${bad}.email`);
        if (!body.from?.email || !isAddress(body.from.email)) return errors(400, "The from email does not contain a valid address.", "from.email");
        const part = (type: string) => body.content?.find((c) => c.type === type)?.value ?? null;
        return { from: body.from.email, to, subject: body.subject ?? "", html: part("text/html"), text: part("text/plain"), headers: body.headers ?? {}, idempotencyKey: null, metadata: body.custom_args ?? {} };
      },
      accepted: (message) => ({ status: 202, headers: { "x-message-id": message.id }, body: "" }),
      faultBody: (status) =>
        status === 429
          ? errors(429, "too many requests", null, { "x-ratelimit-limit": "600", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1), "retry-after": "1" })
          : errors(status, "internal error"),
      // SendGrid's ids: 22 characters, URL-safe.
      newId: () => randomBytes(16).toString("base64url").slice(0, 22),
    },
    options,
  );
}
