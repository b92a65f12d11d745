import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb, type Db } from "~/server/db/client";
import { notificationDecisions } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { deliverDue } from "~/server/notifications/deliver";
import { notify } from "~/server/notifications/notify";
import { setNotificationSendLimits } from "~/server/notifications/rate-limits";
import { signedUpUser } from "../support/callers";
import { useSmtpMailbox } from "../support/smtp-mailbox";

/**
 * A notification read in the app before its email or desktop ping went out is not sent there
 * (src/server/notifications/deliver.ts): a digest leaves it out, a digest of nothing but read ones
 * is not sent, and the decision says why. The webhook channel is not among them (covered with the
 * webhook tests): an endpoint mirrors notifications, read or not.
 */

const smtp = useSmtpMailbox();
afterEach(() => setNotificationSendLimits(null));

const generous = { points: 1000, durationSeconds: 60 };
const noSchedule = async () => {};
const exportReady = (db: Db, userId: string, at: string) =>
  notify(db, userId, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: 1 }, { now: new Date(at), schedule: noSchedule });

/** Account notices in an hourly digest, by email and on the desktop, with no other hold. */
async function hourlyAccountDigest(label: string) {
  setNotificationSendLimits(
    { email: { burst: generous, perUser: generous, global: generous, urgent: generous }, desktop: { burst: generous, perUser: generous, global: generous, urgent: generous } },
    { keyPrefix: `test-${randomUUID()}:` },
  );
  const signedUp = await signedUpUser(label);
  await signedUp.caller.notifications.preferences.update({
    categories: { account: { frequency: "hourly", channels: ["inApp", "email", "desktop"] } },
    quietHours: { enabled: false },
    doNotDisturbUntil: null,
    holdWhileFocused: false,
    timeZone: "UTC",
  });
  return signedUp;
}

async function decisionsOf(userId: string, notificationId: string) {
  const rows = await (await getDb())
    .select({ channel: notificationDecisions.channel, outcome: notificationDecisions.outcome, reason: notificationDecisions.reason, reasonText: notificationDecisions.reasonText, deliveredAt: notificationDecisions.deliveredAt })
    .from(notificationDecisions)
    .where(and(eq(notificationDecisions.userId, userId), eq(notificationDecisions.notificationId, notificationId)));
  return Object.fromEntries(rows.map((row) => [row.channel, row]));
}

