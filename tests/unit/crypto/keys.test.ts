import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  assertKeyParamsAcceptable,
  createKeyBundle,
  CryptoError,
  decodeBase64,
  decryptRecord,
  encodeBase64,
  encryptRecord,
  generateKeyParams,
  KDF_MIN_ITERATIONS,
  KDF_SALT_BYTES,
  rewrapKeyBundle,
  rotateKeyBundle,
  UnknownKeyError,
  unlockKeyBundle,
  unlockKeyRing,
  utf8Encode,
  WeakKeyParamsError,
  WrongPassphraseError,
  type KeyBundle,
  type KeyParams,
  type RecordIdentity,
} from "~/lib/crypto";

// Every PBKDF2 run at 600k iterations costs ~200-400 ms. This file does 12 of them, all
// counted in comments (the `derivations` spy below would make a miscount visible).
const SLOW = 30_000;

const PASSPHRASE = "correct horse battery staple";
const USER_A = "user-a";
const USER_B = "user-b";
const record: RecordIdentity = { userId: USER_A, collection: "sessions", recordId: "r1", schemaVersion: 1 };

let bundleA: KeyBundle;
let dataKeyA: CryptoKey;
let otherBundleA: KeyBundle; // same user and passphrase, different data key
let otherDataKeyA: CryptoKey;

beforeAll(async () => {
  ({ bundle: bundleA, dataKey: dataKeyA } = await createKeyBundle(PASSPHRASE, USER_A)); // 1
  ({ bundle: otherBundleA, dataKey: otherDataKeyA } = await createKeyBundle(PASSPHRASE, USER_A, { iterations: KDF_MIN_ITERATIONS + 1 })); // 2
}, SLOW);

afterEach(() => {
  vi.restoreAllMocks();
});

