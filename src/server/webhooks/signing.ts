import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { getKeyring, openToken, resealToken, sealToken, type Keyring } from "../integrations/token-vault";

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

export function sealSigningSecret(secret: string, userId: string, endpointId: string, keyring: Keyring = getKeyring()): string {
  return sealToken(secret, owner(userId, endpointId), keyring);
}

export function openSigningSecret(sealed: string, userId: string, endpointId: string, keyring: Keyring = getKeyring()): string {
  return openToken(sealed, owner(userId, endpointId), keyring);
}

/** The same secret sealed under the keyring's current key (`npm run keys:rotate`). */
export function resealSigningSecret(sealed: string, userId: string, endpointId: string, keyring: Keyring = getKeyring()): string {
  return resealToken(sealed, owner(userId, endpointId), keyring);
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
