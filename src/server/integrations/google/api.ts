import type { calendar_v3 } from "googleapis/build/src/apis/calendar";
import type { Env } from "../../env";
import { errorForStatus, ProviderError, RESILIENCE, resilientFetch, retryAtFrom, withCircuitBreaker } from "../resilience";
import { GOOGLE, googleApiRoot, googleRevokeUrl } from "./facts";

/**
 * Google Calendar v3 through googleapis, and its failures as the ProviderErrors the
 * framework understands.
 *
 * - Only the Calendar part of googleapis is loaded, and only on first use: the whole
 *   package takes seconds to import and the registry loads every provider at start-up.
 * - The access token goes in the Authorization header of a client made per operation: the
 *   framework refreshes tokens, so no OAuth2 client (and no refresh logic) lives here.
 * - 5xx and network errors are retried by the client (RESILIENCE.retries, RESILIENCE's
 *   backoff) for idempotent requests; a rate limit is never waited out here: it becomes
 *   `rate_limited` with `retryAt`, so the job owns the wait instead of a call sleeping.
 * - The SDK's errors carry the request (its Authorization header): they never leave this
 *   file untranslated.
 */

type CalendarModule = typeof import("googleapis/build/src/apis/calendar");
let loading: Promise<CalendarModule> | null = null;
const loadCalendar = () => (loading ??= import("googleapis/build/src/apis/calendar"));

export type CalendarApi = calendar_v3.Calendar;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const IDEMPOTENT_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"];

/**
 * A Calendar client acting as the token's owner. `retryInserts`: POSTs are retried too,
 * for an events.insert whose id we chose, where a retry cannot create a second event.
 */
export async function calendarApi(env: Env, accessToken: string, options: { retryInserts?: boolean } = {}): Promise<CalendarApi> {
  const { calendar } = await loadCalendar();
  return calendar({
    version: "v3",
    rootUrl: googleApiRoot(env),
    headers: { authorization: `Bearer ${accessToken}` },
    timeout: RESILIENCE.requestTimeoutMs,
    retry: true,
    retryConfig: {
      retry: RESILIENCE.retries,
      noResponseRetries: RESILIENCE.retries,
      httpMethodsToRetry: options.retryInserts ? [...IDEMPOTENT_METHODS, "POST"] : IDEMPOTENT_METHODS,
      statusCodesToRetry: [[500, 599]],
      retryBackoff: (error) => sleep(RESILIENCE.backoffBaseMs * 2 ** (error.config.retryConfig?.currentRetryAttempt ?? 0)),
    },
  });
}

/** What Google answered when it refused a request: the status and the first error's reason and location. */
export type GoogleRefusal = { status: number; reason: string | null; location: string | null; headers: Headers | null };

type SdkError = { config?: unknown; response?: { status?: number; data?: unknown; headers?: unknown } };

/** Google's refusal inside an SDK error, or null when no answer came (network, timeout) or it is not the SDK's. */
export function refusalOf(error: unknown): GoogleRefusal | null {
  const response = (error as SdkError | null)?.response;
  if (!response || typeof response.status !== "number") return null;
  const body = response.data as { error?: { errors?: Array<{ reason?: unknown; location?: unknown }> } } | null;
  const first = typeof body === "object" && body !== null ? body.error?.errors?.[0] : undefined;
  return {
    status: response.status,
    reason: typeof first?.reason === "string" ? first.reason : null,
    location: typeof first?.location === "string" ? first.location : null,
    headers: headersOf(response.headers),
  };
}

/** The SDK's response headers (its fetch's own Headers class, not always this realm's) as Headers. */
function headersOf(value: unknown): Headers | null {
  if (value instanceof Headers) return value;
  const forEach = (value as { forEach?: unknown } | null)?.forEach;
  if (typeof forEach !== "function") return null;
  const headers = new Headers();
  forEach.call(value, (headerValue: unknown, name: unknown) => {
    if (typeof headerValue === "string" && typeof name === "string") headers.append(name, headerValue);
  });
  return headers;
}

