import { createHmac } from "node:crypto";
import type { Env } from "../env";
import { readOrCreateLocalSecret } from "../secrets/local-secret";

/** Each integration's webhook secret, derived (never stored): one leaked secret forges nothing for anyone else. */
export function webhookSecretFor(env: Env, integrationId: string): string {
  const master = env.WEBHOOK_SECRET ?? readOrCreateLocalSecret("webhook-secret", "WEBHOOK_SECRET");
  return createHmac("sha256", master).update(`devpulse-webhook:${integrationId}`).digest("base64url");
}
