import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { integrations, integrationTokens, oauthStates, webhookEndpoints } from "~/server/db/schema";
import { schemaTableNames } from "~/server/db/tables";
import { parseEnv } from "~/server/env";
import { readTokens, storeTokens } from "~/server/integrations/tokens";
import { getKeyring, keyringFrom, openToken, sealToken, TokenVaultError } from "~/server/integrations/token-vault";
import { rotateSealedSecrets } from "~/server/secrets/rotation";
import { generateSigningSecret, openSigningSecret, sealSigningSecret } from "~/server/webhooks/signing";
import { signedUpUser } from "../support/callers";

const newKey = () => randomBytes(32).toString("base64");
const owner = { userId: "2b0c6a1e-5d1f-4c39-9a57-0e6f7f3f1a11", provider: "github" };

async function connected(label: string, keyring = getKeyring()) {
  const { user } = await signedUpUser(label);
  const db = await getDb();
  await db.insert(integrations).values({ userId: user.id, provider: "github" });
  const tokens = { accessToken: `gho_${randomBytes(18).toString("hex")}`, refreshToken: `ghr_${randomBytes(18).toString("hex")}`, expiresAt: new Date(Date.now() + 3600_000) };
  await storeTokens(db, { userId: user.id, provider: "github" }, tokens, keyring);
  return { user, db, tokens };
}