function spyOnDerivations() {
  return vi.spyOn(globalThis.crypto.subtle, "deriveBits");
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe("key bundle", () => {
  it("stores only params, a wrapped key and a key check, in the documented formats", () => {
    expect(Object.keys(bundleA).sort()).toEqual(["keyCheck", "keyId", "params", "previousKeys", "wrappedKey"]);
    expect(bundleA.keyId).toBe(1);
    expect(bundleA.previousKeys).toEqual([]);
    expect(bundleA.params).toEqual({
      kdf: "PBKDF2-HMAC-SHA256",
      iterations: KDF_MIN_ITERATIONS,
      salt: expect.any(String),
      version: 1,
    });
    expect(decodeBase64(bundleA.params.salt)).toHaveLength(KDF_SALT_BYTES);
    // v1.<12-byte IV>.<32-byte key + 16-byte tag>, base64url without padding
    expect(bundleA.wrappedKey).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}$/);
    expect(bundleA.keyCheck).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(otherBundleA.params.iterations).toBe(KDF_MIN_ITERATIONS + 1);
    // fresh salt, IVs and data key per bundle
    expect(otherBundleA.params.salt).not.toBe(bundleA.params.salt);
    expect(otherBundleA.wrappedKey).not.toBe(bundleA.wrappedKey);
  });

  it("never contains the passphrase", () => {
    const json = JSON.stringify(bundleA);
    expect(json).not.toContain(PASSPHRASE);
    expect(json).not.toContain(encodeBase64(utf8Encode(PASSPHRASE)));
    expect(json.toLowerCase()).not.toContain("correct");
  });

  it("the data key from createKeyBundle is non-extractable AES-256-GCM", async () => {
    expect(dataKeyA.extractable).toBe(false);
    expect(dataKeyA.algorithm).toMatchObject({ name: "AES-GCM", length: 256 });
    await expect(globalThis.crypto.subtle.exportKey("raw", dataKeyA)).rejects.toThrow();
  });

  it(
    "unlocks with the right passphrase to the same, non-extractable data key",
    async () => {
      const envelope = await encryptRecord(dataKeyA, record, { hello: "world" });
      const unlocked = await unlockKeyBundle(PASSPHRASE, bundleA, USER_A); // 3
      expect(unlocked.extractable).toBe(false);
      await expect(globalThis.crypto.subtle.exportKey("raw", unlocked)).rejects.toThrow();
      expect(await decryptRecord(unlocked, record, envelope)).toEqual({ hello: "world" });
      // each bundle holds its own random data key
      await expect(decryptRecord(otherDataKeyA, record, envelope)).rejects.toThrow();
    },
    SLOW,
  );

  it(
    "refuses a wrong passphrase with WrongPassphraseError('Wrong passphrase')",
    async () => {
      const error = await rejection(unlockKeyBundle(`${PASSPHRASE}!`, bundleA, USER_A)); // 4
      expect(error).toBeInstanceOf(WrongPassphraseError);
      expect(error).toBeInstanceOf(CryptoError);
      expect((error as Error).message).toBe("Wrong passphrase");
      expect((error as Error).name).toBe("WrongPassphraseError");
    },
    SLOW,
  );

  it(
    "a bundle made for user A cannot be unlocked claiming user B",
    async () => {
      await expect(unlockKeyBundle(PASSPHRASE, bundleA, USER_B)).rejects.toBeInstanceOf(WrongPassphraseError); // 5
    },
    SLOW,
  );

  it(
    "a stored bundle whose iteration count was raised is refused (no garbage key is returned)",
    async () => {
      const altered: KeyBundle = { ...bundleA, params: { ...bundleA.params, iterations: KDF_MIN_ITERATIONS + 1 } };
      await expect(unlockKeyBundle(PASSPHRASE, altered, USER_A)).rejects.toBeInstanceOf(WrongPassphraseError); // 6
    },
    SLOW,
  );

  it(
    "the key check is verified: a swapped keyCheck is refused even though the wrap opens",
    async () => {
      const swapped: KeyBundle = { ...bundleA, keyCheck: otherBundleA.keyCheck };
      await expect(unlockKeyBundle(PASSPHRASE, swapped, USER_A)).rejects.toBeInstanceOf(WrongPassphraseError); // 7
    },
    SLOW,
  );

  it("refuses an empty passphrase or user id", async () => {
    const derivations = spyOnDerivations();
    await expect(createKeyBundle("", USER_A)).rejects.toThrow(/must not be empty/);
    await expect(createKeyBundle(PASSPHRASE, "")).rejects.toThrow(/must not be empty/);
    await expect(unlockKeyBundle("", bundleA, USER_A)).rejects.toThrow(/must not be empty/);
    await expect(unlockKeyBundle("", bundleA, USER_A)).rejects.not.toBeInstanceOf(WrongPassphraseError);
    expect(derivations).not.toHaveBeenCalled();
  });

  it("reports a malformed bundle as CryptoError, not as a wrong passphrase, without deriving", async () => {
    const derivations = spyOnDerivations();
    for (const broken of [
      { ...bundleA, wrappedKey: "garbage" },
      { ...bundleA, wrappedKey: bundleA.wrappedKey.replace(/^v1/, "v2") },
      { ...bundleA, wrappedKey: bundleA.wrappedKey.slice(0, -2) },
      { ...bundleA, keyCheck: 7 as unknown as string },
    ]) {
      const error = await rejection(unlockKeyBundle(PASSPHRASE, broken, USER_A));
      expect(error).toBeInstanceOf(CryptoError);
      expect(error).not.toBeInstanceOf(WrongPassphraseError);
      expect((error as Error).message).toMatch(/Malformed key bundle/);
    }
    expect(derivations).not.toHaveBeenCalled();
  });
});

