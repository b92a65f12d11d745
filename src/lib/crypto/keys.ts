// Key hierarchy.
//
//   sync passphrase --PBKDF2-HMAC-SHA256(salt, iterations)--> KEK (AES-256-GCM, non-extractable)
//   KEK --AES-256-GCM unwrap--> data key (random AES-256-GCM key that encrypts records)
//
// The server stores only a KeyBundle: the KDF parameters, the wrapped data key and a key
// check. It never sees the passphrase, the KEK or the data key. Because the passphrase
// only wraps the data key, changing it re-wraps one key instead of re-encrypting every
// record.
//
// The server is untrusted, so everything it returns is validated: KDF parameters before
// deriving (no downgrade), and both wrapped values through GCM authentication with AAD
// binding them to the user and to the exact parameters.
//
// Key rotation (after a device is lost) replaces the data key. Each data key has a key id
// (1 for the first); records name the key id they were encrypted under. The bundle holds
// the current key wrapped under the passphrase, and every previous key encrypted under the
// current key ("previousKeys"), so one derivation still opens everything, a passphrase
// change still re-wraps one key, and a device holding only an old data key cannot open
// the new one. Key ids above 1 are bound into every AAD, so the server cannot relabel them.

import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url, utf8Encode } from "./encoding";
import { CryptoError, WeakKeyParamsError, WrongPassphraseError } from "./errors";
import {
  AES_GCM_IV_BYTES,
  AES_GCM_TAG_BYTES,
  aesGcmDecrypt,
  aesGcmEncrypt,
  aesGcmUnwrapAes256Key,
  aesGcmWrapKey,
  constantTimeEqual,
  generateAes256GcmKey,
  exportRawKey,
  importAesGcmKey,
  pbkdf2Sha256,
  randomBytes,
} from "./primitives";

export const KDF_ALGORITHM = "PBKDF2-HMAC-SHA256" as const;
/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
export const KDF_MIN_ITERATIONS = 600_000;
/** Upper bound so a hostile server cannot make clients spin for minutes (a DoS). */
export const KDF_MAX_ITERATIONS = 10_000_000;
export const KDF_SALT_BYTES = 16;
export const KEY_PARAMS_VERSION = 1 as const;

export type KeyParams = {
  kdf: typeof KDF_ALGORITHM;
  iterations: number;
  /** base64 (standard, padded) */
  salt: string;
  version: typeof KEY_PARAMS_VERSION;
};

/** The id of the first data key; bundles and envelopes made before key rotation existed mean this one. */
export const INITIAL_KEY_ID = 1;
/** Highest key id accepted (far beyond any real number of rotations; keeps ids small integers). */
export const MAX_KEY_ID = 1_000_000;

/** A previous data key, encrypted under the current one: "v1.<iv>.<ciphertext+tag>". */
export type PreviousKey = { keyId: number; wrappedKey: string };

/**
 * Exactly what the server stores: never the passphrase, never a data key in the clear.
 * `keyId` and `previousKeys` are absent from bundles made before key rotation (key 1, none).
 */
export type KeyBundle = { params: KeyParams; wrappedKey: string; keyCheck: string; keyId?: number; previousKeys?: PreviousKey[] };

/** Every data key of the user, unlocked: `dataKey` (id `keyId`) encrypts, all of `keys` decrypt. */
export type KeyRing = { keyId: number; dataKey: CryptoKey; keys: ReadonlyMap<number, CryptoKey> };

const DATA_KEY_BYTES = 32;
const SEALED_VERSION = "v1";
// A fixed plaintext encrypted under the data key. Decrypting it proves the unwrapped key is
// this user's data key before any record is touched.
const KEY_CHECK_PLAINTEXT = utf8Encode("devpulse-key-check-v1");

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Fresh parameters with a random salt. Refuses iteration counts outside the accepted range. */
export function generateKeyParams(iterations: number = KDF_MIN_ITERATIONS): KeyParams {
  const params: KeyParams = {
    kdf: KDF_ALGORITHM,
    iterations,
    salt: encodeBase64(randomBytes(KDF_SALT_BYTES)),
    version: KEY_PARAMS_VERSION,
  };
  // Same rule on the way in as on the way out: we never create a bundle we would refuse.
  assertKeyParamsAcceptable(params);
  return params;
}

