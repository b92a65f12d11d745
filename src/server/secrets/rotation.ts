import type { DbOrTx } from "../db/client";
import { getKeyring, type Keyring } from "../integrations/token-vault";
import { rotateTokenEncryption } from "../integrations/tokens";
import { resealSigningSecrets } from "../webhooks/endpoints";

/**
 * `npm run keys:rotate`: every value the token vault sealed, sealed again under the current key of
 * TOKEN_ENCRYPTION_KEY, so the old keys can then be dropped. Each module that seals values with the
 * vault re-seals its own here: provider tokens and PKCE verifiers, webhook signing secrets.
 * Safe to run again; values sealed under a key no longer in the ring are counted as unreadable.
 */
export async function rotateSealedSecrets(db: DbOrTx, keyring: Keyring = getKeyring(), now = new Date()) {
  const integrations = await rotateTokenEncryption(db, keyring);
  const webhooks = await resealSigningSecrets(db, keyring, now);
  return {
    tokens: integrations.tokens,
    verifiers: integrations.verifiers,
    signingSecrets: webhooks.resealed,
    unreadable: integrations.unreadable + webhooks.unreadable,
    currentKeyId: keyring.current.id,
  };
}
