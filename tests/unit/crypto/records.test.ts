import { beforeAll, describe, expect, it } from "vitest";
import {
  aesGcmEncryptRaw,
  ChecksumMismatchError,
  checksumOf,
  CryptoError,
  decodeBase64Url,
  decryptRecord,
  encodeBase64Url,
  encryptRecord,
  randomBytes,
  recordAad,
  envelopeKeyId,
  TamperedRecordError,
  UnknownKeyError,
  utf8Decode,
  utf8Encode,
  verifyChecksum,
  type RecordIdentity,
} from "~/lib/crypto";

// A raw key (not a passphrase bundle) keeps this file free of slow PBKDF2 runs and lets
// the tests hand-build envelopes with the raw primitive, pinning the wire format.
const rawKey = randomBytes(32);
let dataKey: CryptoKey;

beforeAll(async () => {
  dataKey = await globalThis.crypto.subtle.importKey("raw", new Uint8Array(rawKey), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
});

const identity: RecordIdentity = { userId: "user-a", collection: "sessions", recordId: "rec-1", schemaVersion: 3 };
const value = {
  title: "Deep work ✓",
  minutes: 95,
  tags: ["focus", "rust"],
  nested: { flags: [true, false, null], ratio: 0.25, empty: {}, list: [[1, 2], [3]] },
};

// dp2 envelopes carry a key id; dp1 (written before key rotation) do not.
function parts(envelope: string) {
  const all = envelope.split(".");
  const [version, algorithm] = all;
  const [iv, ciphertext] = all.slice(-2);
  return { version, algorithm, keyId: all.length === 5 ? all[2] : undefined, iv: decodeBase64Url(iv ?? ""), ciphertext: decodeBase64Url(ciphertext ?? "") };
}

function build(version: string, algorithm: string, iv: Uint8Array, ciphertext: Uint8Array, keyId = "1"): string {
  if (version === "dp1") return `${version}.${algorithm}.${encodeBase64Url(iv)}.${encodeBase64Url(ciphertext)}`;
  return `${version}.${algorithm}.${keyId}.${encodeBase64Url(iv)}.${encodeBase64Url(ciphertext)}`;
}

async function expectTampered(envelope: string, id: RecordIdentity = identity): Promise<TamperedRecordError> {
  const error: unknown = await decryptRecord(dataKey, id, envelope).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TamperedRecordError);
  const tampered = error as TamperedRecordError;
  expect(tampered).toBeInstanceOf(CryptoError);
  expect(tampered.name).toBe("TamperedRecordError");
  expect(tampered.message).toContain(`${id.collection}/${id.recordId}`);
  return tampered;
}