describe("token vault", () => {
  it("seals with a fresh IV every time and opens only for the same owner and purpose", () => {
    const keyring = keyringFrom(newKey());
    const first = sealToken("gho_secret", owner, keyring);
    const second = sealToken("gho_secret", owner, keyring);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^tv1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]+$/);
    expect(first).not.toContain("gho_secret");
    expect(openToken(first, owner, keyring)).toBe("gho_secret");
    expect(() => openToken(first, { ...owner, userId: "9b0c6a1e-5d1f-4c39-9a57-0e6f7f3f1a11" }, keyring)).toThrow(TokenVaultError);
    expect(() => openToken(first, { ...owner, provider: "gitlab" }, keyring)).toThrow(TokenVaultError);
    expect(() => openToken(first, { ...owner, purpose: "refresh" }, keyring)).toThrow(TokenVaultError);
    const [format, keyId, iv, body] = first.split(".");
    const flipped = Buffer.from(body!, "base64url");
    flipped[0]! ^= 1;
    expect(() => openToken([format, keyId, iv, flipped.toString("base64url")].join("."), owner, keyring)).toThrow(/tampered/);
    expect(() => openToken(first, owner, keyringFrom(newKey()))).toThrow(/not in TOKEN_ENCRYPTION_KEY/);
  });

  it("accepts only base64 32-byte keys in TOKEN_ENCRYPTION_KEY, and requires it on Vercel", () => {
    expect(parseEnv({ TOKEN_ENCRYPTION_KEY: `${newKey()}, ${newKey()}` }).TOKEN_ENCRYPTION_KEY).toBeDefined();
    expect(() => parseEnv({ TOKEN_ENCRYPTION_KEY: "short" })).toThrow(/TOKEN_ENCRYPTION_KEY: must be base64-encoded 32-byte keys/);
    expect(() => parseEnv({ TOKEN_ENCRYPTION_KEY: `${newKey()},${randomBytes(16).toString("base64")}` })).toThrow(/TOKEN_ENCRYPTION_KEY/);
    expect(() => parseEnv({ VERCEL: "1" })).toThrow(/TOKEN_ENCRYPTION_KEY: is required on Vercel/);
  });

  it("on the embedded default, generates one key into the data folder and keeps using it", () => {
    const keyring = getKeyring();
    const file = join(process.env.DATA_DIR!, "token-encryption-key");
    expect(existsSync(file)).toBe(true);
    expect(keyringFrom(readFileSync(file, "utf8").trim()).current.id).toBe(keyring.current.id);
    expect(getKeyring()).toBe(keyring);
  });

  it("stores tokens so that no table holds them in plaintext, and reads them back", async () => {
    const { user, db, tokens } = await connected("vault-scan");
    expect(await readTokens(db, { userId: user.id, provider: "github" })).toEqual(tokens);
    for (const table of schemaTableNames()) {
      const rows = (await db.execute(sql.raw(`select * from "${table}"`))) as unknown as { rows?: unknown[] } | unknown[];
      const text = JSON.stringify(Array.isArray(rows) ? rows : rows.rows);
      expect(text, table).not.toContain(tokens.accessToken);
      expect(text, table).not.toContain(tokens.refreshToken);
    }
  });

  it("rotation re-seals every token and PKCE verifier under the current key; old keys can then be dropped", async () => {
    const oldKey = newKey();
    const before = keyringFrom(oldKey);
    const { user, db, tokens } = await connected("vault-rotate", before);
    const lost = await connected("vault-lost-key", keyringFrom(newKey())); // sealed under a key nobody kept
    const verifier = `pkce-${randomBytes(24).toString("base64url")}`;
    await db.insert(oauthStates).values({
      stateHash: randomBytes(16).toString("hex"),
      userId: user.id,
      provider: "github",
      redirectUri: "http://localhost:3000/api/integrations/github/callback",
      codeVerifier: sealToken(verifier, { userId: user.id, provider: "github", purpose: "pkce" }, before),
      expiresAt: new Date(Date.now() + 600_000),
    });

    const rotatedRing = keyringFrom(`${newKey()},${oldKey}`);
    const result = await rotateSealedSecrets(db, rotatedRing);
    expect(result.tokens).toBeGreaterThanOrEqual(1);
    expect(result.verifiers).toBeGreaterThanOrEqual(1);
    // A row sealed under a key missing from the ring is reported and left as it was.
    expect(result.unreadable).toBeGreaterThanOrEqual(1);
    const [lostRow] = await db.select().from(integrationTokens).where(eq(integrationTokens.userId, lost.user.id));
    expect(lostRow!.accessToken.split(".")[1]).not.toBe(rotatedRing.current.id);
    expect((await rotateSealedSecrets(db, rotatedRing)).tokens).toBe(0); // idempotent

    const onlyNewKey = keyringFrom(rotatedRing.current.key.toString("base64"));
    expect(await readTokens(db, { userId: user.id, provider: "github" }, onlyNewKey)).toEqual(tokens);
    const [state] = await db.select().from(oauthStates).where(eq(oauthStates.userId, user.id));
    expect(openToken(state!.codeVerifier!, { userId: user.id, provider: "github", purpose: "pkce" }, onlyNewKey)).toBe(verifier);
    const [row] = await db.select().from(integrationTokens).where(eq(integrationTokens.userId, user.id));
    expect(row!.accessToken.split(".")[1]).toBe(rotatedRing.current.id);
  });

  it("rotation re-seals webhook signing secrets too, the previous one while it still signs; an expired previous one is dropped", async () => {
    const { user } = await signedUpUser("vault-webhook-secrets");
    const db = await getDb();
    const oldKey = newKey();
    const before = keyringFrom(oldKey);
    const secrets = { current: generateSigningSecret(), previous: generateSigningSecret() };
    const endpoint = (id: string, previousSecretExpiresAt: Date) => ({
      id,
      userId: user.id,
      url: `http://127.0.0.1:9/${id}`,
      kinds: ["export.ready" as const],
      secret: sealSigningSecret(secrets.current, user.id, id, before),
      previousSecret: sealSigningSecret(secrets.previous, user.id, id, before),
      previousSecretExpiresAt,
    });
    const [rotating, expired] = [randomUUID(), randomUUID()];
    await db.insert(webhookEndpoints).values([endpoint(rotating, new Date(Date.now() + 3600_000)), endpoint(expired, new Date(Date.now() - 3600_000))]);

    const rotatedRing = keyringFrom(`${newKey()},${oldKey}`);
    expect((await rotateSealedSecrets(db, rotatedRing)).signingSecrets).toBeGreaterThanOrEqual(2);
    expect((await rotateSealedSecrets(db, rotatedRing)).signingSecrets).toBe(0); // idempotent

    const onlyNewKey = keyringFrom(rotatedRing.current.key.toString("base64"));
    const rowOf = async (id: string) => (await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;
    const row = await rowOf(rotating);
    expect(openSigningSecret(row.secret, user.id, rotating, onlyNewKey)).toBe(secrets.current);
    expect(openSigningSecret(row.previousSecret!, user.id, rotating, onlyNewKey)).toBe(secrets.previous);
    const dropped = await rowOf(expired);
    expect(openSigningSecret(dropped.secret, user.id, expired, onlyNewKey)).toBe(secrets.current);
    expect(dropped.previousSecret).toBeNull();
  });
});
