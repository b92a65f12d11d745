import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { PASSWORD_HASHING } from "~/server/auth/password";
import { signInWithPassword } from "~/server/auth/sign-in";
import { getDb } from "~/server/db/client";
import { users } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import type { AppError } from "~/server/errors";
import { consumeRateLimit } from "~/server/security/rate-limits";
import { anonymousCaller, errorOf, signedUpUser, TEST_PASSWORD, uniqueEmail } from "../support/callers";

describe("auth.register", () => {
  it("creates a user with a hashed password and never returns the hash", async () => {
    const email = uniqueEmail("Reg");
    const user = await (await anonymousCaller()).auth.register({ email: `  ${email.toUpperCase()} `, password: TEST_PASSWORD, name: "Ada" });
    expect(user).toMatchObject({ email: email.toLowerCase(), name: "Ada", timezone: "UTC" });
    expect(Object.keys(user)).not.toContain("passwordHash");
    const db = await getDb();
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain(TEST_PASSWORD);
  });

  it("refuses a duplicate email with 409 and keeps the first account", async () => {
    const { email, user } = await signedUpUser("dup");
    const error = await errorOf(async () => (await anonymousCaller()).auth.register({ email, password: "another long passphrase" }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/already exists/);
    const db = await getDb();
    const rows = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
    expect(rows).toEqual([{ id: user.id }]);
  });

  it("refuses weak passwords and bad emails with field messages and stores nothing", async () => {
    const email = uniqueEmail("weak");
    const weak = await errorOf(async () => (await anonymousCaller()).auth.register({ email, password: "short" }));
    expect(weak).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/password: Use at least 10 characters/) });
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    const badEmail = await errorOf(async () => (await anonymousCaller()).auth.register({ email: "not-an-email", password: TEST_PASSWORD }));
    expect(badEmail).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/email: Enter a valid email address/) });
  });
});

describe("auth.register limits", () => {
  it("refuses more than 20 sign-ups an hour from one address, with the wait; other addresses are unaffected", async () => {
    const ip = "198.51.100.20";
    const register = async (from: string) => (await anonymousCaller(from)).auth.register({ email: uniqueEmail("bulk"), password: TEST_PASSWORD });
    // Two real sign-ups count against the limit; the other 18 are counted directly (each real one costs a password hash).
    await register(ip);
    await register(ip);
    const db = await getDb();
    for (let i = 0; i < 18; i++) await consumeRateLimit(db, "register", ip);
    const refused = await errorOf(() => register(ip));
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many new accounts from your network\. Try again in (60|59) minutes\.$/) });
    expect((refused.cause as AppError).details).toMatchObject({ limit: "register", retryAfterSeconds: expect.any(Number) });
    await expect(register("198.51.100.21")).resolves.toMatchObject({ timezone: "UTC" });
  });
});

describe("auth.me", () => {
  it("returns the signed-in user and refuses anonymous callers", async () => {
    const { caller, user } = await signedUpUser("me");
    await expect(caller.auth.me()).resolves.toMatchObject({ id: user.id, email: user.email, device: null });
    const error = await errorOf(async () => (await anonymousCaller()).auth.me());
    expect(error.code).toBe("UNAUTHORIZED");
  });
});

