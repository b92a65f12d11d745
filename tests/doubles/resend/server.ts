import { credentialFrom, type DoubleRequest, json, jsonBody } from "../shared/http";
import { isAddress, newUuid, startEmailDouble } from "../shared/email-api";

/**
 * A local double of Resend's send API (https://resend.com/docs/api-reference/emails/send-email),
 * for the `resend` SDK with `baseUrl` = this URL: POST /emails with `Authorization: Bearer re_…`,
 * an optional `Idempotency-Key` (a repeat gets the first answer, as Resend does for 24 h), and
 * errors as Resend writes them: `{ statusCode, name, message }` (validation_error,
 * missing_api_key, invalid_api_key, rate_limit_exceeded with Retry-After, internal_server_error).
 */
export const RESEND_DOUBLE_KEY = "re_double_0123456789abcdef";

const error = (statusCode: number, name: string, message: string, headers: Record<string, string> = {}) => json(statusCode, { statusCode, name, message }, headers);

type ResendSend = { from?: string; to?: string | string[]; subject?: string; html?: string; text?: string; headers?: Record<string, string>; tags?: { name: string; value: string }[] };

export function startResendDouble(options: { port?: number; apiKey?: string } = {}) {
  const apiKey = options.apiKey ?? RESEND_DOUBLE_KEY;
  return startEmailDouble(
    {
      name: "Resend",
      sendPath: "/emails",
      authenticate: (req: DoubleRequest) => {
        const key = credentialFrom(req.headers, ["bearer"]);
        if (!key) return error(401, "missing_api_key", "Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY");
        return key === apiKey ? null : error(403, "invalid_api_key", "API key is invalid");
      },
      parse: (req) => {
        const body = jsonBody<ResendSend>(req);
        if (!body) return error(400, "validation_error", "Invalid JSON body.");
        for (const field of ["from", "to", "subject"] as const) if (!body[field]) return error(422, "missing_required_field", `Missing \`${field}\` field.`);
        const to = Array.isArray(body.to) ? body.to : [body.to!];
        if (to.length > 50) return error(422, "validation_error", "Too many recipients: `to` may hold at most 50 addresses.");
        if (!to.every(isAddress)) return error(422, "validation_error", "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.");
        const key = req.headers["idempotency-key"];
        if (typeof key === "string" && (key.length < 1 || key.length > 256)) return error(400, "invalid_idempotency_key", "The key must be between 1-256 chars.");
        return {
          from: body.from!,
          to,
          subject: body.subject!,
          html: body.html ?? null,
          text: body.text ?? null,
          headers: body.headers ?? {},
          idempotencyKey: typeof key === "string" ? key : null,
          metadata: Object.fromEntries((body.tags ?? []).map((tag) => [tag.name, tag.value])),
        };
      },
      accepted: (message) => json(200, { id: message.id }),
      faultBody: (status) =>
        status === 429
          ? error(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information.", { "retry-after": "1", "ratelimit-limit": "2", "ratelimit-remaining": "0", "ratelimit-reset": "1" })
          : error(status, "internal_server_error", "An unexpected error occurred."),
      newId: newUuid,
    },
    options,
  );
}
