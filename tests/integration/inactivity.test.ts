import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InngestTestEngine } from "@inngest/test";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markActive } from "~/server/auth/activity";
import { getDb } from "~/server/db/client";
import { users } from "~/server/db/schema";
import { inactivityWarningSubject } from "~/server/email/templates/inactivity-warning";
import { getEnv } from "~/server/env";
import { reviewInactiveAccount, scheduleInactivityReviews } from "~/server/jobs/functions/inactive-accounts";
import { INACTIVITY_POLICY } from "~/lib/schemas/privacy";
import { deleteInactiveAccount, warnInactiveAccount } from "~/server/privacy/inactivity";
import { startSmtpDouble } from "../doubles/smtp/server";
import { signedUpUser } from "../support/callers";
import { PRODUCTION_SECRETS, useEnv, withEnv } from "../support/env";
import { useInngestDouble } from "../support/inngest";
import { fullyUsedAccount, rowsOf } from "../support/privacy";

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const inngest = useInngestDouble();
let smtp: Awaited<ReturnType<typeof startSmtpDouble>>;
beforeAll(async () => {
  smtp = await startSmtpDouble({ user: "devpulse", pass: "relay password" });
});
afterAll(() => smtp.close());
useEnv(() => ({ SMTP_URL: smtp.url, MAIL_FROM: "DevPulse Cloud <no-reply@devpulse.test>" }));

async function setActivity(userId: string, lastActiveDaysAgo: number, warnedDaysAgo: number | null = null) {
  const db = await getDb();
  await db.update(users).set({ lastActiveAt: ago(lastActiveDaysAgo), inactivityWarnedAt: warnedDaysAgo === null ? null : ago(warnedDaysAgo) }).where(eq(users.id, userId));
}

async function optedIn(label: string) {
  const account = await signedUpUser(label);
  await account.caller.privacy.updateSettings({ retentionPolicy: { autoDeleteAfterInactivity: true } });
  return account;
}

const review = (accountId: string) =>
  new InngestTestEngine({ function: reviewInactiveAccount.toInngestFunction(inngest.client), events: [{ name: "privacy/inactivity.review-requested", data: { accountId } }] });

/** The subject the warning's template gives a deletion a full notice period from now. */
const warningSubject = () =>
  inactivityWarningSubject({ name: null, deletionDate: new Date(Date.now() + INACTIVITY_POLICY.warnDaysBefore * DAY).toISOString(), deleteAfterDays: INACTIVITY_POLICY.deleteAfterDays });
/** The deletion warnings mailed to `email` (a fully used account also gets its other notifications, such as new devices). */
const mailsTo = (email: string) => smtp.received.filter((mail) => mail.to.includes(email) && mail.subject.includes("will be deleted"));

describe("activity", () => {
  it("any signed-in API call records it (hourly at most) and cancels a pending warning", async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("activity");
    await setActivity(user.id, 400, 10);
    await caller.privacy.settings();
    const [seen] = await db.select().from(users).where(eq(users.id, user.id));
    expect(Date.now() - seen!.lastActiveAt.getTime()).toBeLessThan(60_000);
    expect(seen!.inactivityWarnedAt).toBeNull();

    // Within the hour the API does not write again; later it does.
    await setActivity(user.id, 400, 10);
    await caller.privacy.settings();
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.inactivityWarnedAt).not.toBeNull();
    await markActive(db, user.id, Date.now() + 2 * 60 * 60 * 1000);
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.inactivityWarnedAt).toBeNull();
  });
});

