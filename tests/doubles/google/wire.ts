import { type DoubleResponse, json } from "../shared/http";

/**
 * Google's error bodies. The Calendar API (like every Google JSON API) answers
 * `{ error: { errors: [{ domain, reason, message, … }], code, message } }`; OAuth's token
 * and revoke endpoints answer RFC 6749 `{ error, error_description }`.
 */
export type GoogleErrorItem = { domain: string; reason: string; message: string; location?: string; locationType?: string };

export function googleError(status: number, reason: string, message: string, options: { domain?: string; location?: string; locationType?: string; status?: string; headers?: Record<string, string> } = {}): DoubleResponse {
  const item: GoogleErrorItem = { domain: options.domain ?? "global", reason, message };
  if (options.location) item.location = options.location;
  if (options.locationType) item.locationType = options.locationType;
  const body: Record<string, unknown> = { errors: [item], code: status, message };
  if (options.status) body.status = options.status;
  return json(status, { error: body }, options.headers ?? {});
}

const AUTH_HELP = "Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/** No Authorization header. */
export const loginRequired = () =>
  googleError(401, "required", `Request is missing required authentication credential. ${AUTH_HELP}`, {
    location: "Authorization",
    locationType: "header",
    status: "UNAUTHENTICATED",
    headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' },
  });

/** An unknown, expired or revoked access token: Google's 401 (the body says "Invalid Credentials" in errors[0]). */
export function invalidCredentials(): DoubleResponse {
  const response = googleError(401, "authError", `Request had invalid authentication credentials. ${AUTH_HELP}`, {
    location: "Authorization",
    locationType: "header",
    status: "UNAUTHENTICATED",
    headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  });
  // errors[0].message is "Invalid Credentials" while the top-level message is the long one.
  const body = JSON.parse(response.body!) as { error: { errors: GoogleErrorItem[] } };
  body.error.errors[0]!.message = "Invalid Credentials";
  return { ...response, body: JSON.stringify(body) };
}

export const insufficientScopes = () =>
  googleError(403, "insufficientPermissions", "Request had insufficient authentication scopes.", {
    status: "PERMISSION_DENIED",
    headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/calendar"' },
  });

/** A write to a calendar the account may only read (a shared calendar). */
export const requiredAccessLevel = () => googleError(403, "requiredAccessLevel", "You need to have writer access to this calendar.", { domain: "calendar" });

export const notFound = () => googleError(404, "notFound", "Not Found");

export const badRequest = (message: string, reason = "invalid", extra: { domain?: string; location?: string; locationType?: string } = {}) => googleError(400, reason, message, extra);

/** events.list with a sync token that is too old or was invalidated: a full sync is required. */
export const fullSyncRequired = () => googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");

/** events.insert with a client-chosen id that already exists (also one of a deleted event). */
export const duplicate = () => googleError(409, "duplicate", "The requested identifier already exists.");

/**
 * focusTime on an account without Google Workspace (consumer @gmail.com). The status (400)
 * is what Google sends; the exact reason string is Google's least documented part, so a
 * provider should key on "400 answering an eventType focusTime insert", not on the reason.
 */
export const FOCUS_TIME_UNSUPPORTED = { reason: "invalid", message: "Focus time events cannot be created on this calendar." } as const;

/**
 * Usage limits: 403 (per-user rate limit, the usual Calendar answer) or 429, both with the
 * `usageLimits` domain and Retry-After in whole seconds.
 */
export function rateLimited(status: 403 | 429, retryAfterSeconds: number, reason: "rateLimitExceeded" | "userRateLimitExceeded" = "rateLimitExceeded") {
  const message = reason === "rateLimitExceeded" ? "Rate Limit Exceeded" : "User Rate Limit Exceeded";
  return {
    status,
    headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    body: { error: { errors: [{ domain: "usageLimits", reason, message }], code: status, message } },
  };
}

/** A fault without a body gets the body Google sends for that status. */
export function googleFaultBody(status: number): DoubleResponse {
  if (status === 429 || status === 403) {
    const fault = rateLimited(status, 1);
    return json(status, fault.body, fault.headers);
  }
  if (status === 401) return invalidCredentials();
  if (status === 404) return notFound();
  if (status === 410) return fullSyncRequired();
  if (status === 500) return googleError(500, "backendError", "Backend Error");
  if (status === 503) return googleError(503, "backendError", "The service is currently unavailable.");
  if (status >= 500) return { status, headers: { "content-type": "text/html; charset=UTF-8" }, body: `<!DOCTYPE html><html lang=en><title>Error ${status} (Server Error)!!1</title><p><b>${status}.</b> <ins>That’s an error.</ins></html>` };
  return googleError(status, "invalid", "Invalid Value");
}

/** OAuth 2 token/revoke endpoint errors (RFC 6749 §5.2, Google's descriptions). */
export const oauthError = (status: number, error: string, description: string) => json(status, { error, error_description: description }, { "cache-control": "no-cache, no-store, max-age=0, must-revalidate", pragma: "no-cache" });
