import type { Env } from "../env";
import { derivedSecret } from "../secrets/derived";

/** Each integration's webhook secret, derived (never stored): one leaked secret forges nothing for anyone else. */
export function webhookSecretFor(env: Env, integrationId: string): string {
  return derivedSecret(env, `devpulse-webhook:${integrationId}`);
}
