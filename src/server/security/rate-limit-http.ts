import { clientIpFrom } from "../http/client-address";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { consumeRequestLimit, type RateLimitNameKeyedBy, type RateLimitRefusalDetails, rateLimitSpec } from "./rate-limits";

/**
 * Rate-limit refusals in HTTP's terms: 429 with `Retry-After` (seconds) and the IETF fields of
 * draft-ietf-httpapi-ratelimit-headers (RateLimit-Policy and RateLimit, Structured Field lists):
 *   RateLimit-Policy: "register";q=20;w=3600   the limit that refused: its quota and window (seconds)
 *   RateLimit: "register";r=0;t=1740            what is left of it (nothing) and the seconds until it resets
 */

/** The refusal details of a rate-limited request's error, or null for any other error. */
function rateLimitRefusalOf(error: unknown): RateLimitRefusalDetails | null {
  if (!(error instanceof AppError) || error.code !== "TOO_MANY_REQUESTS" || typeof error.details?.limit !== "string") return null;
  return error.details as RateLimitRefusalDetails;
}

/** Retry-After, RateLimit-Policy and RateLimit for a refusal. */
function rateLimitHeaders(refusal: RateLimitRefusalDetails): Headers {
  return new Headers({
    "retry-after": String(refusal.retryAfterSeconds),
    "ratelimit-policy": `"${refusal.limit}";q=${refusal.quota};w=${refusal.windowSeconds}`,
    ratelimit: `"${refusal.limit}";r=0;t=${refusal.retryAfterSeconds}`,
  });
}

/** A 429 that no limiter refused but that says how long to wait (the device grant's slow_down: its `interval`). */
function waitOf(error: unknown): number | null {
  if (!(error instanceof AppError) || error.code !== "TOO_MANY_REQUESTS") return null;
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === "number" ? seconds : null;
}

/**
 * For a response carrying several errors (a tRPC batch): the headers of the refusal with the
 * longest wait; else Retry-After alone for a 429 that names its wait; else none.
 */
export function rateLimitHeadersOfErrors(causes: readonly unknown[]): Headers {
  const refusals = causes.map(rateLimitRefusalOf).filter((refusal) => refusal !== null);
  const longest = refusals.sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0];
  if (longest) return rateLimitHeaders(longest);
  const waits = causes.map(waitOf).filter((seconds) => seconds !== null);
  return waits.length > 0 ? new Headers({ "retry-after": String(Math.max(...waits)) }) : new Headers();
}

/** A route handler's 429: `{ error, retryAfterSeconds }` and the headers. */
function tooManyRequests(error: AppError, refusal: RateLimitRefusalDetails, request: Request): Response {
  const body: Record<string, unknown> = { error: error.message, retryAfterSeconds: refusal.retryAfterSeconds };
  // next-auth's client (signIn with redirect: false) reads the error from `url`'s query, as next-auth's own refusals carry it.
  if (new URL(request.url).pathname.startsWith("/api/auth/")) body.url = `${getEnv().appUrl}/api/auth/error?${new URLSearchParams({ error: error.message })}`;
  return Response.json(body, { status: 429, headers: rateLimitHeaders(refusal) });
}

/**
 * The first line of a public route handler: counts the request against the instance's ceiling
 * and its route's per-address limit, before anything else runs. A 429 to return, or null to go on:
 *   const limited = await rateLimitRoute(request, "providerWebhook"); if (limited) return limited;
 */
export async function rateLimitRoute(request: Request, name: RateLimitNameKeyedBy<"ip">): Promise<Response | null> {
  const db = await getDb();
  const requester = { ip: clientIpFrom(request.headers) };
  try {
    await consumeRequestLimit(db, "requests", requester);
    if (rateLimitSpec(name).appliesTo?.(request) ?? true) await consumeRequestLimit(db, name, requester);
    return null;
  } catch (error) {
    const refusal = rateLimitRefusalOf(error);
    if (refusal) return tooManyRequests(error as AppError, refusal, request);
    throw error;
  }
}
