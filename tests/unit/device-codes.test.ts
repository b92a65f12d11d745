import { describe, expect, it } from "vitest";
import {
  formatUserCode,
  generateDeviceToken,
  generateUserCode,
  isWellFormedDeviceToken,
  normalizeUserCode,
} from "~/server/devices/tokens";
import { sha256Hex } from "~/server/hash";

describe("device codes and tokens", () => {
  it("draws user codes of 8 consonants without look-alikes", () => {
    const codes = Array.from({ length: 200 }, generateUserCode);
    for (const code of codes) expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect(new Set(codes).size).toBeGreaterThan(195);
  });

  it("accepts codes as people type them", () => {
    expect(normalizeUserCode(" bcdf-ghjk ")).toBe("BCDFGHJK");
    expect(formatUserCode("BCDFGHJK")).toBe("BCDF-GHJK");
  });

  it("makes 256-bit tokens with a recognisable prefix and hashes them with SHA-256", () => {
    const token = generateDeviceToken();
    expect(isWellFormedDeviceToken(token)).toBe(true);
    expect(isWellFormedDeviceToken(`${token}x`)).toBe(false);
    expect(isWellFormedDeviceToken("dp_short")).toBe(false);
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
