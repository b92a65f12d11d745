import type { TRPCError } from "@trpc/server";
import { AppError } from "../errors";
import { logger } from "../logger";
import { rateLimitHeadersOfErrors } from "../security/rate-limit-http";

/** Seconds a client is asked to wait after a 503 (the database restarting takes a few). */
const SERVICE_UNAVAILABLE_RETRY_SECONDS = 5;

/**
 * What the two HTTP doors to the procedures (tRPC at /api/trpc, REST at /api/v1) add to
 * their answers, so both say the same thing the same way.
 */

/**
 * API answers are per user (never cache them) and mostly ciphertext, which gzip cannot
 * shrink much but costs ~2/3 of a pull's time (bench/PROFILE.md): no-transform tells the
 * server's compression to leave them alone. A rate-limited call (server/security/rate-limits.ts)
 * also says when to retry and which limit refused, in HTTP's own terms (Retry-After,
 * RateLimit-Policy, RateLimit).
 */
export function apiResponseHeaders(errors: readonly TRPCError[]): Record<string, string> {
  const headers = rateLimitHeadersOfErrors(errors.map((error) => error.cause));
  headers.set("cache-control", "no-store, no-transform");
  // A dependency away (the database): worth a retry soon, not at once from every client.
  if (errors.some((error) => error.code === "SERVICE_UNAVAILABLE") && !headers.has("retry-after")) headers.set("retry-after", String(SERVICE_UNAVAILABLE_RETRY_SECONDS));
  return Object.fromEntries(headers);
}

/**
 * The status of a failed REST call when the domain named one more precise than its code's
 * (410 Gone for a cursor past retention, 426 for an outdated client). tRPC reads the same
 * number from the error's `data.httpStatus` (api/trpc.ts); the REST adapter needs it said.
 */
export function domainHttpStatus(errors: readonly TRPCError[]): number | undefined {
  const cause = errors[0]?.cause;
  return cause instanceof AppError ? cause.httpStatus : undefined;
}

/** Our own failures are logged; a caller's (bad input, no access) are answered, not logged; a dependency away is a warning. */
export function logUnexpectedError({ error, path }: { error: TRPCError; path: string | undefined }) {
  if (error.code === "INTERNAL_SERVER_ERROR") logger.error("API procedure failed", { path, error: error.cause ?? error });
  else if (error.code === "SERVICE_UNAVAILABLE") logger.warn("API procedure refused: a dependency is unavailable", { path, reason: error.message });
}

/**
 * An error the REST door answers before any procedure runs (a body over its limit), in the
 * documented Error shape the procedures' own errors have.
 */
export function restErrorBody(code: TRPCError["code"], httpStatus: number, message: string) {
  return { message, code, data: { code, httpStatus, zodError: null, details: null } };
}