/**
 * Throws WeakKeyParamsError unless `params` are parameters this client is willing to derive
 * with. Every unlock calls this BEFORE deriving: it is what stops a malicious server from
 * downgrading the KDF (e.g. to 1 iteration) to make offline guessing cheap.
 */
export function assertKeyParamsAcceptable(params: unknown): asserts params is KeyParams {
  if (!isRecord(params)) throw new WeakKeyParamsError("parameters are not an object");
  if (params.kdf !== KDF_ALGORITHM) throw new WeakKeyParamsError(`unsupported KDF ${JSON.stringify(params.kdf)}`);
  if (params.version !== KEY_PARAMS_VERSION) {
    throw new WeakKeyParamsError(`unsupported version ${JSON.stringify(params.version)}`);
  }
  const { iterations, salt } = params;
  if (typeof iterations !== "number" || !Number.isSafeInteger(iterations)) {
    throw new WeakKeyParamsError("iterations must be an integer");
  }
  if (iterations < KDF_MIN_ITERATIONS) {
    throw new WeakKeyParamsError(`${iterations} iterations is below the minimum of ${KDF_MIN_ITERATIONS}`);
  }
  if (iterations > KDF_MAX_ITERATIONS) {
    throw new WeakKeyParamsError(`${iterations} iterations is above the maximum of ${KDF_MAX_ITERATIONS}`);
  }
  if (typeof salt !== "string") throw new WeakKeyParamsError("salt must be a base64 string");
  let saltBytes: Uint8Array;
  try {
    saltBytes = decodeBase64(salt);
  } catch {
    throw new WeakKeyParamsError("salt is not valid base64");
  }
  if (saltBytes.length < KDF_SALT_BYTES) {
    throw new WeakKeyParamsError(`salt is ${saltBytes.length} bytes, at least ${KDF_SALT_BYTES} are required`);
  }
}

function assertPassphrase(passphrase: string, what = "Passphrase"): void {
  if (typeof passphrase !== "string" || passphrase.length === 0) throw new Error(`${what} must not be empty`);
}

function assertUserId(userId: string): void {
  if (typeof userId !== "string" || userId.length === 0) throw new Error("userId must not be empty");
}

// JSON arrays of strings and integers are an unambiguous, deterministic encoding (no
// separator collisions such as "a|b" + "c" vs "a" + "b|c").
// Key 1 keeps the AAD it always had, so existing bundles open unchanged; later keys add their id.
function wrapAad(userId: string, params: KeyParams, keyId: number): Uint8Array {
  if (keyId === INITIAL_KEY_ID) return utf8Encode(JSON.stringify(["devpulse-wrap-v1", userId, params.kdf, params.iterations, params.salt]));
  return utf8Encode(JSON.stringify(["devpulse-wrap-v2", userId, keyId, params.kdf, params.iterations, params.salt]));
}

function keyCheckAad(userId: string, keyId: number): Uint8Array {
  if (keyId === INITIAL_KEY_ID) return utf8Encode(JSON.stringify(["devpulse-keycheck-v1", userId]));
  return utf8Encode(JSON.stringify(["devpulse-keycheck-v2", userId, keyId]));
}

// Binds a previous key to its own id and to the key that encrypts it.
function previousKeyAad(userId: string, currentKeyId: number, keyId: number): Uint8Array {
  return utf8Encode(JSON.stringify(["devpulse-previous-key-v1", userId, currentKeyId, keyId]));
}

function isKeyId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= INITIAL_KEY_ID && value <= MAX_KEY_ID;
}

// Compact versioned form for wrappedKey and keyCheck: "v1.<iv base64url>.<ciphertext+tag base64url>".
function seal(iv: Uint8Array, ciphertext: Uint8Array): string {
  return `${SEALED_VERSION}.${encodeBase64Url(iv)}.${encodeBase64Url(ciphertext)}`;
}

function unseal(value: unknown, field: string, ciphertextBytes: number): { iv: Uint8Array; ciphertext: Uint8Array } {
  const malformed = (why: string) => new CryptoError(`Malformed key bundle: ${field} ${why}`);
  if (typeof value !== "string") throw malformed("is not a string");
  const parts = value.split(".");
  if (parts.length !== 3 || parts[0] !== SEALED_VERSION) throw malformed("has an unknown format");
  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  try {
    iv = decodeBase64Url(parts[1] ?? "");
    ciphertext = decodeBase64Url(parts[2] ?? "");
  } catch {
    throw malformed("is not valid base64url");
  }
  if (iv.length !== AES_GCM_IV_BYTES) throw malformed("has a wrong IV length");
  if (ciphertext.length !== ciphertextBytes) throw malformed("has a wrong length");
  return { iv, ciphertext };
}

