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
  TamperedRecordError,
  WeakKeyParamsError,
  WrongPassphraseError,
} from "./errors";
export {
  AES_GCM_IV_BYTES,
  AES_GCM_TAG_BYTES,
  aesGcmDecryptRaw,
  aesGcmEncryptRaw,
  constantTimeEqual,
  pbkdf2Sha256,
  randomBytes,
  sha256Hex,
} from "./primitives";
export {
  assertKeyParamsAcceptable,
  createKeyBundle,
  generateKeyParams,
  KDF_ALGORITHM,
  KDF_MAX_ITERATIONS,
  KDF_MIN_ITERATIONS,
  KDF_SALT_BYTES,
  KEY_PARAMS_VERSION,
  rewrapKeyBundle,
  unlockKeyBundle,
} from "./keys";
export type { KeyBundle, KeyParams } from "./keys";
export {
  checksumOf,
  decryptRecord,
  encryptRecord,
  RECORD_ALGORITHM,
  RECORD_ENVELOPE_VERSION,
  openRecord,
  recordAad,
  sealRecord,
  verifyChecksum,
} from "./records";
export type { RecordIdentity, StoredVersion } from "./records";
