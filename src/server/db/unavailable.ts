/**
 * Whether an error means the database is not reachable right now — refused, dropped or shutting
 * down — rather than that a query was wrong. Such a failure is the server's dependency being away:
 * callers get 503 and should retry, and no one's input is at fault.
 */

/** Socket and driver codes (Node's and postgres.js's) of a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

/** SQLSTATEs of a server going away: class 08 (connection exception), shutdown or start-up in progress, no connection slots. */
const UNAVAILABLE_SQLSTATES = /^(08...|57P01|57P02|57P03|53300)$/;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
    // AggregateError (a connect attempt to several addresses) holds the socket errors in `errors`.
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