describe("deletion after inactivity", () => {
  it("the daily schedule reviews only opted-in accounts away for long enough", async () => {
    const due = await optedIn("inactive-due");
    const recent = await optedIn("inactive-recent");
    const optedOut = await signedUpUser("inactive-opted-out");
    await setActivity(due.user.id, INACTIVITY_POLICY.deleteAfterDays - INACTIVITY_POLICY.warnDaysBefore + 1);
    await setActivity(recent.user.id, 10);
    await setActivity(optedOut.user.id, 900);

    const before = inngest.double.events.length;
    const t = new InngestTestEngine({ function: scheduleInactivityReviews.toInngestFunction(inngest.client) });
    await t.execute({ events: [{ name: "inngest/scheduled.timer", data: { cron: "0 4 * * *" } }] });
    const reviewed = inngest.double.events.slice(before).map((event) => (event.data as { accountId: string }).accountId);
    expect(reviewed).toContain(due.user.id);
    expect(reviewed).not.toContain(recent.user.id);
    expect(reviewed).not.toContain(optedOut.user.id);
  });

  it("warns by mail a month ahead, then deletes everything once the notice ran out unused", async () => {
    const db = await getDb();
    const { user, caller } = await fullyUsedAccount("inactive-deleted");
    await caller.privacy.updateSettings({ retentionPolicy: { autoDeleteAfterInactivity: true } });
    const bystander = await fullyUsedAccount("inactive-bystander");
    await setActivity(user.id, 340);
    await setActivity(bystander.user.id, 900); // never opted in

    const warned = await review(user.id).execute();
    expect(warned.result).toMatchObject({ action: "warned", via: "smtp" });
    const [mail, ...more] = mailsTo(user.email);
    expect(more).toHaveLength(0);
    // Sent through the notification layer (the catalog's account.inactivity_warning, urgent) and its email template.
    // A year after the last use would be in 25 days: the deletion it names is a full month from the warning.
    expect(mail).toMatchObject({ from: "no-reply@devpulse.test", user: "devpulse", subject: warningSubject() });
    expect(mail!.text).toContain(`${getEnv().appUrl}/sign-in`);
    // Greeted by name: the notification layer hands it over with the address.
    expect(mail!.text).toContain(`Hello ${user.name},`);
    expect(mail!.text).toContain("after 365 days without use");
    expect((await caller.notifications.list()).items[0]).toMatchObject({ kind: "account.inactivity_warning", priority: "urgent" });
    const [log] = (await caller.privacy.processingLog({ activity: "notification" })).items;
    expect(log).toMatchObject({ legalBasis: "consent", details: { via: "smtp" } });

    // A second review during the notice period does nothing, and sends nothing.
    await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "none", reason: "the notice period has not ended" } });
    expect(mailsTo(user.email)).toHaveLength(1);

    await setActivity(user.id, 371, 31);
    await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "deleted" } });
    expect(await db.select().from(users).where(eq(users.id, user.id))).toEqual([]);
    expect(Object.values(await rowsOf(user.id)).every((n) => n === 0)).toBe(true);
    // The bystander, inactive far longer but never opted in, is untouched.
    await expect(review(bystander.user.id).execute()).resolves.toMatchObject({ result: { action: "none", reason: "automatic deletion is off" } });
    expect(Object.values(await rowsOf(bystander.user.id)).some((n) => n > 0)).toBe(true);
  });

  it("is never deleted without a served warning, and coming back cancels it", async () => {
    const db = await getDb();
    const { user, email } = await optedIn("inactive-returns");
    // Away for two years but never warned (e.g. opted in late): the warning comes first, with a full month's notice.
    await setActivity(user.id, 730);
    await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "warned" } });
    expect(mailsTo(email).map((mail) => mail.subject)).toEqual([warningSubject()]);

    await markActive(db, user.id, Date.now() + 2 * 60 * 60 * 1000); // signs in again
    await setActivity(user.id, 0);
    await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "none", reason: "the account was used recently" } });
    expect(await db.select({ id: users.id }).from(users).where(eq(users.id, user.id))).toHaveLength(1);

    // Due for deletion when a review decided, but used before its deletion step ran (a retry can come much later): kept.
    await setActivity(user.id, 371, 31);
    await markActive(db, user.id, Date.now() + 4 * 60 * 60 * 1000);
    await expect(deleteInactiveAccount(db, getEnv(), user.id)).resolves.toEqual({ deleted: false });
    expect(await db.select({ id: users.id }).from(users).where(eq(users.id, user.id))).toHaveLength(1);
  });

  it("a warning from before the last use does not count, and one sent while the owner came back is not recorded", async () => {
    const db = await getDb();
    const { user, email } = await optedIn("inactive-stale-warning");
    // Warned long ago, used since, then away again: a new warning is due, not the deletion.
    await setActivity(user.id, 370, 400);
    await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "warned" } });
    expect(mailsTo(email)).toHaveLength(1);

    // Due again; the owner signs in while the mail is on its way: the warning is not recorded.
    await setActivity(user.id, 340);
    await markActive(db, user.id, Date.now() + 6 * 60 * 60 * 1000);
    await expect(warnInactiveAccount(db, getEnv(), user.id, new Date().toISOString())).resolves.toBeNull();
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.inactivityWarnedAt).toBeNull();
  });

  it("a production server without SMTP_URL warns and deletes no one", async () => {
    const { user } = await optedIn("inactive-no-smtp");
    await setActivity(user.id, 371, 31);
    // Production on a database server also requires its shared secrets (env.ts).
    await withEnv({ SMTP_URL: "", NODE_ENV: "production", ...(process.env.DATABASE_URL ? PRODUCTION_SECRETS : {}) }, async () => {
      await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "none", reason: expect.stringMatching(/no mail server is configured/) } });
    });
    expect(await (await getDb()).select({ id: users.id }).from(users).where(eq(users.id, user.id))).toHaveLength(1);
  });

  it("an SMTP failure records no warning; the retry sends it", async () => {
    const db = await getDb();
    const { user, email } = await optedIn("inactive-smtp-down");
    await setActivity(user.id, 340);
    smtp.rejectNext(451, "4.3.0 Temporary server error, try again later");
    const t = review(user.id);
    const failed = await t.execute();
    expect((failed.error as { message: string }).message).toMatch(/451/);
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.inactivityWarnedAt).toBeNull();
    expect(mailsTo(email)).toHaveLength(0);

    await expect(t.execute()).resolves.toMatchObject({ result: { action: "warned" } });
    expect(mailsTo(email)).toHaveLength(1);
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.inactivityWarnedAt).not.toBeNull();
  });

  it("without SMTP_URL the warning is written to the outbox, as it would have been sent", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "devpulse-outbox-"));
    try {
      await withEnv({ SMTP_URL: "", DATA_DIR: dataDir }, async () => {
        const { user, email } = await optedIn("inactive-outbox");
        await setActivity(user.id, 340);
        await expect(review(user.id).execute()).resolves.toMatchObject({ result: { action: "warned", via: "outbox" } });
        const files = readdirSync(join(dataDir, "outbox"));
        expect(files).toHaveLength(1);
        const eml = readFileSync(join(dataDir, "outbox", files[0]!), "utf8");
        expect(eml).toMatch(new RegExp(`^To: ${email.replace(/[.+]/g, "\\$&")}$`, "m"));
        const headers = eml.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " "); // unfolded: a long Subject is folded onto two lines
        expect(headers).toMatch(new RegExp(`^Subject: ${warningSubject()}\r?$`, "m"));
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
