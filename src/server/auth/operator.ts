import type { Env } from "../env";
import { sha256Hex } from "../hash";
import { constantTimeEqual } from "../integrations/webhooks";

/**
 * Who may read the operator endpoints (/api/metrics, /api/health/deep): a scraper or probe with
 * METRICS_TOKEN, or — deep health only — a signed-in account listed in OPERATOR_EMAILS.
 */

/**
 * Whether the request carries `Authorization: Bearer <METRICS_TOKEN>`. The comparison is of
 * digests, so neither the token's content nor its length shows in timing. False when no token is set.
 */
export function hasMetricsToken(request: Request, env: Pick<Env, "METRICS_TOKEN">): boolean {
  if (!env.METRICS_TOKEN) return false;
  const given = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  return constantTimeEqual(sha256Hex(given), sha256Hex(env.METRICS_TOKEN));
}

/** Whether this signed-in account is an operator (its email, stored lower-cased, is in OPERATOR_EMAILS). */
export function isOperator(user: { email: string } | null, env: Pick<Env, "OPERATOR_EMAILS">): boolean {
  return user !== null && env.OPERATOR_EMAILS.includes(user.email.toLowerCase());
}