type Sealed = { iv: Uint8Array; ciphertext: Uint8Array };
type ParsedBundle = {
  params: KeyParams;
  keyId: number;
  wrapped: Sealed;
  check: Sealed;
  previous: Array<{ keyId: number; sealed: Sealed }>;
};

// All checks that cost nothing, done before the expensive derivation.
function parseBundle(bundle: unknown): ParsedBundle {
  if (!isRecord(bundle)) throw new CryptoError("Malformed key bundle: not an object");
  const params = bundle.params;
  assertKeyParamsAcceptable(params);
  const keyId = bundle.keyId ?? INITIAL_KEY_ID;
  if (!isKeyId(keyId)) throw new CryptoError("Malformed key bundle: keyId is not a valid key id");
  const previousKeys = bundle.previousKeys ?? [];
  if (!Array.isArray(previousKeys)) throw new CryptoError("Malformed key bundle: previousKeys is not an array");
  const seen = new Set<number>();
  const previous = previousKeys.map((entry: unknown) => {
    if (!isRecord(entry) || !isKeyId(entry.keyId) || entry.keyId >= keyId || seen.has(entry.keyId)) {
      throw new CryptoError("Malformed key bundle: previousKeys holds an invalid key id");
    }
    seen.add(entry.keyId);
    return { keyId: entry.keyId, sealed: unseal(entry.wrappedKey, "previousKeys", DATA_KEY_BYTES + AES_GCM_TAG_BYTES) };
  });
  return {
    params,
    keyId,
    wrapped: unseal(bundle.wrappedKey, "wrappedKey", DATA_KEY_BYTES + AES_GCM_TAG_BYTES),
    check: unseal(bundle.keyCheck, "keyCheck", KEY_CHECK_PLAINTEXT.length + AES_GCM_TAG_BYTES),
    previous,
  };
}

async function deriveKek(passphrase: string, params: KeyParams): Promise<CryptoKey> {
  // NFC so the same passphrase typed on macOS (which may produce decomposed input) and on
  // Windows/Linux derives the same key.
  const bits = await pbkdf2Sha256(
    utf8Encode(passphrase.normalize("NFC")),
    decodeBase64(params.salt),
    params.iterations,
    DATA_KEY_BYTES,
  );
  try {
    return await importAesGcmKey(bits, ["wrapKey", "unwrapKey"], false);
  } finally {
    bits.fill(0); // best effort: the KEK lives on only inside WebCrypto
  }
}

async function makeKeyCheck(dataKey: CryptoKey, userId: string, keyId: number): Promise<string> {
  const iv = randomBytes(AES_GCM_IV_BYTES);
  return seal(iv, await aesGcmEncrypt(dataKey, iv, KEY_CHECK_PLAINTEXT, keyCheckAad(userId, keyId)));
}

async function verifyKeyCheck(dataKey: CryptoKey, check: ParsedBundle["check"], userId: string, keyId: number): Promise<void> {
  let plaintext: Uint8Array;
  try {
    plaintext = await aesGcmDecrypt(dataKey, check.iv, check.ciphertext, keyCheckAad(userId, keyId));
  } catch (cause) {
    throw new WrongPassphraseError({ cause });
  }
  if (!constantTimeEqual(plaintext, KEY_CHECK_PLAINTEXT)) throw new WrongPassphraseError();
}

async function unwrapDataKey(
  passphrase: string,
  parsed: ParsedBundle,
  userId: string,
  extractable: boolean,
): Promise<CryptoKey> {
  const kek = await deriveKek(passphrase, parsed.params);
  let dataKey: CryptoKey;
  try {
    dataKey = await aesGcmUnwrapAes256Key(
      parsed.wrapped.ciphertext,
      kek,
      parsed.wrapped.iv,
      wrapAad(userId, parsed.params, parsed.keyId),
      extractable,
    );
  } catch (cause) {
    // GCM authentication failed: wrong passphrase, another user's bundle, or altered params.
    throw new WrongPassphraseError({ cause });
  }
  await verifyKeyCheck(dataKey, parsed.check, userId, parsed.keyId);
  return dataKey;
}

