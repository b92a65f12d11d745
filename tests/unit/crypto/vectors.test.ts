import { describe, expect, it } from "vitest";
import {
  aesGcmDecryptRaw,
  aesGcmEncryptRaw,
  decodeBase64,
  decodeBase64Url,
  decodeHex,
  encodeBase64,
  encodeBase64Url,
  encodeHex,
  pbkdf2Sha256,
  sha256Hex,
  utf8Decode,
  utf8Encode,
} from "~/lib/crypto";

// Expected values are the published constants, copied as printed (whitespace removed).
// They were cross-checked once against node:crypto while writing this file; the tests
// compare our WebCrypto primitives against the constants only.
const hex = (spaced: string) => spaced.replace(/\s+/g, "");

describe("PBKDF2-HMAC-SHA256 (RFC 7914 §11)", () => {
  it('P="passwd", S="salt", c=1, dkLen=64', async () => {
    const dk = await pbkdf2Sha256(utf8Encode("passwd"), utf8Encode("salt"), 1, 64);
    expect(encodeHex(dk)).toBe(
      hex(`55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05
             f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc
             49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31
             7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83`),
    );
  });

  it('P="Password", S="NaCl", c=80000, dkLen=64', async () => {
    const dk = await pbkdf2Sha256(utf8Encode("Password"), utf8Encode("NaCl"), 80000, 64);
    expect(encodeHex(dk)).toBe(
      hex(`4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9
             64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56
             a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17
             6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d`),
    );
  });

  it("honours the requested length and rejects nonsense parameters", async () => {
    const dk = await pbkdf2Sha256(utf8Encode("passwd"), utf8Encode("salt"), 1, 32);
    expect(encodeHex(dk)).toBe("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    await expect(pbkdf2Sha256(utf8Encode("p"), utf8Encode("s"), 0, 32)).rejects.toThrow(RangeError);
    await expect(pbkdf2Sha256(utf8Encode("p"), utf8Encode("s"), 1.5, 32)).rejects.toThrow(RangeError);
    await expect(pbkdf2Sha256(utf8Encode("p"), utf8Encode("s"), 1, 0)).rejects.toThrow(RangeError);
  });
});

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B, AES-256 cases.
describe("AES-256-GCM (GCM specification test vectors)", () => {
  const K15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
  const IV15 = "cafebabefacedbaddecaf888";
  const P15 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
  const C15 =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

  const cases = [
    {
      name: "Test Case 14 (zero key, zero block, no AAD)",
      key: "00".repeat(32),
      iv: "00".repeat(12),
      plaintext: "00000000000000000000000000000000",
      aad: undefined,
      ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
      tag: "d0d1c8a799996bf0265b98b5d48ab919",
    },
    {
      name: "Test Case 15 (64-byte plaintext, no AAD)",
      key: K15,
      iv: IV15,
      plaintext: P15,
      aad: undefined,
      ciphertext: C15,
      tag: "b094dac5d93471bdec1a502270e3cc6c",
    },
    {
      name: "Test Case 16 (60-byte plaintext, 20-byte AAD, 96-bit IV)",
      key: K15,
      iv: IV15,
      plaintext: P15.slice(0, 120),
      aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      ciphertext: C15.slice(0, 120),
      tag: "76fc6ece0f4e1768cddf8853bb2d551b",
    },
  ];

  for (const tc of cases) {
    it(`${tc.name}: encrypts to C || T and decrypts back`, async () => {
      const aad = tc.aad === undefined ? undefined : decodeHex(tc.aad);
      const out = await aesGcmEncryptRaw(decodeHex(tc.key), decodeHex(tc.iv), decodeHex(tc.plaintext), aad);
      expect(encodeHex(out)).toBe(tc.ciphertext + tc.tag);
      const back = await aesGcmDecryptRaw(decodeHex(tc.key), decodeHex(tc.iv), out, aad);
      expect(encodeHex(back)).toBe(tc.plaintext);
    });
  }

  it("Test Case 16: decryption fails on a flipped tag bit or different AAD", async () => {
    const key = decodeHex(K15);
    const iv = decodeHex(IV15);
    const aad = decodeHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const sealed = decodeHex(C15.slice(0, 120) + "76fc6ece0f4e1768cddf8853bb2d551b");
    const flipped = new Uint8Array(sealed);
    flipped[flipped.length - 1]! ^= 0x01;
    await expect(aesGcmDecryptRaw(key, iv, flipped, aad)).rejects.toThrow();
    await expect(aesGcmDecryptRaw(key, iv, sealed, decodeHex("feedface"))).rejects.toThrow();
    await expect(aesGcmDecryptRaw(key, iv, sealed)).rejects.toThrow();
  });
});

describe("SHA-256 (FIPS 180-2 / NIST example)", () => {
  it('"abc"', async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex(utf8Encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it('"" (empty input)', async () => {
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("encodings (RFC 4648 §10 test vectors)", () => {
  const vectors: Array<[string, string]> = [
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ];

  for (const [plain, b64] of vectors) {
    it(`base64(${JSON.stringify(plain)}) = ${JSON.stringify(b64)}`, () => {
      expect(encodeBase64(utf8Encode(plain))).toBe(b64);
      expect(utf8Decode(decodeBase64(b64))).toBe(plain);
      expect(encodeBase64Url(utf8Encode(plain))).toBe(b64.replace(/=+$/, ""));
      expect(utf8Decode(decodeBase64Url(b64.replace(/=+$/, "")))).toBe(plain);
    });
  }

  it("base64url uses - and _ where base64 uses + and /", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(encodeBase64(bytes)).toBe("+/+/");
    expect(encodeBase64Url(bytes)).toBe("-_-_");
    expect([...decodeBase64Url("-_-_")]).toEqual([0xfb, 0xff, 0xbf]);
  });

  it("round-trips every byte value and large inputs", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...decodeBase64(encodeBase64(all))]).toEqual([...all]);
    expect([...decodeBase64Url(encodeBase64Url(all))]).toEqual([...all]);
    // spans several 32 KiB chunks of the encoder
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    const back = decodeBase64(encodeBase64(big));
    expect(back.length).toBe(big.length);
    expect(back.every((byte, i) => byte === big[i])).toBe(true);
  });

  it("rejects non-canonical or invalid base64 instead of repairing it", () => {
    for (const bad of ["Zg", "Zg=", "Zh==", "Zm9v YmFy", "Zm9v\n", "Zm9v!", "-_-_"]) {
      expect(() => decodeBase64(bad), bad).toThrow(TypeError);
    }
    for (const bad of ["Zg==", "Zh", "+/+/", "Zm9v!", "Z"]) {
      expect(() => decodeBase64Url(bad), bad).toThrow(TypeError);
    }
  });

  it("hex round-trips and rejects malformed input; utf8 decoding is strict", () => {
    expect(encodeHex(new Uint8Array([0x00, 0x0f, 0xab, 0xff]))).toBe("000fabff");
    expect([...decodeHex("000FABff")]).toEqual([0x00, 0x0f, 0xab, 0xff]);
    expect(() => decodeHex("abc")).toThrow(TypeError);
    expect(() => decodeHex("zz")).toThrow(TypeError);
    expect(utf8Decode(utf8Encode("héllo ✓ 𝄞"))).toBe("héllo ✓ 𝄞");
    expect(() => utf8Decode(new Uint8Array([0xc3, 0x28]))).toThrow(TypeError);
  });
});