describe("notifications: what the user has read is not sent again", () => {
  it("a digest leaves out the notification read before its window closed", async () => {
    const { user, email, caller } = await hourlyAccountDigest("read-digest");
    const db = await getDb();
    const first = await exportReady(db, user.id, "2026-01-12T10:05:00Z");
    const second = await exportReady(db, user.id, "2026-01-12T10:10:00Z");
    const third = await exportReady(db, user.id, "2026-01-12T10:15:00Z");
    expect((await decisionsOf(user.id, first.notificationId)).email).toMatchObject({ outcome: "hold", reason: "digest" });

    await caller.notifications.markRead({ ids: [second.notificationId] });
    const digest = await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T11:00:00Z") });
    expect(digest).toMatchObject({ messages: 1, delivered: 2 });
    expect(digest.notificationIds.sort()).toEqual([first.notificationId, third.notificationId].sort());
    expect(smtp.mailsTo(email).map((mail) => mail.subject)).toEqual(["Your hourly DevPulse digest: 2 notifications"]);
    expect((await decisionsOf(user.id, second.notificationId)).email).toMatchObject({ outcome: "drop", reason: "read", reasonText: "read in the app before it went out", deliveredAt: null });
    expect((await decisionsOf(user.id, first.notificationId)).email).toMatchObject({ outcome: "hold", reason: "digest", deliveredAt: expect.any(Date) });
  });

  it("a window of nothing but read notifications sends no email and no desktop ping", async () => {
    const { user, email, caller } = await hourlyAccountDigest("read-all");
    const db = await getDb();
    const one = await exportReady(db, user.id, "2026-01-12T10:05:00Z");
    const two = await exportReady(db, user.id, "2026-01-12T10:20:00Z");
    await caller.notifications.markAllRead();

    const at = new Date("2026-01-12T11:00:00Z");
    for (const channel of ["email", "desktop"] as const) {
      const outcome = await deliverDue(db, getEnv(), user.id, channel, { now: at });
      expect(outcome, channel).toMatchObject({ messages: 0, calls: 0, delivered: 0, notificationIds: [] });
    }
    expect(smtp.mailsTo(email)).toEqual([]);
    for (const id of [one.notificationId, two.notificationId]) {
      const decisions = await decisionsOf(user.id, id);
      expect(decisions.email).toMatchObject({ outcome: "drop", reason: "read" });
      expect(decisions.desktop).toMatchObject({ outcome: "drop", reason: "read" });
    }
    // Nothing is left waiting for a later delivery to find.
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T12:00:00Z") })).toMatchObject({ messages: 0 });
  });

  it("an unread notification still goes out as before", async () => {
    const { user, email } = await hourlyAccountDigest("read-none");
    const db = await getDb();
    const only = await exportReady(db, user.id, "2026-01-12T10:05:00Z");
    const outcome = await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T11:00:00Z") });
    expect(outcome).toMatchObject({ messages: 1, delivered: 1, notificationIds: [only.notificationId] });
    expect(smtp.mailsTo(email)).toHaveLength(1);
  });

  it("'only if still unread after 10 minutes': read within them, no email; left unread, the email goes when they end", async () => {
    const { user, email, caller } = await hourlyAccountDigest("read-unread-wait");
    await caller.notifications.preferences.update({ categories: { account: { frequency: "immediate" } }, emailUnreadAfterMinutes: 10 });
    const db = await getDb();
    const seen = await exportReady(db, user.id, "2026-01-12T10:00:00Z");
    expect((await decisionsOf(user.id, seen.notificationId)).email).toMatchObject({ outcome: "hold", reason: "unread_delay", reasonText: "emailed at 10:10 if still unread" });
    // The desktop is told at once, as ever: that is where the user sees it.
    expect((await decisionsOf(user.id, seen.notificationId)).desktop).toMatchObject({ outcome: "send", reason: "immediate" });
    await caller.notifications.markRead({ ids: [seen.notificationId] });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T10:10:00Z") })).toMatchObject({ messages: 0 });
    expect((await decisionsOf(user.id, seen.notificationId)).email).toMatchObject({ outcome: "drop", reason: "read" });

    const missed = await exportReady(db, user.id, "2026-01-12T10:30:00Z");
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T10:39:00Z") })).toMatchObject({ messages: 0 });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T10:40:00Z") })).toMatchObject({ messages: 1, notificationIds: [missed.notificationId] });
    expect(smtp.mailsTo(email)).toHaveLength(1);
  });

  it("'only if still unread': a burst folding into a notification whose email waits is emailed once, with the burst's count", async () => {
    const { user, email, caller } = await hourlyAccountDigest("read-unread-burst");
    await caller.notifications.preferences.update({ categories: { sync: { frequency: "immediate", channels: ["inApp", "email"] } }, emailUnreadAfterMinutes: 10 });
    const db = await getDb();
    const conflicts = (count: number, at: string) => notify(db, user.id, "sync.conflict_detected", { count, conflictIds: [randomUUID()] }, { now: new Date(at), schedule: noSchedule });
    const first = await conflicts(2, "2026-01-12T10:00:00Z");
    const second = await conflicts(3, "2026-01-12T10:01:00Z");
    expect(second).toMatchObject({ folded: true, notificationId: first.notificationId });
    expect(second.decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "drop", reason: "folded" });

    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T10:10:00Z") })).toMatchObject({ messages: 1, notificationIds: [first.notificationId] });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T10:11:00Z") })).toMatchObject({ messages: 0 });
    const mails = smtp.mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/5 sync conflicts/);
  });
});
