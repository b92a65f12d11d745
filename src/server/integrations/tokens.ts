import { and, eq, isNotNull } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { integrationTokens, integrations, oauthStates } from "../db/schema";
import { getKeyring, openToken, resealedUnlessUnreadable, resealToken, sealToken, sealedUnderOldKey, type Keyring } from "./token-vault";

/** Plaintext tokens exist only in memory, inside the server, for a call to the provider. */
export type ProviderTokens = { accessToken: string; refreshToken: string | null; expiresAt: Date | null };

export async function storeTokens(db: DbOrTx, owner: { userId: string; provider: string }, tokens: ProviderTokens, keyring: Keyring = getKeyring()) {
  const [integration] = await db
    .select({ id: integrations.id })
    .from(integrations)
    .where(and(eq(integrations.userId, owner.userId), eq(integrations.provider, owner.provider)));
  if (!integration) throw new Error(`No ${owner.provider} integration for this user`);
  const sealed = {
    accessToken: sealToken(tokens.accessToken, { ...owner, purpose: "access" }, keyring),
    refreshToken: tokens.refreshToken === null ? null : sealToken(tokens.refreshToken, { ...owner, purpose: "refresh" }, keyring),
    expiresAt: tokens.expiresAt,
    updatedAt: new Date(),
  };
  await db
    .insert(integrationTokens)
    .values({ integrationId: integration.id, ...owner, ...sealed })
    .onConflictDoUpdate({ target: integrationTokens.integrationId, set: sealed });
}

export async function readTokens(db: DbOrTx, owner: { userId: string; provider: string }, keyring: Keyring = getKeyring()): Promise<ProviderTokens | null> {
  const [row] = await db
    .select()
    .from(integrationTokens)
    .where(and(eq(integrationTokens.userId, owner.userId), eq(integrationTokens.provider, owner.provider)));
  if (!row) return null;
  return {
    accessToken: openToken(row.accessToken, { ...owner, purpose: "access" }, keyring),
    refreshToken: row.refreshToken === null ? null : openToken(row.refreshToken, { ...owner, purpose: "refresh" }, keyring),
    expiresAt: row.expiresAt,
  };
}

/**
 * `npm run keys:rotate`: re-seals every stored token and PKCE verifier that an
 * older key sealed under the current key, one row at a time. Afterwards the old
 * keys can be removed from TOKEN_ENCRYPTION_KEY. Safe to run again. A value whose
 * key is no longer in the ring is counted as unreadable and left as it is (its
 * integration has to be reconnected).
 */
export async function rotateTokenEncryption(db: DbOrTx, keyring: Keyring = getKeyring()) {
  let tokens = 0;
  let verifiers = 0;
  let unreadable = 0;
  const skippingUnreadable = async (reseal: () => Promise<void>) => {
    if (!(await resealedUnlessUnreadable(reseal))) unreadable += 1;
  };
  for (const row of await db.select().from(integrationTokens)) {
    const owner = { userId: row.userId, provider: row.provider };
    const stale = sealedUnderOldKey(row.accessToken, keyring) || (row.refreshToken !== null && sealedUnderOldKey(row.refreshToken, keyring));
    if (!stale) continue;
    await skippingUnreadable(async () => {
      const resealed = {
        accessToken: resealToken(row.accessToken, { ...owner, purpose: "access" }, keyring),
        refreshToken: row.refreshToken === null ? null : resealToken(row.refreshToken, { ...owner, purpose: "refresh" }, keyring),
      };
      await db.update(integrationTokens).set(resealed).where(eq(integrationTokens.integrationId, row.integrationId));
      tokens += 1;
    });
  }
  for (const row of await db.select().from(oauthStates).where(isNotNull(oauthStates.codeVerifier))) {
    if (!sealedUnderOldKey(row.codeVerifier!, keyring)) continue;
    await skippingUnreadable(async () => {
      const codeVerifier = resealToken(row.codeVerifier!, { userId: row.userId, provider: row.provider, purpose: "pkce" }, keyring);
      await db.update(oauthStates).set({ codeVerifier }).where(eq(oauthStates.stateHash, row.stateHash));
      verifiers += 1;
    });
  }
  return { tokens, verifiers, unreadable, currentKeyId: keyring.current.id };
}
