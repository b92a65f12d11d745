// Thin wrappers over WebCrypto. Kept free of policy (no minimum iteration counts, no
// envelope formats) so each one can be checked directly against published test vectors;
// keys.ts and records.ts add the policy on top.
//
// Only globalThis.crypto is used, never node:crypto, so this runs unchanged in Node 20+,
// browsers and Electron.

import { encodeHex, utf8Encode } from "./encoding";

/** AES-GCM nonce length we generate: 96 bits, the length GCM is designed and analysed for. */
export const AES_GCM_IV_BYTES = 12;
/** Full 128-bit tag; WebCrypto appends it to the ciphertext. */
export const AES_GCM_TAG_BYTES = 16;

function subtle(): SubtleCrypto {
  const c: Crypto | undefined = (globalThis as { crypto?: Crypto }).crypto;
  if (c === undefined || c.subtle === undefined) {
    // Browsers hide crypto.subtle outside secure contexts (https, localhost).
    throw new Error("WebCrypto (crypto.subtle) is unavailable; a secure context (https) is required");
  }
  return c.subtle;
}

// WebCrypto's BufferSource excludes SharedArrayBuffer-backed views, and a caller could
// mutate its array while an async operation runs; a private copy solves both.
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function assertPositiveInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer`);
}

/** Cryptographically secure random bytes. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("randomBytes: n must be a non-negative integer");
  const out = new Uint8Array(n);
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c === undefined) throw new Error("WebCrypto (crypto.getRandomValues) is unavailable");
  // getRandomValues refuses more than 65536 bytes per call.
  for (let i = 0; i < n; i += 65536) c.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** PBKDF2 with HMAC-SHA-256 (RFC 8018), returning `lengthBytes` derived bytes. */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  lengthBytes: number,
): Promise<Uint8Array> {
  assertPositiveInteger(iterations, "pbkdf2Sha256: iterations");
  assertPositiveInteger(lengthBytes, "pbkdf2Sha256: lengthBytes");
  const s = subtle();
  const base = await s.importKey("raw", own(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await s.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: own(salt), iterations }, base, lengthBytes * 8);
  return new Uint8Array(bits);
}

function gcmParams(iv: Uint8Array, aad: Uint8Array | undefined): AesGcmParams {
  const params: AesGcmParams = { name: "AES-GCM", iv: own(iv), tagLength: AES_GCM_TAG_BYTES * 8 };
  // Omit the member rather than pass undefined: not every engine treats them alike.
  if (aad !== undefined) params.additionalData = own(aad);
  return params;
}

/**
 * Imports raw bytes as an AES-GCM key. Only 128- and 256-bit keys: Chromium does not
 * support 192-bit AES, and this code must behave identically everywhere.
 */
export async function importAesGcmKey(
  raw: Uint8Array,
  usages: KeyUsage[],
  extractable = false,
): Promise<CryptoKey> {
  if (raw.length !== 16 && raw.length !== 32) throw new RangeError("AES-GCM key must be 16 or 32 bytes");
  return subtle().importKey("raw", own(raw), { name: "AES-GCM" }, extractable, usages);
}

/** Fresh AES-256-GCM key for encrypt/decrypt. */
export async function generateAes256GcmKey(extractable: boolean): Promise<CryptoKey> {
  return subtle().generateKey({ name: "AES-GCM", length: 256 }, extractable, ["encrypt", "decrypt"]);
}

/** AES-GCM encryption with a CryptoKey; returns ciphertext || 16-byte tag. */
export async function aesGcmEncrypt(
  key: CryptoKey,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().encrypt(gcmParams(iv, aad), key, own(plaintext)));
}

/**
 * AES-GCM decryption with a CryptoKey of ciphertext || tag. Rejects (WebCrypto
 * OperationError) when authentication fails; callers map that to their own error.
 */
export async function aesGcmDecrypt(
  key: CryptoKey,
  iv: Uint8Array,
  ciphertextAndTag: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().decrypt(gcmParams(iv, aad), key, own(ciphertextAndTag)));
}

/** AES-GCM with a raw key (test vectors, interop); returns ciphertext || 16-byte tag. */
export async function aesGcmEncryptRaw(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array> {
  return aesGcmEncrypt(await importAesGcmKey(key, ["encrypt"]), iv, plaintext, aad);
}

/** Inverse of aesGcmEncryptRaw; rejects when authentication fails. */
export async function aesGcmDecryptRaw(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertextAndTag: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array> {
  return aesGcmDecrypt(await importAesGcmKey(key, ["decrypt"]), iv, ciphertextAndTag, aad);
}

/**
 * Wraps (exports as raw, then AES-GCM encrypts) an extractable key under `wrappingKey`.
 * Going through wrapKey keeps the key bytes inside WebCrypto instead of the JS heap.
 */
export async function aesGcmWrapKey(
  key: CryptoKey,
  wrappingKey: CryptoKey,
  iv: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().wrapKey("raw", key, wrappingKey, gcmParams(iv, aad)));
}

/**
 * Unwraps an AES-256-GCM (encrypt/decrypt) key wrapped by aesGcmWrapKey. Rejects when
 * authentication fails. Pass extractable=false unless the key must be re-wrapped.
 */
export async function aesGcmUnwrapAes256Key(
  wrapped: Uint8Array,
  wrappingKey: CryptoKey,
  iv: Uint8Array,
  aad: Uint8Array | undefined,
  extractable: boolean,
): Promise<CryptoKey> {
  return subtle().unwrapKey(
    "raw",
    own(wrapped),
    wrappingKey,
    gcmParams(iv, aad),
    { name: "AES-GCM", length: 256 },
    extractable,
    ["encrypt", "decrypt"],
  );
}

/**
 * The raw bytes of an extractable key. Only key rotation needs this: it re-encrypts the
 * previous data keys under the new one so devices can still read records not yet re-encrypted.
 */
export async function exportRawKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey("raw", key));
}

/** Lowercase hex SHA-256; strings are hashed as UTF-8. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? utf8Encode(data) : own(data);
  return encodeHex(new Uint8Array(await subtle().digest("SHA-256", bytes)));
}

/** Equality whose running time depends only on the lengths, not on where bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
