import { type DoubleResponse, json } from "../shared/http";

/** Slack answers every Web API call with HTTP 200 JSON, `ok: false` for errors — except rate limits (429). */
export function slackJson(value: Record<string, unknown>, headers: Record<string, string> = {}): DoubleResponse {
  return json(200, value, headers);
}

/** `ratelimited`: HTTP 429, `Retry-After` in whole seconds (the SDK parses it with parseInt). */
export function slackRateLimited(retryAfterSeconds: number): DoubleResponse {
  return json(429, { ok: false, error: "ratelimited" }, { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
}

/** A fault without a body gets the body Slack sends for that status. */
export function slackFaultBody(status: number): DoubleResponse {
  if (status === 429) return slackRateLimited(1);
  if (status >= 500) return { status, headers: { "content-type": "text/html; charset=utf-8" }, body: "<html><body><h1>Service Unavailable</h1></body></html>" };
  return json(status, { ok: false, error: "request_failed" });
}