/** Opens the previous keys with the (already verified) current key. */
async function unwrapPreviousKeys(parsed: ParsedBundle, currentKey: CryptoKey, userId: string, extractable: boolean): Promise<Map<number, CryptoKey>> {
  const keys = new Map<number, CryptoKey>();
  for (const { keyId, sealed } of parsed.previous) {
    let raw: Uint8Array;
    try {
      raw = await aesGcmDecrypt(currentKey, sealed.iv, sealed.ciphertext, previousKeyAad(userId, parsed.keyId, keyId));
    } catch (cause) {
      // The current key opened, so this is not a wrong passphrase: the stored bundle was altered.
      throw new CryptoError(`Key bundle: previous key ${keyId} failed verification`, { cause });
    }
    try {
      keys.set(keyId, await importAesGcmKey(raw, ["encrypt", "decrypt"], extractable));
    } finally {
      raw.fill(0);
    }
  }
  return keys;
}

async function sealPreviousKey(currentKey: CryptoKey, userId: string, currentKeyId: number, keyId: number, key: CryptoKey): Promise<PreviousKey> {
  const raw = await exportRawKey(key);
  try {
    const iv = randomBytes(AES_GCM_IV_BYTES);
    return { keyId, wrappedKey: seal(iv, await aesGcmEncrypt(currentKey, iv, raw, previousKeyAad(userId, currentKeyId, keyId))) };
  } finally {
    raw.fill(0);
  }
}

async function wrapDataKey(
  passphrase: string,
  extractableDataKey: CryptoKey,
  userId: string,
  iterations: number,
  keyId: number = INITIAL_KEY_ID,
): Promise<{ params: KeyParams; iv: Uint8Array; wrapped: Uint8Array; kek: CryptoKey }> {
  const params = generateKeyParams(iterations);
  const kek = await deriveKek(passphrase, params);
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const wrapped = await aesGcmWrapKey(extractableDataKey, kek, iv, wrapAad(userId, params, keyId));
  return { params, iv, wrapped, kek };
}

/**
 * Creates the user's data key and the bundle the server stores. The returned data key is
 * non-extractable. Throws WeakKeyParamsError if `options.iterations` is out of range.
 */
export async function createKeyBundle(
  passphrase: string,
  userId: string,
  options?: { iterations?: number },
): Promise<{ bundle: KeyBundle; dataKey: CryptoKey }> {
  assertPassphrase(passphrase);
  assertUserId(userId);
  // Extractable only so WebCrypto can wrap it; it never leaves this function.
  const extractable = await generateAes256GcmKey(true);
  const { params, iv, wrapped, kek } = await wrapDataKey(
    passphrase,
    extractable,
    userId,
    options?.iterations ?? KDF_MIN_ITERATIONS,
  );
  // Hand back a non-extractable handle, obtained by unwrapping what we are about to store:
  // this also proves the stored wrap opens.
  const dataKey = await aesGcmUnwrapAes256Key(wrapped, kek, iv, wrapAad(userId, params, INITIAL_KEY_ID), false);
  const bundle: KeyBundle = {
    params,
    wrappedKey: seal(iv, wrapped),
    keyCheck: await makeKeyCheck(dataKey, userId, INITIAL_KEY_ID),
    keyId: INITIAL_KEY_ID,
    previousKeys: [],
  };
  return { bundle, dataKey };
}

/**
 * Opens a bundle fetched from the server and returns the non-extractable data key.
 * Throws WeakKeyParamsError (before deriving) for unacceptable parameters,
 * WrongPassphraseError when the passphrase, user or parameters don't match, and
 * CryptoError for a malformed bundle.
 */
export async function unlockKeyBundle(passphrase: string, bundle: KeyBundle, userId: string): Promise<CryptoKey> {
  const parsed = parseBundle(bundle);
  assertPassphrase(passphrase);
  assertUserId(userId);
  return unwrapDataKey(passphrase, parsed, userId, false);
}

/**
 * Changes the passphrase: re-wraps the SAME data key under a KEK from the new passphrase,
 * with a fresh salt and IVs, so records encrypted before stay readable. Iterations default
 * to the old bundle's (already validated) count. Throws like unlockKeyBundle for the old
 * passphrase.
 */
