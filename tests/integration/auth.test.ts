import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { signInWithPassword } from "~/server/auth/sign-in";
import { getDb } from "~/server/db/client";
import { loginAttempts, users } from "~/server/db/schema";
import { getEnv } from "~/server/env";
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

  it("locks an account after repeated failures, even with the right password, until the window passes", async () => {
    const { email } = await signedUpUser("lock");
    const db = await getDb();
    const max = getEnv().LOGIN_MAX_FAILURES_PER_ACCOUNT;
    for (let i = 0; i < max; i++) {
      // different IPs, so only the per-account limit can trip
      await expect(signInWithPassword(db, { email, password: "wrong password!", ip: `192.0.2.${i + 1}` })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "192.0.2.200" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/Too many failed sign-in attempts for this account\. Try again in \d+ minute/),
    });
    // once the failures age out of the window, the right password works again
    await db
      .update(loginAttempts)
      .set({ createdAt: new Date(Date.now() - (getEnv().LOGIN_LOCKOUT_MINUTES + 1) * 60_000) })
      .where(eq(loginAttempts.email, email));
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "192.0.2.200" })).resolves.toMatchObject({ email });
  });

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
  });

  it("answers missing credentials with a clear message", async () => {
    const db = await getDb();
    await expect(signInWithPassword(db, { email: undefined, password: undefined, ip: "203.0.113.11" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Enter your email address and password.",
    });
  });
});
