import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST, GET as trpcGET } from "~/app/api/trpc/[trpc]/route";
import { buildAuthOptions, getAuthSecret } from "~/server/auth/options";
import { ACCOUNT_TOKEN_TTL_MS, deleteExpiredAccountTokens } from "~/server/auth/account-tokens";
import { requestEmailChange } from "~/server/auth/email-change";
import { createPasswordResetLink, requestPasswordReset } from "~/server/auth/password-reset";
import { canDeliverMail } from "~/server/email/send";
import { signInWithPassword } from "~/server/auth/sign-in";
import { getDb } from "~/server/db/client";
import { accountTokens, oauthAccounts, users } from "~/server/db/schema";
import { getEnv, parseEnv } from "~/server/env";
import { startSmtpDouble } from "../doubles/smtp/server";
import { anonymousCaller, callerFor, connectDevice, errorOf, sessionCookieFor, signedUpUser, TEST_PASSWORD, uniqueEmail, visitorIp } from "../support/callers";
import { useEnv } from "../support/env";
import { TEST_BASE_URL } from "../support/http";

let smtp: Awaited<ReturnType<typeof startSmtpDouble>>;
beforeAll(async () => {
  smtp = await startSmtpDouble({ user: "devpulse", pass: "relay password" });
});
afterAll(() => smtp.close());
// The first sign-up pays for opening the database and the first scrypt: not any one test's time.
beforeAll(() => signedUpUser("warm-up").then(() => undefined), 120_000);
useEnv(() => ({ SMTP_URL: smtp.url, MAIL_FROM: "DevPulse Cloud <no-reply@devpulse.test>" }));

const NEW_PASSWORD = "a brand new passphrase";
const mailsTo = (email: string) => smtp.received.filter((mail) => mail.to.includes(email));
const linkIn = (text: string, path: string) => {
  const match = new RegExp(`${getEnv().appUrl}${path}\\?token=([A-Za-z0-9_-]{43})`).exec(text);
  if (!match) throw new Error(`no ${path} link in: ${text}`);
  return match[1]!;
};

/** A tRPC call over HTTP with a browser cookie, as the account page makes it. */
async function httpCall(path: string, cookie: string, input?: unknown) {
  const response =
    input === undefined
      ? await trpcGET(new Request(`${TEST_BASE_URL}/api/trpc/${path}`, { headers: { cookie } }))
      : await POST(
          new Request(`${TEST_BASE_URL}/api/trpc/${path}`, {
            method: "POST",
            headers: { cookie, "content-type": "application/json" },
            body: JSON.stringify({ json: input }),
          }),
        );
  return { status: response.status, setCookie: response.headers.get("set-cookie") };
}

describe("display name", () => {
  it("changes the caller's own name, refuses an empty one, and refuses a device token", async () => {
    const { user, caller } = await signedUpUser("rename");
    await expect(caller.account.updateName({ name: "  Ada Lovelace " })).resolves.toEqual({ name: "Ada Lovelace" });
    await expect(caller.account.get()).resolves.toMatchObject({ name: "Ada Lovelace", email: user.email });
    expect((await errorOf(() => caller.account.updateName({ name: "   " }))).code).toBe("BAD_REQUEST");

    const device = await connectDevice(caller, "Laptop");
    const deviceCaller = await callerFor(user, { id: device.deviceId, name: "Laptop" });
    expect((await errorOf(() => deviceCaller.account.updateName({ name: "Mallory" }))).code).toBe("FORBIDDEN");
    expect((await caller.account.get()).name).toBe("Ada Lovelace");
  });
});

