// Record envelopes: one JSON value encrypted under the user's data key.
//
// Envelope: "dp1.A256GCM.<iv base64url>.<ciphertext||tag base64url>"
//   - "dp1" is the format version and "A256GCM" names the algorithm, so either can change
//     later without guessing how old ciphertexts were made.
//   - The IV is 96 random bits, fresh for every encryption. GCM breaks catastrophically if
//     an IV repeats under one key, and random 96-bit IVs stay safe for up to 2^32 messages
//     per key (NIST SP 800-38D §8.3).
//   - The AAD binds the ciphertext to its user, collection, record id and schema version, so
//     a server cannot move a valid ciphertext elsewhere (e.g. swap two records) undetected.
//
// Alongside each envelope the client sends checksumOf(envelope). That is NOT a security
// control (GCM already authenticates); it lets the server, which cannot decrypt, detect
// corruption in transit or storage.

import { decodeBase64Url, encodeBase64Url, utf8Decode, utf8Encode } from "./encoding";
import { ChecksumMismatchError, TamperedRecordError } from "./errors";
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, aesGcmDecrypt, aesGcmEncrypt, randomBytes, sha256Hex } from "./primitives";

export const RECORD_ENVELOPE_VERSION = "dp1";
export const RECORD_ALGORITHM = "A256GCM";

export type RecordIdentity = { userId: string; collection: string; recordId: string; schemaVersion: number };

function assertIdentity(identity: RecordIdentity): void {
  const { userId, collection, recordId, schemaVersion } = identity;
  for (const [name, value] of [
    ["userId", userId],
    ["collection", collection],
    ["recordId", recordId],
  ] as const) {
    if (typeof value !== "string" || value.length === 0) throw new TypeError(`RecordIdentity.${name} must be a non-empty string`);
  }
  // Integers only: JSON.stringify maps NaN/Infinity to null, which would make them collide.
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 0) {
    throw new TypeError("RecordIdentity.schemaVersion must be a non-negative integer");
  }
}

/**
 * Canonical AAD: UTF-8 of JSON ["devpulse-record-v1", userId, collection, recordId, schemaVersion].
 * A JSON array is unambiguous (no separator collisions) and identical on every platform.
 */
export function recordAad(identity: RecordIdentity): Uint8Array {
  assertIdentity(identity);
  const { userId, collection, recordId, schemaVersion } = identity;
  return utf8Encode(JSON.stringify(["devpulse-record-v1", userId, collection, recordId, schemaVersion]));
}

/** Encrypts a JSON-serialisable value into a record envelope, with a fresh random IV. */
export async function encryptRecord(dataKey: CryptoKey, identity: RecordIdentity, value: unknown): Promise<string> {
  const aad = recordAad(identity);
  const json: string | undefined = JSON.stringify(value);
  // JSON.stringify returns undefined for undefined, functions and symbols.
  if (json === undefined) throw new TypeError("encryptRecord: value is not JSON-serialisable");
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const ciphertext = await aesGcmEncrypt(dataKey, iv, utf8Encode(json), aad);
  return `${RECORD_ENVELOPE_VERSION}.${RECORD_ALGORITHM}.${encodeBase64Url(iv)}.${encodeBase64Url(ciphertext)}`;
}

/**
 * Decrypts and parses a record envelope. Throws TamperedRecordError for anything that is
 * not an authentic envelope made for exactly this identity.
 */
export async function decryptRecord(dataKey: CryptoKey, identity: RecordIdentity, envelope: string): Promise<unknown> {
  const aad = recordAad(identity);
  const tampered = (reason: string, cause?: unknown) =>
    new TamperedRecordError(identity.collection, identity.recordId, reason, cause === undefined ? undefined : { cause });

  if (typeof envelope !== "string") throw tampered("envelope is not a string");
  const parts = envelope.split(".");
  if (parts.length !== 4) throw tampered("malformed envelope");
  const [version, algorithm, ivText, ciphertextText] = parts as [string, string, string, string];
  if (version !== RECORD_ENVELOPE_VERSION) throw tampered("unknown envelope version");
  if (algorithm !== RECORD_ALGORITHM) throw tampered("unknown algorithm");

  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  try {
    iv = decodeBase64Url(ivText);
    ciphertext = decodeBase64Url(ciphertextText);
  } catch (cause) {
    throw tampered("malformed envelope", cause);
  }
  // We only ever write 96-bit IVs; GCM would accept others, so check explicitly.
  if (iv.length !== AES_GCM_IV_BYTES) throw tampered("wrong IV length");
  if (ciphertext.length < AES_GCM_TAG_BYTES) throw tampered("truncated ciphertext");

  let plaintext: Uint8Array;
  try {
    plaintext = await aesGcmDecrypt(dataKey, iv, ciphertext, aad);
  } catch (cause) {
    throw tampered("authentication failed", cause);
  }
  try {
    return JSON.parse(utf8Decode(plaintext)) as unknown;
  } catch (cause) {
    throw tampered("plaintext is not JSON", cause);
  }
}

/** Lowercase hex SHA-256 of the envelope's UTF-8 bytes; the server recomputes it. */
export async function checksumOf(envelope: string): Promise<string> {
  return sha256Hex(envelope);
}

/** Throws ChecksumMismatchError unless `checksum` is exactly checksumOf(envelope). */
export async function verifyChecksum(envelope: string, checksum: string): Promise<void> {
  const actual = await checksumOf(envelope);
  // Exact comparison: the checksum is public, so timing does not matter here.
  if (actual !== checksum) throw new ChecksumMismatchError(checksum, actual);
}

/** An encrypted version as it travels: a tombstone has no ciphertext. */
export type StoredVersion = { ciphertext: string | null; checksum: string | null; deleted: boolean };

/** Encrypts a value and computes its checksum: what a push or a resolution sends. */
export async function sealRecord(dataKey: CryptoKey, identity: RecordIdentity, value: unknown): Promise<{ ciphertext: string; checksum: string }> {
  const ciphertext = await encryptRecord(dataKey, identity, value);
  return { ciphertext, checksum: await checksumOf(ciphertext) };
}

/** Verifies the checksum, then decrypts (authenticating the identity); null for a tombstone. */
export async function openRecord(dataKey: CryptoKey, identity: RecordIdentity, version: StoredVersion): Promise<unknown> {
  if (version.deleted || version.ciphertext === null) return null;
  await verifyChecksum(version.ciphertext, version.checksum ?? "");
  return decryptRecord(dataKey, identity, version.ciphertext);
}