describe("record envelopes", () => {
  it("round-trips nested JSON", async () => {
    const envelope = await encryptRecord(dataKey, identity, value);
    expect(envelope).toMatch(/^dp2\.A256GCM\.1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(await decryptRecord(dataKey, identity, envelope)).toEqual(value);
    for (const scalar of [0, "", "text", null, false, [1, "two"]]) {
      expect(await decryptRecord(dataKey, identity, await encryptRecord(dataKey, identity, scalar))).toEqual(scalar);
    }
  });

  it("does not leak the plaintext into the envelope", async () => {
    const envelope = await encryptRecord(dataKey, identity, { secret: "hunter2-very-secret" });
    expect(envelope).not.toContain("hunter2");
    expect(envelope).not.toContain(encodeBase64Url(utf8Encode('{"secret":"hunter2-very-secret"}')).slice(0, 12));
  });

  it("uses a fresh 12-byte IV every time, so equal values encrypt differently", async () => {
    const a = await encryptRecord(dataKey, identity, value);
    const b = await encryptRecord(dataKey, identity, value);
    expect(a).not.toBe(b);
    expect(parts(a).iv).toHaveLength(12);
    expect(parts(b).iv).toHaveLength(12);
    expect(encodeBase64Url(parts(a).iv)).not.toBe(encodeBase64Url(parts(b).iv));
    // ciphertext || 16-byte tag for the JSON text
    expect(parts(a).ciphertext).toHaveLength(utf8Encode(JSON.stringify(value)).length + 16);
  });

  it("uses the documented AAD and layout (interop with the raw primitive)", async () => {
    expect(utf8Decode(recordAad(identity))).toBe('["devpulse-record-v1","user-a","sessions","rec-1",3]');
    const iv = randomBytes(12);
    const sealed = await aesGcmEncryptRaw(rawKey, iv, utf8Encode('{"hand":"built"}'), recordAad(identity));
    expect(await decryptRecord(dataKey, identity, build("dp1", "A256GCM", iv, sealed))).toEqual({ hand: "built" });
  });

  it("refuses values that are not JSON and malformed identities", async () => {
    await expect(encryptRecord(dataKey, identity, undefined)).rejects.toThrow(TypeError);
    await expect(encryptRecord(dataKey, { ...identity, recordId: "" }, 1)).rejects.toThrow(TypeError);
    await expect(encryptRecord(dataKey, { ...identity, schemaVersion: Number.NaN }, 1)).rejects.toThrow(TypeError);
  });
});

describe("tampering is detected", () => {
  let envelope: string;
  beforeAll(async () => {
    envelope = await encryptRecord(dataKey, identity, value);
  });

  it("a flipped bit in the ciphertext", async () => {
    const p = parts(envelope);
    const ct = new Uint8Array(p.ciphertext);
    ct[0]! ^= 0x01;
    const e = await expectTampered(build("dp2", "A256GCM", p.iv, ct));
    expect(e.reason).toBe("authentication failed");
  });

  it("a flipped bit in the tag", async () => {
    const p = parts(envelope);
    const ct = new Uint8Array(p.ciphertext);
    ct[ct.length - 1]! ^= 0x80;
    const e = await expectTampered(build("dp2", "A256GCM", p.iv, ct));
    expect(e.reason).toBe("authentication failed");
  });

  it("a flipped bit in the IV", async () => {
    const p = parts(envelope);
    const iv = new Uint8Array(p.iv);
    iv[5]! ^= 0x04;
    await expectTampered(build("dp2", "A256GCM", iv, p.ciphertext));
  });

  it("a truncated ciphertext (short by one byte, and shorter than a tag)", async () => {
    const p = parts(envelope);
    await expectTampered(build("dp2", "A256GCM", p.iv, p.ciphertext.subarray(0, p.ciphertext.length - 1)));
    const e = await expectTampered(build("dp2", "A256GCM", p.iv, p.ciphertext.subarray(0, 10)));
    expect(e.reason).toBe("truncated ciphertext");
    await expectTampered(build("dp2", "A256GCM", p.iv, new Uint8Array(0)));
  });

  it("an envelope moved to another record id, collection, user or schema version", async () => {
    await expectTampered(envelope, { ...identity, recordId: "rec-2" });
    await expectTampered(envelope, { ...identity, collection: "goals" });
    await expectTampered(envelope, { ...identity, userId: "user-b" });
    await expectTampered(envelope, { ...identity, schemaVersion: 4 });
    // and it still opens where it belongs
    expect(await decryptRecord(dataKey, identity, envelope)).toEqual(value);
  });

  it("an unknown envelope version or algorithm", async () => {
    const p = parts(envelope);
    expect((await expectTampered(build("dp3", "A256GCM", p.iv, p.ciphertext))).reason).toBe("unknown envelope version");
    expect((await expectTampered(build("dp2", "A128GCM", p.iv, p.ciphertext))).reason).toBe("unknown algorithm");
    expect((await expectTampered(build("dp1", "A128GCM", p.iv, p.ciphertext))).reason).toBe("unknown algorithm");
    expect((await expectTampered(build("DP1", "A256GCM", p.iv, p.ciphertext))).reason).toBe("unknown envelope version");
  });

  it("an IV of the wrong length, even when the GCM tag is valid for it", async () => {
    const iv16 = randomBytes(16);
    const sealed = await aesGcmEncryptRaw(rawKey, iv16, utf8Encode("1"), recordAad(identity));
    expect((await expectTampered(build("dp1", "A256GCM", iv16, sealed))).reason).toBe("wrong IV length");
  });

  it("an authentic plaintext that is not JSON", async () => {
    const iv = randomBytes(12);
    const sealed = await aesGcmEncryptRaw(rawKey, iv, utf8Encode("{not json"), recordAad(identity));
    expect((await expectTampered(build("dp1", "A256GCM", iv, sealed))).reason).toBe("plaintext is not JSON");
    const badUtf8 = await aesGcmEncryptRaw(rawKey, iv, new Uint8Array([0x22, 0xc3, 0x28, 0x22]), recordAad(identity));
    expect((await expectTampered(build("dp1", "A256GCM", iv, badUtf8))).reason).toBe("plaintext is not JSON");
  });

  it("garbage strings", async () => {
    const p = parts(envelope);
    for (const garbage of [
      "",
      "garbage",
      "dp1.A256GCM",
      "dp1.A256GCM.x",
      "dp1.A256GCM.!!!!.????",
      `${envelope}.extra`,
      `dp1.A256GCM.${encodeBase64Url(p.iv)}=.${encodeBase64Url(p.ciphertext)}`,
      envelope.replace(/^dp2\./, " dp2."),
      envelope.replace(/^dp2\.A256GCM\.1\./, "dp2.A256GCM.01."),
      envelope.replace(/^dp2\.A256GCM\.1\./, "dp2.A256GCM.0."),
    ]) {
      await expectTampered(garbage);
    }
    await expectTampered(42 as unknown as string);
  });
});

describe("checksums", () => {
  it("are the lowercase hex SHA-256 of the envelope's UTF-8 bytes", async () => {
    // FIPS 180-2 example: SHA-256("abc")
    expect(await checksumOf("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const envelope = await encryptRecord(dataKey, identity, value);
    const checksum = await checksumOf(envelope);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    await expect(verifyChecksum(envelope, checksum)).resolves.toBeUndefined();
  });

  it("mismatch throws ChecksumMismatchError", async () => {
    const envelope = await encryptRecord(dataKey, identity, value);
    const checksum = await checksumOf(envelope);
    const other = await encryptRecord(dataKey, identity, value);
    await expect(verifyChecksum(other, checksum)).rejects.toBeInstanceOf(ChecksumMismatchError);
    await expect(verifyChecksum(envelope, checksum.toUpperCase())).rejects.toMatchObject({
      name: "ChecksumMismatchError",
    });
    await expect(verifyChecksum(envelope, "")).rejects.toBeInstanceOf(ChecksumMismatchError);
  });
});

describe("the key id is bound in the AAD", () => {
  let envelope: string;
  let otherKey: CryptoKey;
  beforeAll(async () => {
    otherKey = await globalThis.crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    envelope = await encryptRecord(dataKey, identity, value, 2);
  });

  it("names the key in the envelope and picks it from a ring", async () => {
    expect(envelope.split(".")[2]).toBe("2");
    expect(envelopeKeyId(envelope)).toBe(2);
    const ring = { keyId: 3, dataKey: otherKey, keys: new Map([[2, dataKey], [3, otherKey]]) };
    expect(await decryptRecord(ring, identity, envelope)).toEqual(value);
    // a ring writes under its current key
    const written = await encryptRecord(ring, identity, value);
    expect(envelopeKeyId(written)).toBe(3);
    expect(await decryptRecord(ring, identity, written)).toEqual(value);
  });

  it("a ciphertext relabelled with another key id fails authentication, even when that id maps to the same key", async () => {
    const p = parts(envelope);
    for (const keyId of ["1", "3", "20"]) {
      const e = await expectTampered(build("dp2", "A256GCM", p.iv, p.ciphertext, keyId));
      expect(e.reason).toBe("authentication failed");
    }
    // dropping the key id (presenting it as a version 1 envelope, read as key 1) fails too
    expect((await expectTampered(build("dp1", "A256GCM", p.iv, p.ciphertext))).reason).toBe("authentication failed");
    // a ring that maps every id to this same key still refuses the relabelled envelope
    const sameKeyEverywhere = { keyId: 1, dataKey, keys: new Map([[1, dataKey], [2, dataKey], [3, dataKey]]) };
    await expect(decryptRecord(sameKeyEverywhere, identity, build("dp2", "A256GCM", p.iv, p.ciphertext, "3"))).rejects.toBeInstanceOf(TamperedRecordError);
    expect(await decryptRecord(sameKeyEverywhere, identity, envelope)).toEqual(value);
  });

  it("a version 1 envelope (no key id) still opens as key 1, and cannot be relabelled as version 2", async () => {
    const iv = randomBytes(12);
    const legacy = build("dp1", "A256GCM", iv, await aesGcmEncryptRaw(rawKey, iv, utf8Encode('{"old":true}'), recordAad(identity)));
    expect(envelopeKeyId(legacy)).toBe(1);
    const ring = { keyId: 2, dataKey: otherKey, keys: new Map([[1, dataKey], [2, otherKey]]) };
    expect(await decryptRecord(ring, identity, legacy)).toEqual({ old: true });
    const p = parts(legacy);
    expect((await expectTampered(build("dp2", "A256GCM", p.iv, p.ciphertext, "1"))).reason).toBe("authentication failed");
  });

  it("a ring without the named key answers UnknownKeyError (unlock again), not tampering", async () => {
    const ring = { keyId: 3, dataKey: otherKey, keys: new Map([[3, otherKey]]) };
    const error = await decryptRecord(ring, identity, envelope).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect((error as UnknownKeyError).keyId).toBe(2);
  });
});