describe("password change", () => {
  it("signs out every other session, keeps the caller's (re-issued cookie), and leaves device tokens", async () => {
    const { user, caller } = await signedUpUser("pwchange");
    const device = await connectDevice(caller, "Desktop");
    const thisBrowser = await sessionCookieFor(user);
    const otherBrowser = await sessionCookieFor(user);
    expect((await httpCall("auth.me", otherBrowser)).status).toBe(200);

    const changed = await httpCall("account.changePassword", thisBrowser, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
    expect(changed.status).toBe(200);
    expect(changed.setCookie).toMatch(/^next-auth\.session-token=[^;]+; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/);
    const renewed = changed.setCookie!.split(";")[0]!;

    expect((await httpCall("auth.me", otherBrowser)).status).toBe(401);
    expect((await httpCall("auth.me", thisBrowser)).status).toBe(401); // the old cookie value is replaced…
    expect((await httpCall("auth.me", renewed)).status).toBe(200); // …by one that stays signed in
    // Device tokens are not sessions: the desktop app keeps working.
    const deviceMe = await trpcGET(new Request(`${TEST_BASE_URL}/api/trpc/auth.me`, { headers: { authorization: `Bearer ${device.token}` } }));
    expect(deviceMe.status).toBe(200);

    const db = await getDb();
    await expect(signInWithPassword(db, { email: user.email, password: NEW_PASSWORD, ip: "203.0.113.9" })).resolves.toMatchObject({ id: user.id });
    await expect(signInWithPassword(db, { email: user.email, password: TEST_PASSWORD, ip: "203.0.113.9" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("needs the current password, and changes nothing without it", async () => {
    const { user, caller } = await signedUpUser("pwwrong");
    const error = await errorOf(() => caller.account.changePassword({ currentPassword: "not my password", newPassword: NEW_PASSWORD }));
    expect(error).toMatchObject({ code: "BAD_REQUEST", message: "Your current password is not correct." });
    expect((await errorOf(() => caller.account.changePassword({ newPassword: NEW_PASSWORD }))).code).toBe("BAD_REQUEST");
    expect((await errorOf(() => caller.account.changePassword({ currentPassword: TEST_PASSWORD, newPassword: "short" }))).code).toBe("BAD_REQUEST");
    const [row] = await (await getDb()).select({ sessionVersion: users.sessionVersion }).from(users).where(eq(users.id, user.id));
    expect(row!.sessionVersion).toBe(0);
    expect((await httpCall("auth.me", await sessionCookieFor(user))).status).toBe(200);
  });
});

describe("sign-in methods", () => {
  it("lists them, links a provider from the signed-in callback, and never unlinks the last one", async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("methods");
    expect((await caller.account.get()).methods).toContainEqual({ method: "password", linked: true, available: true });
    expect(await errorOf(() => caller.account.unlinkMethod({ method: "password" }))).toMatchObject({ code: "PRECONDITION_FAILED" });

    // The account page's "Link GitHub" ends in next-auth's callback with this browser signed in.
    const options = buildAuthOptions(parseEnv({}), getAuthSecret(), user.id);
    const githubId = randomUUID();
    const redirect = await options.callbacks!.signIn!({
      account: { provider: "github", providerAccountId: githubId, type: "oauth" },
      user: { id: githubId },
      profile: { email: uniqueEmail("someone-else") },
    } as never);
    expect(redirect).toBe("/settings/account?linked=github");
    expect((await caller.account.get()).methods).toContainEqual(expect.objectContaining({ method: "github", linked: true }));

    // The same GitHub identity cannot be linked to a second account.
    const other = await signedUpUser("methods-other");
    const refused = await buildAuthOptions(parseEnv({}), getAuthSecret(), other.user.id).callbacks!.signIn!({
      account: { provider: "github", providerAccountId: githubId, type: "oauth" },
      user: { id: githubId },
    } as never);
    expect(refused).toBe("/settings/account?linkError=identity_in_use&provider=github");
    expect(await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, other.user.id))).toEqual([]);

    // With GitHub linked the password may go; then GitHub is the last way in.
    const afterUnlink = await caller.account.unlinkMethod({ method: "password" });
    expect(afterUnlink.methods).toContainEqual({ method: "password", linked: false, available: true });
    expect(await errorOf(() => caller.account.unlinkMethod({ method: "github" }))).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id))).toHaveLength(1);

    // Without a password, setting one needs no current password: that links the method again.
    await caller.account.changePassword({ newPassword: NEW_PASSWORD });
    expect((await caller.account.get()).methods).toContainEqual({ method: "password", linked: true, available: true });
  });
});

