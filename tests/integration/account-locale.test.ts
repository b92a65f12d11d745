import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { POST } from "~/app/api/trpc/[trpc]/route";
import { getDb } from "~/server/db/client";
import { sendEmail } from "~/server/email/send";
import { getEnv } from "~/server/env";
import { notify } from "~/server/notifications/notify";
import { collectUserData } from "~/server/privacy/export";
import { anonymousCaller, callerFor, connectDevice, errorOf, sessionCookieFor, signedUpUser } from "../support/callers";
import { useSmtpMailbox } from "../support/smtp-mailbox";
import { TEST_BASE_URL } from "../support/http";

/**
 * The user's locale (users.locale): set on the notification settings page through
 * account.updateLocale, and used for every mail's dates, times and numbers, with the
 * copy still English.
 */

const { mailsTo } = useSmtpMailbox();

/** The account page's tRPC mutation over HTTP with a browser cookie: the status a client sees. */
async function updateLocaleOverHttp(cookie: string, input: unknown) {
  const response = await POST(new Request(`${TEST_BASE_URL}/api/trpc/account.updateLocale`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ json: input }) }));
  return { status: response.status, body: (await response.json()) as { error?: { json: { message: string; data: { code: string } } } } };
}

describe("locale: the setting", () => {
  it("starts as en-GB, round-trips through account.updateLocale, and refuses an unsupported locale with a 400", async () => {
    const { user, caller } = await signedUpUser("locale-setting");
    expect((await caller.account.get()).locale).toBe("en-GB");
    await expect(caller.account.updateLocale({ locale: "de-DE" })).resolves.toEqual({ locale: "de-DE" });
    expect((await caller.account.get()).locale).toBe("de-DE");

    const refused = await errorOf(() => caller.account.updateLocale({ locale: "xx-XX" as never }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(/"xx-XX" is not a supported locale: choose one of en-GB, en-US/);
    // Over HTTP, as the page sends it: a 400 naming the field.
    const overHttp = await updateLocaleOverHttp(await sessionCookieFor(user), { locale: "klingon" });
    expect(overHttp.status).toBe(400);
    expect(overHttp.body.error?.json.message).toMatch(/locale: "klingon" is not a supported locale/);
    expect((await updateLocaleOverHttp(await sessionCookieFor(user), {})).status).toBe(400);
    expect((await caller.account.get()).locale).toBe("de-DE");
  });

  it("changes only the caller's own: naming another user is refused, a device token is refused, and so is no session", async () => {
    const owner = await signedUpUser("locale-owner");
    const other = await signedUpUser("locale-other");
    await owner.caller.account.updateLocale({ locale: "fr-FR" });

    const naming = await errorOf(() => other.caller.account.updateLocale({ locale: "ja-JP", userId: owner.user.id } as never));
    expect(naming.code).toBe("BAD_REQUEST");
    const device = await connectDevice(other.caller, "Laptop");
    const deviceCaller = await callerFor(other.user, { id: device.deviceId, name: "Laptop" });
    expect((await errorOf(() => deviceCaller.account.updateLocale({ locale: "ja-JP" }))).code).toBe("FORBIDDEN");
    expect((await errorOf(async () => (await anonymousCaller()).account.updateLocale({ locale: "ja-JP" }))).code).toBe("UNAUTHORIZED");

    expect((await owner.caller.account.get()).locale).toBe("fr-FR");
    expect((await other.caller.account.get()).locale).toBe("en-GB");
    // A change of one's own leaves the other's alone.
    await other.caller.account.updateLocale({ locale: "ja-JP" });
    expect((await owner.caller.account.get()).locale).toBe("fr-FR");
  });

  it("is in the user's data export", async () => {
    const { user, caller } = await signedUpUser("locale-export");
    await caller.account.updateLocale({ locale: "nl-NL" });
    const tables = await collectUserData(await getDb(), user.id);
    expect(tables.users).toEqual([expect.objectContaining({ id: user.id, locale: "nl-NL" })]);
  });
});

describe("locale: the mail", () => {
  const digest = { template: "digest" as const, window: "hourly" as const, items: [{ id: randomUUID(), createdAt: "2026-07-01T22:30:00Z", kind: "sync.conflict_detected" as const, data: { count: 3, conflictIds: [] } }] };

  async function readerIn(label: string, locale: "en-US" | "de-DE" | null) {
    const account = await signedUpUser(label);
    if (locale) await account.caller.account.updateLocale({ locale });
    await account.caller.notifications.preferences.update({ timeZone: "Europe/Berlin" });
    return account;
  }

  it("a digest sent through SMTP is written in the stored locale, on the reader's clock; a reader who never chose gets en-GB", async () => {
    const db = await getDb();
    const readers = { american: await readerIn("locale-mail-us", "en-US"), german: await readerIn("locale-mail-de", "de-DE"), unchosen: await readerIn("locale-mail-default", null) };
    // No locale is passed: sendEmail reads each reader's own, as for every caller.
    for (const reader of Object.values(readers)) {
      await expect(sendEmail(db, getEnv(), { userId: reader.user.id, to: reader.email, idempotencyKey: `locale:${randomUUID()}`, content: digest })).resolves.toMatchObject({ status: "sent", provider: "smtp" });
    }
    const [american] = mailsTo(readers.american.email);
    const [german] = mailsTo(readers.german.email);
    const [unchosen] = mailsTo(readers.unchosen.email);
    expect(american!.text).toMatch(/Jul 2, 2026, 12:30\sAM GMT\+2/);
    expect(german!.text).toMatch(/02\.07\.2026, 00:30 MESZ/);
    expect(unchosen!.text).toMatch(/2 Jul 2026, 00:30 CEST/);
    for (const mail of [american!, german!, unchosen!]) expect(mail.subject).toBe("Your hourly DevPulse digest: 1 notification");
  });

  it("mail from the notification layer follows it too: the deletion warning names the day the reader's way", async () => {
    const reader = await readerIn("locale-mail-warning", "de-DE");
    const sent = await notify(await getDb(), reader.user.id, "account.inactivity_warning", { deletionDate: "2026-04-09T04:00:00Z" }, { deliverNow: ["email"] });
    expect(sent.delivered.email).toBeDefined();
    const [warning] = mailsTo(reader.email);
    expect(warning!.subject).toBe("Your DevPulse Cloud account will be deleted on 9. April 2026");
    expect(warning!.text).toContain("On 9. April 2026 we will delete your account");
  });

  it("the preview is the viewer's: their locale, and the default for someone who never chose", async () => {
    const german = await readerIn("locale-preview-de", "de-DE");
    const unchosen = await readerIn("locale-preview-default", null);
    // The sample digest's first line was raised at 09:12 UTC: 10:12 in Berlin in March.
    expect((await german.caller.email.preview({ template: "digest" })).text).toMatch(/10\.03\.2026, 10:12 MEZ/);
    expect((await unchosen.caller.email.preview({ template: "digest" })).text).toMatch(/10 Mar 2026, 10:12 CET/);
  });
});