const isSdkError = (error: unknown) => typeof error === "object" && error !== null && "config" in error;

function rateLimited(refusal: GoogleRefusal, now: number): ProviderError {
  const retryAt = (refusal.headers && retryAtFrom(refusal.headers, now)) ?? new Date(now + GOOGLE.limits.defaultRetryAfterSeconds * 1000);
  return new ProviderError("google", "rate_limited", `Google Calendar is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
}

/**
 * A Calendar API failure as the ProviderError the framework understands. Messages name
 * Google's status and reason, never a token or a URL.
 */
export function googleError(error: unknown, now = Date.now()): ProviderError {
  if (error instanceof ProviderError) return error;
  const refusal = refusalOf(error);
  if (!refusal) {
    const code = (error as { code?: unknown } | null)?.code;
    const timedOut = code === "TimeoutError" || code === "ETIMEDOUT" || code === "ECONNABORTED";
    return new ProviderError("google", "unavailable", timedOut ? "Google Calendar did not answer in time." : "Google Calendar could not be reached.");
  }
  const { status, reason } = refusal;
  const detail = `${status}${reason ? ` ${reason}` : ""}`;
  if (status === 429 || (status === 403 && reason !== null && (GOOGLE.errorReasons.rateLimited as readonly string[]).includes(reason))) return rateLimited(refusal, now);
  if (status === 401) return errorForStatus("google", 401);
  if (status === 403 && reason === GOOGLE.errorReasons.insufficientPermissions) {
    return new ProviderError("google", "forbidden", "Google Calendar refused: the connection lacks a permission. Reconnect Google Calendar to grant it.");
  }
  if (status === 403 && reason === GOOGLE.errorReasons.requiredAccessLevel) {
    return new ProviderError("google", "forbidden", "Google Calendar refused: you may only read this calendar, not add events to it.");
  }
  if (status === 403) return new ProviderError("google", "forbidden", `Google Calendar refused access (${detail}).`);
  if (status === GOOGLE.statuses.notFound || status === GOOGLE.statuses.gone) return new ProviderError("google", "not_found", `Google Calendar could not find the calendar or event (${detail}).`);
  if (status >= 500) return new ProviderError("google", "unavailable", `Google Calendar answered ${status} several times in a row; it may be having an outage.`);
  return new ProviderError("google", "bad_response", `Google Calendar refused the request (${detail}).`);
}

/** One API call behind Google's circuit breaker, its failure translated. */
export function callGoogle<T>(operation: () => Promise<T>): Promise<T> {
  return withCircuitBreaker("google", async () => {
    try {
      return await operation();
    } catch (error) {
      // Not the SDK's (a bug of ours): it surfaces as it is, and says nothing about Google's health.
      throw error instanceof ProviderError || isSdkError(error) ? googleError(error) : error;
    }
  });
}

/**
 * One API call whose refusals the caller acts on (`handled`: a 409 on insert, a 404 on
 * delete…): they come back as data instead of an error. Anything else is thrown as by callGoogle.
 */
export function callGoogleUnless<T>(operation: () => Promise<T>, handled: (refusal: GoogleRefusal) => boolean): Promise<{ ok: true; value: T } | { ok: false; refusal: GoogleRefusal }> {
  return callGoogle(async () => {
    try {
      return { ok: true as const, value: await operation() };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal && handled(refusal)) return { ok: false as const, refusal };
      throw error;
    }
  });
}

/** A refusal with one of these statuses. */
export const statusIn =
  (...statuses: number[]) =>
  (refusal: GoogleRefusal) =>
    statuses.includes(refusal.status);

/**
 * POST /revoke beside the token endpoint: revoking the refresh token ends the whole grant
 * (every access token minted from it). A token Google no longer knows (400 invalid_token) is
 * as revoked as it gets.
 */
export function revokeGrant(env: Env, token: string): Promise<void> {
  return withCircuitBreaker("google", async () => {
    const response = await resilientFetch(
      "google",
      googleRevokeUrl(env),
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }) },
      { answerStatuses: [400] },
    );
    await response.body?.cancel();
  });
}
