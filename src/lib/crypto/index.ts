// Public API of the end-to-end-encryption module. Isomorphic: WebCrypto only, no Node
// built-ins, no server imports, so the same code runs in Node, browsers and Electron.

export {
  decodeBase64,
  decodeBase64Url,
  decodeHex,
  encodeBase64,
  encodeBase64Url,
  encodeHex,
  utf8Decode,
  utf8Encode,
} from "./encoding";
export {
  ChecksumMismatchError,
  CryptoError,
  failedVerification,
  TamperedRecordError,
  UnknownKeyError,
  WeakKeyParamsError,
  WrongPassphraseError,
} from "./errors";
export {
  AES_GCM_IV_BYTES,
  AES_GCM_TAG_BYTES,
  aesGcmDecryptRaw,
  aesGcmEncryptRaw,
  constantTimeEqual,
  exportRawKey,
  pbkdf2Sha256,
  randomBytes,
  sha256Hex,
} from "./primitives";
export {
  assertKeyParamsAcceptable,
  createKeyBundle,
  generateKeyParams,
  INITIAL_KEY_ID,
  KDF_ALGORITHM,
  KDF_MAX_ITERATIONS,
  KDF_MIN_ITERATIONS,
  KDF_SALT_BYTES,
  KEY_PARAMS_VERSION,
  MAX_KEY_ID,
  rewrapKeyBundle,
  rotateKeyBundle,
  singleKeyRing,
  unlockKeyBundle,
  unlockKeyRing,
} from "./keys";
export type { KeyBundle, KeyParams, KeyRing, PreviousKey } from "./keys";
export {
  checksumOf,
  decryptRecord,
  encryptRecord,
  envelopeKeyId,
  LEGACY_RECORD_ENVELOPE_VERSION,
  RECORD_ALGORITHM,
  RECORD_ENVELOPE_VERSION,
  openRecord,
  recordAad,
  sealRecord,
  verifyChecksum,
} from "./records";
export type { RecordIdentity, RecordKeys, StoredVersion } from "./records";
