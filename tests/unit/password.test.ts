import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { hashPassword, PASSWORD_HASHING, passwordHashQueue, SCRYPT_COST, verifyPassword, ZPassword } from "~/server/auth/password";

describe("password hashing", () => {
  it("hashes at the production cost, verifies the right password and rejects a wrong one", async () => {
    // The suite hashes at a lower cost (tests/support/setup.ts); a deployment always at SCRYPT_COST.
    const suiteCost = PASSWORD_HASHING.N;
    PASSWORD_HASHING.N = SCRYPT_COST.N;
    const hash = await hashPassword("correct horse battery staple").finally(() => (PASSWORD_HASHING.N = suiteCost));
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$/); // OWASP's row for 32 MiB
    expect(hash).not.toContain("correct horse");
    await expect(verifyPassword("correct horse battery staple", hash)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapler", hash)).resolves.toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same password here")).not.toBe(await hashPassword("same password here"));
  });

  it("hashes one password per CPU at a time (32 MiB each); the rest wait their turn and all finish", async () => {
    const cpus = availableParallelism();
    const hashes = Array.from({ length: cpus + 3 }, (_, index) => hashPassword(`password number ${index} here`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(passwordHashQueue()).toEqual({ running: cpus, waiting: 3, limit: cpus });
    const done = await Promise.all(hashes);
    expect(new Set(done).size).toBe(cpus + 3);
    expect(passwordHashQueue()).toMatchObject({ running: 0, waiting: 0 });
  });

  it("verifies a hash by the cost stored in it, whatever the current cost", async () => {
    const cheap = await hashPassword("a password of the suite");
    expect(cheap).toMatch(new RegExp(`^scrypt\\$${PASSWORD_HASHING.N}\\$`));
    const suiteCost = PASSWORD_HASHING.N;
    PASSWORD_HASHING.N = SCRYPT_COST.N;
    try {
      await expect(verifyPassword("a password of the suite", cheap)).resolves.toBe(true);
    } finally {
      PASSWORD_HASHING.N = suiteCost;
    }
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