describe("password reset", () => {
  it("mails a single-use link that sets the password and ends every session; the answer never says whether the email exists", async () => {
    const db = await getDb();
    const { user, email } = await signedUpUser("reset");
    const oldSession = await sessionCookieFor(user);
    const anonymous = await anonymousCaller();

    const unknown = uniqueEmail("nobody");
    await expect(anonymous.account.requestPasswordReset({ email: unknown })).resolves.toEqual({ sent: true });
    expect(mailsTo(unknown)).toHaveLength(0);
    await expect(anonymous.account.requestPasswordReset({ email: email.toUpperCase() })).resolves.toEqual({ sent: true });

    const [mail, ...more] = mailsTo(email);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe("Reset your DevPulse Cloud password");
    const token = linkIn(mail!.text, "/reset-password");
    // Only the hash is stored.
    const stored = await db.select().from(accountTokens).where(eq(accountTokens.userId, user.id));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored[0]!.expiresAt.getTime() - stored[0]!.createdAt.getTime()).toBeGreaterThan(ACCOUNT_TOKEN_TTL_MS - 5_000);

    await expect(anonymous.account.resetPassword({ token, password: NEW_PASSWORD })).resolves.toEqual({ email });
    expect((await httpCall("auth.me", oldSession)).status).toBe(401);
    await expect(signInWithPassword(db, { email, password: NEW_PASSWORD, ip: "203.0.113.10" })).resolves.toMatchObject({ id: user.id });

    const reused = await errorOf(() => anonymous.account.resetPassword({ token, password: "yet another passphrase" }));
    expect(reused).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/already used, or it expired/) });
    expect((await errorOf(() => anonymous.account.resetPassword({ token: "x", password: NEW_PASSWORD }))).code).toBe("BAD_REQUEST");
  });

  it("expires after an hour, and a newer link replaces an older one", async () => {
    const db = await getDb();
    const { user, email } = await signedUpUser("reset-expiry");
    const anonymous = await anonymousCaller();
    const first = new URL((await createPasswordResetLink(db, getEnv(), email))!).searchParams.get("token")!;
    const second = new URL((await createPasswordResetLink(db, getEnv(), email))!).searchParams.get("token")!;
    expect((await errorOf(() => anonymous.account.resetPassword({ token: first, password: NEW_PASSWORD }))).code).toBe("BAD_REQUEST");

    await db.update(accountTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(accountTokens.userId, user.id));
    expect((await errorOf(() => anonymous.account.resetPassword({ token: second, password: NEW_PASSWORD }))).code).toBe("BAD_REQUEST");
    await expect(signInWithPassword(db, { email, password: TEST_PASSWORD, ip: "203.0.113.11" })).resolves.toMatchObject({ id: user.id });

    // The cleanup job then deletes the useless rows.
    expect(await deleteExpiredAccountTokens(db)).toBeGreaterThanOrEqual(2);
    expect(await db.select().from(accountTokens).where(eq(accountTokens.userId, user.id))).toEqual([]);
  });

  it("in production without mail it sends nothing and answers the same (the operator command is the way); the sandbox uses its outbox", async () => {
    const db = await getDb();
    const { user, email } = await signedUpUser("reset-nomail");
    await requestPasswordReset(db, { ...getEnv(), SMTP_URL: undefined, NODE_ENV: "production", SANDBOX: false }, { email });
    expect(await db.select().from(accountTokens).where(eq(accountTokens.userId, user.id))).toEqual([]);
    expect(mailsTo(email)).toHaveLength(0);
    expect(canDeliverMail({ SMTP_URL: undefined, NODE_ENV: "production", SANDBOX: true })).toBe(true);
    expect(canDeliverMail({ SMTP_URL: undefined, NODE_ENV: "production", SANDBOX: false })).toBe(false);
  });

  it("the operator command's link: none for an unknown address", async () => {
    const db = await getDb();
    await expect(createPasswordResetLink(db, getEnv(), uniqueEmail("ghost"))).resolves.toBeUndefined();
    const { email } = await signedUpUser("reset-operator");
    expect(await createPasswordResetLink(db, getEnv(), email)).toMatch(new RegExp(`^${getEnv().appUrl}/reset-password\\?token=[A-Za-z0-9_-]{43}$`));
  });
});

describe("email change", () => {
  it("in production without mail it is refused with the reason, and no link is issued (none could arrive)", async () => {
    const db = await getDb();
    const { user } = await signedUpUser("email-nomail");
    const noMail = { ...getEnv(), SMTP_URL: undefined, NODE_ENV: "production" as const, SANDBOX: false };
    const refused = await errorOf(() => requestEmailChange(db, noMail, user.id, { newEmail: uniqueEmail("email-nomail-new"), currentPassword: TEST_PASSWORD }, visitorIp()));
    expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/cannot send mail/) });
    expect(await db.select().from(accountTokens).where(eq(accountTokens.userId, user.id))).toEqual([]);
  });

  it("applies only when the link mailed to the new address is followed, once", async () => {
    const { user, email, caller } = await signedUpUser("email-old");
    const newEmail = uniqueEmail("email-new");
    expect(await errorOf(() => caller.account.requestEmailChange({ newEmail, currentPassword: "wrong password!" }))).toMatchObject({ code: "BAD_REQUEST" });
    const taken = await signedUpUser("email-taken");
    expect(await errorOf(() => caller.account.requestEmailChange({ newEmail: taken.email, currentPassword: TEST_PASSWORD }))).toMatchObject({ code: "CONFLICT" });

    await expect(caller.account.requestEmailChange({ newEmail, currentPassword: TEST_PASSWORD })).resolves.toEqual({ pendingEmail: newEmail });
    expect((await caller.account.get()).email).toBe(email);
    const [mail] = mailsTo(newEmail);
    expect(mail!.subject).toBe("Confirm your new DevPulse Cloud email address");
    const token = linkIn(mail!.text, "/confirm-email");

    const browser = await sessionCookieFor(user);
    const confirmed = await httpCall("account.confirmEmailChange", browser, { token });
    expect(confirmed.status).toBe(200);
    expect((await caller.account.get()).email).toBe(newEmail);
    expect(confirmed.setCookie).toMatch(/^next-auth\.session-token=/); // this browser's session carries the new email
    const [notice] = mailsTo(email);
    expect(notice).toMatchObject({ subject: "Your DevPulse Cloud email address was changed" });
    expect(notice!.text).toContain(newEmail);
    const db = await getDb();
    await expect(signInWithPassword(db, { email: newEmail, password: TEST_PASSWORD, ip: "203.0.113.12" })).resolves.toMatchObject({ id: user.id });
    expect((await errorOf(async () => (await anonymousCaller()).account.confirmEmailChange({ token }))).code).toBe("BAD_REQUEST");
  });
});
