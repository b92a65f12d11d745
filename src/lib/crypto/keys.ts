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

/** Exactly what the server stores: never the passphrase, never the data key. */
export type KeyBundle = { params: KeyParams; wrappedKey: string; keyCheck: string };

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
function wrapAad(userId: string, params: KeyParams): Uint8Array {
  return utf8Encode(JSON.stringify(["devpulse-wrap-v1", userId, params.kdf, params.iterations, params.salt]));
}

function keyCheckAad(userId: string): Uint8Array {
  return utf8Encode(JSON.stringify(["devpulse-keycheck-v1", userId]));
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

type ParsedBundle = {
  params: KeyParams;
  wrapped: { iv: Uint8Array; ciphertext: Uint8Array };
  check: { iv: Uint8Array; ciphertext: Uint8Array };
};

// All checks that cost nothing, done before the expensive derivation.
function parseBundle(bundle: unknown): ParsedBundle {
  if (!isRecord(bundle)) throw new CryptoError("Malformed key bundle: not an object");
  const params = bundle.params;
  assertKeyParamsAcceptable(params);
  return {
    params,
    wrapped: unseal(bundle.wrappedKey, "wrappedKey", DATA_KEY_BYTES + AES_GCM_TAG_BYTES),
    check: unseal(bundle.keyCheck, "keyCheck", KEY_CHECK_PLAINTEXT.length + AES_GCM_TAG_BYTES),
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

async function makeKeyCheck(dataKey: CryptoKey, userId: string): Promise<string> {
  const iv = randomBytes(AES_GCM_IV_BYTES);
  return seal(iv, await aesGcmEncrypt(dataKey, iv, KEY_CHECK_PLAINTEXT, keyCheckAad(userId)));
}

async function verifyKeyCheck(dataKey: CryptoKey, check: ParsedBundle["check"], userId: string): Promise<void> {
  let plaintext: Uint8Array;
  try {
    plaintext = await aesGcmDecrypt(dataKey, check.iv, check.ciphertext, keyCheckAad(userId));
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
      wrapAad(userId, parsed.params),
      extractable,
    );
  } catch (cause) {
    // GCM authentication failed: wrong passphrase, another user's bundle, or altered params.
    throw new WrongPassphraseError({ cause });
  }
  await verifyKeyCheck(dataKey, parsed.check, userId);
  return dataKey;
}

async function wrapDataKey(
  passphrase: string,
  extractableDataKey: CryptoKey,
  userId: string,
  iterations: number,
): Promise<{ params: KeyParams; iv: Uint8Array; wrapped: Uint8Array; kek: CryptoKey }> {
  const params = generateKeyParams(iterations);
  const kek = await deriveKek(passphrase, params);
  const iv = randomBytes(AES_GCM_IV_BYTES);
  const wrapped = await aesGcmWrapKey(extractableDataKey, kek, iv, wrapAad(userId, params));
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
  const dataKey = await aesGcmUnwrapAes256Key(wrapped, kek, iv, wrapAad(userId, params), false);
  const bundle: KeyBundle = { params, wrappedKey: seal(iv, wrapped), keyCheck: await makeKeyCheck(dataKey, userId) };
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
  const { params, iv, wrapped } = await wrapDataKey(newPassphrase, extractable, userId, iterations);
  return { params, wrappedKey: seal(iv, wrapped), keyCheck: await makeKeyCheck(extractable, userId) };
}