describe("password sign-in", () => {
  it("signs in with the right password and says 'wrong email or password' otherwise", async () => {
    const { email, user } = await signedUpUser("signin");
    const db = await getDb();
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "203.0.113.10" })).resolves.toMatchObject({ id: user.id });
    await expect(signInWithPassword(db, { email, password: "wrong password!", ip: "203.0.113.10" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Wrong email or password.",
    });
    await expect(signInWithPassword(db, { email: uniqueEmail("nobody"), password: TEST_PASSWORD, ip: "203.0.113.10" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Wrong email or password.",
    });
  });

  it("makes a password stored at an earlier cost again at the current one when its owner signs in, and only then", async () => {
    const { email, user } = await signedUpUser("rehash");
    const db = await getDb();
    const current = PASSWORD_HASHING.N;
    PASSWORD_HASHING.N = current * 2; // as if the cost had been raised since this user signed up
    try {
      const [before] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
      await expect(signInWithPassword(db, { email, password: "wrong password!", ip: "203.0.113.11" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      expect((await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id)))[0]!.hash).toBe(before!.hash);

      await signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "203.0.113.11" });
      const [after] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
      expect(after!.hash).not.toBe(before!.hash);
      expect(after!.hash).toMatch(new RegExp(`^scrypt\\$${current * 2}\\$8\\$3\\$`));
      await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "203.0.113.11" })).resolves.toMatchObject({ id: user.id });
      const [again] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
      expect(again!.hash).toBe(after!.hash); // at the current cost now: not made again
    } finally {
      PASSWORD_HASHING.N = current;
    }
  });

  it("locks an account only for the address its failures came from: an attacker elsewhere cannot lock the owner out", async () => {
    const { email } = await signedUpUser("lock");
    const db = await getDb();
    const max = getEnv().LOGIN_MAX_FAILURES_PER_ACCOUNT;
    const [attacker, owner] = ["192.0.2.66", "192.0.2.7"];
    for (let i = 0; i < max; i++) {
      await expect(signInWithPassword(db, { email, password: "wrong password!", ip: attacker })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    // From the attacker's address the account is locked, even with the right password…
    const locked = await errorOf(() => signInWithPassword(db, { email, password: TEST_PASSWORD, ip: attacker }));
    expect(locked).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: `Too many failed sign-in attempts for this account. Try again in ${getEnv().LOGIN_LOCKOUT_MINUTES} minutes.`,
    });
    expect((locked as unknown as AppError).details).toMatchObject({ limit: "signInFailuresByEmailAndIp", retryAfterSeconds: expect.toBeOneOf([getEnv().LOGIN_LOCKOUT_MINUTES * 60, getEnv().LOGIN_LOCKOUT_MINUTES * 60 - 1]) });
    // …while the owner, from their own address, signs in as usual.
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: owner })).resolves.toMatchObject({ email });
    // Once the lock has passed, the attacker's address may try again.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + (getEnv().LOGIN_LOCKOUT_MINUTES + 1) * 60_000);
      await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: attacker })).resolves.toMatchObject({ email });
    } finally {
      vi.useRealTimers();
    }
  }, 60_000); // a password hash per attempt

  it("counts consecutive failures: a success from the same address starts the count again", async () => {
    const { email } = await signedUpUser("consecutive");
    const db = await getDb();
    const ip = "192.0.2.80";
    const max = getEnv().LOGIN_MAX_FAILURES_PER_ACCOUNT;
    for (const round of [1, 2]) {
      for (let i = 0; i < max - 1; i++) {
        await expect(signInWithPassword(db, { email, password: "wrong password!", ip }), `round ${round}`).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      }
      await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip })).resolves.toMatchObject({ email });
    }
  }, 60_000); // a password hash per attempt

  it("stops a guessing attack spread over many addresses with a daily limit per account", async () => {
    const { email } = await signedUpUser("distributed");
    const db = await getDb();
    const daily = getEnv().LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_DAY;
    expect(daily).toBeLessThan(50); // tests/support/setup.ts keeps it small
    for (let i = 0; i < daily; i++) {
      // a new address every time, so neither the per-address nor the account+address limit trips
      await expect(signInWithPassword(db, { email, password: "wrong password!", ip: `203.0.113.${i + 1}` })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    const refused = await errorOf(() => signInWithPassword(db, { email, password: "guess number 13", ip: "203.0.113.200" }));
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many failed sign-in attempts for this account today\. Try again in (24 hours|\d+ minutes)\.$/) });
    expect((refused as unknown as AppError).details).toMatchObject({ limit: "signInFailuresByEmail", retryAfterSeconds: expect.any(Number) });
  }, 60_000); // a password hash per attempt

  it("limits failures per IP across accounts", async () => {
    const db = await getDb();
    const ip = "198.51.100.77";
    const max = getEnv().LOGIN_MAX_FAILURES_PER_IP;
    for (let i = 0; i < max; i++) {
      await expect(signInWithPassword(db, { email: uniqueEmail("spray"), password: "wrong password!", ip })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    const { email } = await signedUpUser("victim");
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/from your network/),
    });
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "198.51.100.78" })).resolves.toMatchObject({ email });
  }, 60_000); // a password hash per attempt

  it("answers missing credentials with a clear message", async () => {
    const db = await getDb();
    await expect(signInWithPassword(db, { email: undefined, password: undefined, ip: "203.0.113.11" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Enter your email address and password.",
    });
  });
});