describe("downgrade protection", () => {
  const shortSalt = encodeBase64(new Uint8Array(KDF_SALT_BYTES - 1));
  const downgrades: Array<[string, (p: KeyParams) => unknown]> = [
    ["1000 iterations", (p) => ({ ...p, iterations: 1000 })],
    ["one iteration below the minimum", (p) => ({ ...p, iterations: KDF_MIN_ITERATIONS - 1 })],
    ["absurdly many iterations", (p) => ({ ...p, iterations: 10_000_001 })],
    ["fractional iterations", (p) => ({ ...p, iterations: KDF_MIN_ITERATIONS + 0.5 })],
    ["iterations as a string", (p) => ({ ...p, iterations: String(KDF_MIN_ITERATIONS) })],
    ["a short salt", (p) => ({ ...p, salt: shortSalt })],
    ["an empty salt", (p) => ({ ...p, salt: "" })],
    ["a salt that is not base64", (p) => ({ ...p, salt: "not base64!!" })],
    ["another KDF", (p) => ({ ...p, kdf: "PBKDF2-HMAC-SHA1" })],
    ["version 2", (p) => ({ ...p, version: 2 })],
    ["missing params", () => undefined],
  ];

  for (const [name, mutate] of downgrades) {
    it(`refuses ${name} with WeakKeyParamsError before deriving anything`, async () => {
      const derivations = spyOnDerivations();
      const params = mutate(bundleA.params);
      expect(() => assertKeyParamsAcceptable(params)).toThrow(WeakKeyParamsError);
      const bundle = { ...bundleA, params } as KeyBundle;
      const error = await rejection(unlockKeyBundle(PASSPHRASE, bundle, USER_A));
      expect(error).toBeInstanceOf(WeakKeyParamsError);
      expect((error as Error).name).toBe("WeakKeyParamsError");
      await expect(rewrapKeyBundle(PASSPHRASE, "new passphrase", bundle, USER_A)).rejects.toBeInstanceOf(
        WeakKeyParamsError,
      );
      expect(derivations).not.toHaveBeenCalled();
    });
  }

  it("accepts the stored parameters and the limits themselves", () => {
    expect(() => assertKeyParamsAcceptable(bundleA.params)).not.toThrow();
    expect(() => assertKeyParamsAcceptable({ ...bundleA.params, iterations: 10_000_000 })).not.toThrow();
  });

  it("will not create weak parameters either", async () => {
    const derivations = spyOnDerivations();
    expect(() => generateKeyParams(KDF_MIN_ITERATIONS - 1)).toThrow(WeakKeyParamsError);
    await expect(createKeyBundle(PASSPHRASE, USER_A, { iterations: 1000 })).rejects.toBeInstanceOf(WeakKeyParamsError);
    expect(derivations).not.toHaveBeenCalled();
    const params = generateKeyParams();
    expect(params.iterations).toBe(KDF_MIN_ITERATIONS);
    expect(decodeBase64(params.salt)).toHaveLength(KDF_SALT_BYTES);
    expect(generateKeyParams().salt).not.toBe(params.salt);
  });
});

describe("changing the passphrase", () => {
  it(
    "re-wraps the same data key: old records stay readable with the new passphrase, the old one is refused",
    async () => {
      const before = await encryptRecord(dataKeyA, record, { kept: true });
      // New passphrase typed in NFC ("é" = U+00E9); unlocked below in NFD ("e" + U+0301), as
      // another keyboard/OS may produce it: passphrases are normalised before derivation.
      const newPassphrase = "a brand new passphrase, caf\u00e9";
      const rewrapped = await rewrapKeyBundle(PASSPHRASE, newPassphrase, bundleA, USER_A); // 8, 9
      expect(rewrapped.params.salt).not.toBe(bundleA.params.salt);
      expect(rewrapped.params.iterations).toBe(bundleA.params.iterations);
      expect(rewrapped.wrappedKey).not.toBe(bundleA.wrappedKey);
      expect(rewrapped.wrappedKey.split(".")[1]).not.toBe(bundleA.wrappedKey.split(".")[1]); // fresh IV
      expect(JSON.stringify(rewrapped)).not.toContain("brand new");

      const nfd = newPassphrase.normalize("NFD");
      expect(nfd).not.toBe(newPassphrase);
      const unlocked = await unlockKeyBundle(nfd, rewrapped, USER_A); // 10
      expect(unlocked.extractable).toBe(false);
      expect(await decryptRecord(unlocked, record, before)).toEqual({ kept: true });

      await expect(unlockKeyBundle(PASSPHRASE, rewrapped, USER_A)).rejects.toBeInstanceOf(WrongPassphraseError); // 11
    },
    SLOW,
  );

  it(
    "refuses to re-wrap with a wrong old passphrase",
    async () => {
      await expect(rewrapKeyBundle("not the passphrase", "whatever new", bundleA, USER_A)).rejects.toBeInstanceOf(
        WrongPassphraseError,
      ); // 12
    },
    SLOW,
  );

  it("refuses an empty new passphrase before deriving", async () => {
    const derivations = spyOnDerivations();
    await expect(rewrapKeyBundle(PASSPHRASE, "", bundleA, USER_A)).rejects.toThrow(/must not be empty/);
    expect(derivations).not.toHaveBeenCalled();
  });
});

