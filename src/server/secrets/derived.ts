import { createHmac } from "node:crypto";
import type { Env } from "../env";
import { readOrCreateLocalSecret } from "./local-secret";

/**
 * A secret derived for one purpose from WEBHOOK_SECRET (generated into the data folder on the
 * embedded default): HMAC(master, label). Nothing derived is stored, and one derived secret
 * leaking forges nothing for another purpose.
 */
export function derivedSecret(env: Pick<Env, "WEBHOOK_SECRET">, label: string): string {
  const master = env.WEBHOOK_SECRET ?? readOrCreateLocalSecret("webhook-secret", "WEBHOOK_SECRET");
  return createHmac("sha256", master).update(label).digest("base64url");
}
