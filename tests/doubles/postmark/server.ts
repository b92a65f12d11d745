import { type DoubleRequest, json, jsonBody } from "../shared/http";
import { isAddress, newUuid, startEmailDouble } from "../shared/email-api";

/**
 * A local double of Postmark's email API (https://postmarkapp.com/developer/api/email-api), for
 * the `postmark` ServerClient with `requestHost` = this host and `useHttps: false`: POST /email with
 * `X-Postmark-Server-Token`, answers `{ To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK" }`,
 * and errors as Postmark writes them: `{ ErrorCode, Message }` (10 bad token → 401, 300 invalid
 * email request and 406 inactive recipient → 422; 429 and 500 with their bodies). No idempotency.
 */
export const POSTMARK_DOUBLE_TOKEN = "00000000-double-postmark-server-token";

const error = (status: number, ErrorCode: number, Message: string, headers: Record<string, string> = {}) => json(status, { ErrorCode, Message }, headers);

type PostmarkSend = { From?: string; To?: string; Subject?: string; HtmlBody?: string; TextBody?: string; Headers?: { Name: string; Value: string }[]; Metadata?: Record<string, string> };

export function startPostmarkDouble(options: { port?: number; serverToken?: string; inactive?: string[] } = {}) {
  const token = options.serverToken ?? POSTMARK_DOUBLE_TOKEN;
  const inactive = new Set((options.inactive ?? []).map((address) => address.toLowerCase()));
  return startEmailDouble(
    {
      name: "Postmark",
      sendPath: "/email",
      authenticate: (req: DoubleRequest) =>
        req.headers["x-postmark-server-token"] === token
          ? null
          : error(401, 10, "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token."),
      parse: (req) => {
        const body = jsonBody<PostmarkSend>(req);
        if (!body) return error(422, 402, "Invalid JSON");
        if (!body.To || !body.To.split(",").every((to) => isAddress(to.trim()))) return error(422, 300, `Invalid 'To' address: '${body.To ?? ""}'.`);
        if (!body.HtmlBody && !body.TextBody) return error(422, 300, "Provide either email TextBody or HtmlBody or both.");
        const to = body.To.split(",").map((address) => address.trim());
        const dead = to.filter((address) => inactive.has(address.toLowerCase()));
        if (dead.length) return error(422, 406, `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${dead.join(", ")}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`);
        return {
          from: body.From ?? "",
          to,
          subject: body.Subject ?? "",
          html: body.HtmlBody ?? null,
          text: body.TextBody ?? null,
          headers: Object.fromEntries((body.Headers ?? []).map((header) => [header.Name, header.Value])),
          idempotencyKey: null,
          metadata: body.Metadata ?? {},
        };
      },
      accepted: (message) => json(200, { To: message.to.join(", "), SubmittedAt: message.receivedAt, MessageID: message.id, ErrorCode: 0, Message: "OK" }),
      faultBody: (status) => (status === 429 ? error(429, 429, "Rate Limit Exceeded", { "retry-after": "1" }) : error(status, 0, "Internal Server Error: the request could not be processed.")),
      newId: newUuid,
    },
    options,
  );
}
