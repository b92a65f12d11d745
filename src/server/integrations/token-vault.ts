import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { getEnv } from "../env";
import { readOrCreateLocalSecret } from "../secrets/local-secret";

/**
 * Provider tokens at rest: AES-256-GCM under a server keyring, with the owner
 * (user and provider) as additional authenticated data, so a sealed token copied
 * to another user's or provider's row does not open. Each value names the key that
 * sealed it; the first key of the ring seals, every key opens, and
 * `npm run keys:rotate` re-seals old values under the current key.
 *
 *   sealed = "tv1.<key id>.<iv, base64url>.<ciphertext + tag, base64url>"
 */
export type TokenOwner = { userId: string; provider: string; purpose?: "access" | "refresh" | "pkce" };
export type Keyring = { current: { id: string; key: Buffer }; byId: Map<string, Buffer> };

const FORMAT = "tv1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class TokenVaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenVaultError";
  }
}

/** A short, stable id for a key (not secret: it only says which key sealed a value). */
export const keyIdOf = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 8);

export function keyringFrom(keys: string): Keyring {
  const decoded = keys
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => Buffer.from(key, "base64"));
  if (decoded.length === 0 || decoded.some((key) => key.length !== 32)) throw new TokenVaultError("Each token encryption key must be 32 bytes, base64-encoded");
  const byId = new Map(decoded.map((key) => [keyIdOf(key), key]));
  return { current: { id: keyIdOf(decoded[0]!), key: decoded[0]! }, byId };
}

const holder = globalThis as typeof globalThis & { __devpulseKeyring?: Keyring };

/** TOKEN_ENCRYPTION_KEY, or (embedded default only) a key generated once into the data folder. */
export function getKeyring(): Keyring {
  holder.__devpulseKeyring ??= keyringFrom(getEnv().TOKEN_ENCRYPTION_KEY ?? readOrCreateLocalSecret("token-encryption-key", "TOKEN_ENCRYPTION_KEY"));
  return holder.__devpulseKeyring;
}

const aad = (owner: TokenOwner) => Buffer.from(`devpulse-token:${FORMAT}:${owner.userId}:${owner.provider}:${owner.purpose ?? "access"}`, "utf8");

export function sealToken(plaintext: string, owner: TokenOwner, keyring: Keyring = getKeyring()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyring.current.key, iv);
  cipher.setAAD(aad(owner));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return [FORMAT, keyring.current.id, iv.toString("base64url"), body.toString("base64url")].join(".");
}

function parse(sealed: string) {
  const [format, keyId, iv, body, ...rest] = sealed.split(".");
  if (format !== FORMAT || !keyId || !iv || !body || rest.length > 0) throw new TokenVaultError("Not a sealed token");
  return { keyId, iv: Buffer.from(iv, "base64url"), body: Buffer.from(body, "base64url") };
}

export function openToken(sealed: string, owner: TokenOwner, keyring: Keyring = getKeyring()): string {
  const { keyId, iv, body } = parse(sealed);
  const key = keyring.byId.get(keyId);
  if (!key) throw new TokenVaultError(`The key that sealed this token (${keyId}) is not in TOKEN_ENCRYPTION_KEY`);
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new TokenVaultError("Sealed token is truncated");
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(aad(owner));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new TokenVaultError("Sealed token does not open for this owner (tampered, moved, or wrong key)");
  }
}

/** Whether a value was sealed under an older key than the current one. */
export function sealedUnderOldKey(sealed: string, keyring: Keyring = getKeyring()): boolean {
  return parse(sealed).keyId !== keyring.current.id;
}

/**
 * One step of a key rotation (`npm run keys:rotate`) that re-seals and stores a row: false when a
 * value of it was sealed under a key no longer in the ring (counted, and the row left as it is),
 * true when done. Any other failure is thrown.
 */
export async function resealedUnlessUnreadable(reseal: () => Promise<unknown>): Promise<boolean> {
  try {
    await reseal();
    return true;
  } catch (error) {
    if (!(error instanceof TokenVaultError)) throw error;
    return false;
  }
}

/** Opens under whichever key sealed it and seals again under the current key. */
export function resealToken(sealed: string, owner: TokenOwner, keyring: Keyring = getKeyring()): string {
  return sealToken(openToken(sealed, owner, keyring), owner, keyring);
}
