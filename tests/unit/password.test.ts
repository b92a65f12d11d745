import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword, ZPassword } from "~/server/auth/password";

describe("password hashing", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain("correct horse");
    await expect(verifyPassword("correct horse battery staple", hash)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapler", hash)).resolves.toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same password here")).not.toBe(await hashPassword("same password here"));
  });

  it("rejects malformed stored hashes instead of throwing", async () => {
    await expect(verifyPassword("anything at all", "md5$abc")).resolves.toBe(false);
  });

  it("refuses weak passwords with a reason", () => {
    expect(ZPassword.safeParse("short").error?.issues[0]?.message).toMatch(/at least 10/);
    expect(ZPassword.safeParse("Password123").error?.issues[0]?.message).toMatch(/too common/);
    expect(ZPassword.safeParse("aaaaaaaaaaaa").error?.issues[0]?.message).toMatch(/repetitive/);
    expect(ZPassword.safeParse("a long and unusual passphrase").success).toBe(true);
  });
});
