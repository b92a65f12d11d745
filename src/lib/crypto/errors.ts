// Error types of the E2EE module.
//
// Each class sets `name` to a string literal instead of relying on `constructor.name`:
// bundlers minify class names, and errors cross realms (Electron IPC, workers) where
// `instanceof` fails, so callers can always branch on `error.name`.

export class CryptoError extends Error {
  override readonly name: string = "CryptoError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The passphrase did not unlock the key bundle. Also used when the bundle is bound to a
 * different user or its parameters were altered: from inside the AEAD those cases are
 * indistinguishable from a wrong passphrase, and we never return an unverified key.
 */
export class WrongPassphraseError extends CryptoError {
  override readonly name = "WrongPassphraseError" as const;

  constructor(options?: { cause?: unknown }) {
    super("Wrong passphrase", options);
  }
}

/**
 * Key-derivation parameters were refused (too few iterations, short salt, unknown KDF or
 * version, absurd cost). Raised before any derivation, so a malicious server cannot
 * downgrade the KDF to make a captured passphrase-derived value cheap to brute-force.
 */
export class WeakKeyParamsError extends CryptoError {
  override readonly name = "WeakKeyParamsError" as const;

  constructor(reason: string) {
    super(`Refusing key derivation parameters: ${reason}`);
  }
}

/**
 * An encrypted record failed verification: malformed or unknown envelope, failed GCM
 * authentication (bit flips, or a ciphertext moved to another record / collection / user /
 * schema version), or a plaintext that is not JSON.
 */
export class TamperedRecordError extends CryptoError {
  override readonly name = "TamperedRecordError" as const;
  readonly collection: string;
  readonly recordId: string;
  readonly reason: string;

  constructor(collection: string, recordId: string, reason: string, options?: { cause?: unknown }) {
    super(
      `Encrypted record ${collection}/${recordId} failed verification (${reason}): it was tampered with or corrupted`,
      options,
    );
    this.collection = collection;
    this.recordId = recordId;
    this.reason = reason;
  }
}

/** The checksum sent beside a ciphertext does not match the ciphertext. */
export class ChecksumMismatchError extends CryptoError {
  override readonly name = "ChecksumMismatchError" as const;
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(`Checksum mismatch: expected ${expected}, computed ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * An envelope names a key this device does not hold: the encryption key was rotated after
 * this device unlocked. Unlocking again with the passphrase fetches the new key bundle.
 */
export class UnknownKeyError extends CryptoError {
  override readonly name = "UnknownKeyError" as const;
  readonly keyId: number;

  constructor(keyId: number) {
    super(`This record is encrypted under key ${keyId}, which this device does not have: unlock again with your sync passphrase`);
    this.keyId = keyId;
  }
}

/**
 * A version that failed verification (tampered with, corrupted, or written wrongly by another
 * client): no key of this user opens it, unlike UnknownKeyError, which unlocking again cures.
 * By name, as the header says: these errors cross realms.
 */
export function failedVerification(error: unknown): error is TamperedRecordError | ChecksumMismatchError {
  return error instanceof Error && (error.name === "TamperedRecordError" || error.name === "ChecksumMismatchError");
}