describe("rotating the data key", () => {
  it(
    "makes a new key with the next id; the ring still reads old records; a holder of the old key cannot open the new bundle or new records",
    async () => {
      const before = await encryptRecord(dataKeyA, record, { old: true });
      const { bundle: rotated, ring } = await rotateKeyBundle(PASSPHRASE, bundleA, USER_A); // 13, 14
      expect(rotated.keyId).toBe(2);
      expect(rotated.previousKeys?.map((k) => k.keyId)).toEqual([1]);
      expect(ring.keyId).toBe(2);
      expect(ring.dataKey.extractable).toBe(false);
      expect([...ring.keys.values()].every((key) => !key.extractable)).toBe(true);

      const after = await encryptRecord(ring, record, { new: true });
      expect(after.split(".")[2]).toBe("2");
      // a device that missed the rotation recovers with the passphrase
      const unlocked = await unlockKeyRing(PASSPHRASE, rotated, USER_A); // 15
      expect(await decryptRecord(unlocked, record, before)).toEqual({ old: true });
      expect(await decryptRecord(unlocked, record, after)).toEqual({ new: true });
      // the old key decrypts nothing written under the new one
      await expect(decryptRecord(dataKeyA, record, after)).rejects.toThrow(/authentication failed/);
      await expect(decryptRecord({ keyId: 1, dataKey: dataKeyA, keys: new Map([[1, dataKeyA]]) }, record, after)).rejects.toBeInstanceOf(UnknownKeyError);

      // the key id is bound: the new bundle relabelled as key 1 (or 3) does not open
      await expect(unlockKeyRing(PASSPHRASE, { ...rotated, keyId: 1, previousKeys: [] }, USER_A)).rejects.toBeInstanceOf(WrongPassphraseError); // 16
      // an altered previous key is reported as a damaged bundle, not a wrong passphrase
      const [previous] = rotated.previousKeys!;
      const tampered = { ...rotated, previousKeys: [{ keyId: previous!.keyId, wrappedKey: otherBundleA.wrappedKey }] };
      await expect(unlockKeyRing(PASSPHRASE, tampered, USER_A)).rejects.toThrow(/previous key 1 failed verification/); // 17

      // a second rotation keeps every key, and a passphrase change keeps the ring
      const { bundle: third } = await rotateKeyBundle(PASSPHRASE, rotated, USER_A); // 18, 19
      expect(third.previousKeys?.map((k) => k.keyId)).toEqual([1, 2]);
      const rewrapped = await rewrapKeyBundle(PASSPHRASE, "another passphrase", third, USER_A); // 20, 21
      expect(rewrapped.keyId).toBe(3);
      const ring3 = await unlockKeyRing("another passphrase", rewrapped, USER_A); // 22
      expect(await decryptRecord(ring3, record, before)).toEqual({ old: true });
      expect(await decryptRecord(ring3, record, after)).toEqual({ new: true });
    },
    SLOW * 2,
  );
});