export async function rewrapKeyBundle(
  oldPassphrase: string,
  newPassphrase: string,
  bundle: KeyBundle,
  userId: string,
  options?: { iterations?: number },
): Promise<KeyBundle> {
  const parsed = parseBundle(bundle);
  assertPassphrase(oldPassphrase, "Old passphrase");
  assertPassphrase(newPassphrase, "New passphrase");
  assertUserId(userId);
  const iterations = options?.iterations ?? parsed.params.iterations;
  // Validate the new iteration count before spending time on the old derivation.
  generateKeyParams(iterations);
  // Extractable only here, because wrapKey needs it; the handle never leaves this function.
  const extractable = await unwrapDataKey(oldPassphrase, parsed, userId, true);
  const { params, iv, wrapped } = await wrapDataKey(newPassphrase, extractable, userId, iterations, parsed.keyId);
  // The previous keys are encrypted under the data key, which does not change: they are kept as they are.
  return {
    params,
    wrappedKey: seal(iv, wrapped),
    keyCheck: await makeKeyCheck(extractable, userId, parsed.keyId),
    keyId: parsed.keyId,
    previousKeys: (bundle.previousKeys ?? []).map(({ keyId, wrappedKey }) => ({ keyId, wrappedKey })),
  };
}

/**
 * Opens a bundle with every key the user ever had: the current one (to encrypt) and the
 * previous ones (to read records not yet re-encrypted). Throws like unlockKeyBundle.
 */
export async function unlockKeyRing(passphrase: string, bundle: KeyBundle, userId: string): Promise<KeyRing> {
  const parsed = parseBundle(bundle);
  assertPassphrase(passphrase);
  assertUserId(userId);
  const dataKey = await unwrapDataKey(passphrase, parsed, userId, false);
  const keys = await unwrapPreviousKeys(parsed, dataKey, userId, false);
  keys.set(parsed.keyId, dataKey);
  return { keyId: parsed.keyId, dataKey, keys };
}

/** A ring of one key, for a bundle just created. */
export function singleKeyRing(dataKey: CryptoKey, keyId: number = INITIAL_KEY_ID): KeyRing {
  return { keyId, dataKey, keys: new Map([[keyId, dataKey]]) };
}

/**
 * Key rotation: a fresh data key with the next key id, wrapped under the same passphrase
 * (new salt, same iterations unless given), and every key of the old bundle kept, encrypted
 * under the new key. Returns the bundle to publish and the unlocked ring. A device that
 * only ever held the old data keys learns nothing about the new one.
 */
export async function rotateKeyBundle(
  passphrase: string,
  bundle: KeyBundle,
  userId: string,
  options?: { iterations?: number },
): Promise<{ bundle: KeyBundle; ring: KeyRing }> {
  const parsed = parseBundle(bundle);
  assertPassphrase(passphrase);
  assertUserId(userId);
  const iterations = options?.iterations ?? parsed.params.iterations;
  generateKeyParams(iterations);
  const keyId = parsed.keyId + 1;
  if (!isKeyId(keyId)) throw new CryptoError("No key id left to rotate to");
  // Extractable only inside this function: the old keys must be exported to be re-encrypted.
  const oldCurrent = await unwrapDataKey(passphrase, parsed, userId, true);
  const oldKeys = await unwrapPreviousKeys(parsed, oldCurrent, userId, true);
  oldKeys.set(parsed.keyId, oldCurrent);

  const extractable = await generateAes256GcmKey(true);
  const { params, iv, wrapped, kek } = await wrapDataKey(passphrase, extractable, userId, iterations, keyId);
  const dataKey = await aesGcmUnwrapAes256Key(wrapped, kek, iv, wrapAad(userId, params, keyId), false);
  const previousKeys: PreviousKey[] = [];
  for (const [oldId, oldKey] of [...oldKeys].sort(([a], [b]) => a - b)) {
    previousKeys.push(await sealPreviousKey(dataKey, userId, keyId, oldId, oldKey));
  }
  const next: KeyBundle = { params, wrappedKey: seal(iv, wrapped), keyCheck: await makeKeyCheck(dataKey, userId, keyId), keyId, previousKeys };
  // Hand back non-extractable handles only, opened from what is about to be published.
  const keys = await unwrapPreviousKeys(parseBundle(next), dataKey, userId, false);
  keys.set(keyId, dataKey);
  return { bundle: next, ring: { keyId, dataKey, keys } };
}
