import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { openToken, sealToken } from "../integrations/token-vault";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com) with its reference package:
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. Secrets are 32 random
 * bytes in the spec's `whsec_<base64>` form, which receivers paste into the same package.
 * During a rotation the header carries one signature per live secret, space-separated, as the
 * spec allows, so a receiver still holding the old secret verifies until it switches.
 */

const SECRET_PREFIX = "whsec_";

export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** Secrets at rest: sealed by the token vault and bound to the endpoint, so a sealed value moved to another row does not open. */
const owner = (userId: string, endpointId: string) => ({ userId, provider: `webhook-endpoint:${endpointId}` });

export function sealSigningSecret(secret: string, userId: string, endpointId: string): string {
  return sealToken(secret, owner(userId, endpointId));
}

export function openSigningSecret(sealed: string, userId: string, endpointId: string): string {
  return openToken(sealed, owner(userId, endpointId));
}

type SignedHeaders = { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string };

/** The three Standard Webhooks headers for `body`, signed with every secret given (current first). */
export function signPayload(secrets: readonly string[], messageId: string, at: Date, body: string): SignedHeaders {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
