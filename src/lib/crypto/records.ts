// Record envelopes: one JSON value encrypted under the user's data key.
//
// Envelope: "dp2.A256GCM.<key id>.<iv base64url>.<ciphertext||tag base64url>"
//   - "dp2" is the format version and "A256GCM" names the algorithm, so either can change
//     later without guessing how old ciphertexts were made.
//   - The key id names the data key (keys.ts: key rotation) and is part of the AAD, so a
//     ciphertext cannot be presented under another key id. Version 1 envelopes
//     ("dp1.A256GCM.<iv>.<ciphertext>", written before rotation existed) are still read, as
//     key 1 with the version 1 AAD; relabelling one as dp2 (or back) changes the AAD and fails.
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
import { ChecksumMismatchError, TamperedRecordError, UnknownKeyError } from "./errors";
import { INITIAL_KEY_ID, MAX_KEY_ID, type KeyRing } from "./keys";
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, aesGcmDecrypt, aesGcmEncrypt, randomBytes, sha256Hex } from "./primitives";

export const RECORD_ENVELOPE_VERSION = "dp2";
/** Envelopes without a key id, written before key rotation: read as key 1, never written. */
export const LEGACY_RECORD_ENVELOPE_VERSION = "dp1";
export const RECORD_ALGORITHM = "A256GCM";

/** A single data key (any key id is tried with it), or a ring that picks the key by the envelope's key id. */
export type RecordKeys = CryptoKey | KeyRing;

function isKeyRing(keys: RecordKeys): keys is KeyRing {
  return typeof (keys as KeyRing).keyId === "number" && (keys as KeyRing).keys instanceof Map;
}

// Canonical decimal only ("01" or "1e3" would let two strings name one key).
const KEY_ID_TEXT = /^[1-9][0-9]{0,6}$/;

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
export function recordAad(identity: RecordIdentity, keyId?: number): Uint8Array {
  assertIdentity(identity);
  const { userId, collection, recordId, schemaVersion } = identity;
  // Without a key id: the version 1 AAD (dp1 envelopes). With one: version 2, the key id included.
  if (keyId === undefined) return utf8Encode(JSON.stringify(["devpulse-record-v1", userId, collection, recordId, schemaVersion]));
  return utf8Encode(JSON.stringify(["devpulse-record-v2", userId, collection, recordId, schemaVersion, keyId]));
}

function assertKeyId(keyId: number): void {
  if (!Number.isSafeInteger(keyId) || keyId < INITIAL_KEY_ID || keyId > MAX_KEY_ID) throw new TypeError("keyId must be a positive integer");
}

/** The key id an envelope names (1 for a version 1 envelope), or null if it is not an envelope. Not authenticated. */
export function envelopeKeyId(envelope: string): number | null {
  const parts = envelope.split(".");
  if (parts.length === 4 && parts[0] === LEGACY_RECORD_ENVELOPE_VERSION) return INITIAL_KEY_ID;
  if (parts.length === 5 && parts[0] === RECORD_ENVELOPE_VERSION && KEY_ID_TEXT.test(parts[2] ?? "")) return Number(parts[2]);
  return null;
}

/**
 * Encrypts a JSON-serialisable value into a record envelope, with a fresh random IV, under
 * the ring's current key (or `dataKey` named `keyId`, key 1 by default).
 */
export async function encryptRecord(keys: RecordKeys, identity: RecordIdentity, value: unknown, keyId?: number): Promise<string> {
  const ring = isKeyRing(keys);
  const id = keyId ?? (ring ? keys.keyId : INITIAL_KEY_ID);
  assertKeyId(id);
  const dataKey = ring ? keys.keys.get(id) : keys;
  if (!dataKey) throw new UnknownKeyError(id);
  const aad = recordAad(identity, id);
  const json: string | undefined = JSON.stringify(value);
  // JSON.stringify returns undefined for undefined, functions and symbols.
  if (json === undefined) throw new TypeError("encryptRecord: value is not JSON-serialisable");
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const ciphertext = await aesGcmEncrypt(dataKey, iv, utf8Encode(json), aad);
  return `${RECORD_ENVELOPE_VERSION}.${RECORD_ALGORITHM}.${id}.${encodeBase64Url(iv)}.${encodeBase64Url(ciphertext)}`;
}

/**
 * Decrypts and parses a record envelope. Throws TamperedRecordError for anything that is
 * not an authentic envelope made for exactly this identity and key id, and UnknownKeyError
 * when a ring does not hold the key the envelope names (the key was rotated since this
 * device unlocked: unlock again to fetch the new bundle).
 */
export async function decryptRecord(keys: RecordKeys, identity: RecordIdentity, envelope: string): Promise<unknown> {
  assertIdentity(identity);
  const tampered = (reason: string, cause?: unknown) =>
    new TamperedRecordError(identity.collection, identity.recordId, reason, cause === undefined ? undefined : { cause });

  if (typeof envelope !== "string") throw tampered("envelope is not a string");
  const parts = envelope.split(".");
  const version = parts[0];
  if (version !== RECORD_ENVELOPE_VERSION && version !== LEGACY_RECORD_ENVELOPE_VERSION) throw tampered("unknown envelope version");
  if (parts.length !== (version === RECORD_ENVELOPE_VERSION ? 5 : 4)) throw tampered("malformed envelope");
  if (parts[1] !== RECORD_ALGORITHM) throw tampered("unknown algorithm");
  if (version === RECORD_ENVELOPE_VERSION && !KEY_ID_TEXT.test(parts[2]!)) throw tampered("malformed key id");
  const keyId = version === RECORD_ENVELOPE_VERSION ? Number(parts[2]) : INITIAL_KEY_ID;
  const [ivText, ciphertextText] = parts.slice(-2) as [string, string];
  const aad = recordAad(identity, version === RECORD_ENVELOPE_VERSION ? keyId : undefined);
  const dataKey = isKeyRing(keys) ? keys.keys.get(keyId) : keys;
  if (!dataKey) throw new UnknownKeyError(keyId);

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
export async function sealRecord(keys: RecordKeys, identity: RecordIdentity, value: unknown, keyId?: number): Promise<{ ciphertext: string; checksum: string }> {
  const ciphertext = await encryptRecord(keys, identity, value, keyId);
  return { ciphertext, checksum: await checksumOf(ciphertext) };
}

/** Verifies the checksum, then decrypts (authenticating the identity); null for a tombstone. */
export async function openRecord(keys: RecordKeys, identity: RecordIdentity, version: StoredVersion): Promise<unknown> {
  if (version.deleted || version.ciphertext === null) return null;
  await verifyChecksum(version.ciphertext, version.checksum ?? "");
  return decryptRecord(keys, identity, version.ciphertext);
}
