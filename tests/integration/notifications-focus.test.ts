import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { jobRuns, notificationDecisions } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { metrics } from "~/server/metrics/registry";
import { deliverDue } from "~/server/notifications/deliver";
import { readFocus } from "~/server/notifications/focus";
import { notify } from "~/server/notifications/notify";
import type { Scheduler } from "~/server/notifications/schedule";
import { signedUpUser } from "../support/callers";
import { useSmtpMailbox } from "../support/smtp-mailbox";
import { until } from "../support/until";
import { endSleepingStatusRuns, settle } from "./status-helpers";

/**
 * "Hold non-urgent notifications while I am in focus", with the focus read from the live chat
 * status as the product sets it: a focus heartbeat from the desktop app, or the focus template
 * set on the page. Mail goes to the SMTP double; the decisions are read as the user reads them.
 */

const { mailsTo } = useSmtpMailbox();
// Entering focus starts status jobs (the apply, the focus session's end, the idle check): let them finish, end the sleeping ones.
afterEach(async () => {
  await settle();
  await endSleepingStatusRuns();
});

/** A zone half an hour off UTC, so a time read on the wrong clock shows in the minutes too. */
const ZONE = "Asia/Kolkata";
const MINUTE = 60_000;
/** "HH:MM" on the zone's clock, as the user reads it (within a day, no date). */
const clockIn = (timeZone: string, at: Date) => new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
const exportReady = () => ({ exportId: randomUUID(), format: "json" as const, bytes: 1200 });
const newDevice = () => ({ deviceId: randomUUID(), deviceName: "Work laptop", signedInAt: new Date().toISOString() });
/** Deliveries go nowhere: the test delivers them itself, at the moment it names. */
const keepSchedule: Scheduler = async () => {};

async function emailDecisionOf(notificationId: string) {
  const [row] = await (await getDb())
    .select()
    .from(notificationDecisions)
    .where(and(eq(notificationDecisions.notificationId, notificationId), eq(notificationDecisions.channel, "email")));
  return row!;
}

const heldInFocus = async () => (await metrics.notificationsDecided.get()).values.find((v) => v.labels.channel === "email" && v.labels.outcome === "hold" && v.labels.reason === "in_focus")?.value ?? 0;

type Account = Awaited<ReturnType<typeof signedUpUser>>;
/** The two ways a user enters focus with an end, as the product does it; each answers that end. */
const enterFocus: [string, (account: Account) => Promise<Date>][] = [
  [
    "a focus heartbeat from the desktop app",
    async ({ caller }) => {
      const focusUntil = new Date(Date.now() + 40 * MINUTE);
      await caller.status.heartbeat({ activity: "focus", focusUntil });
      return focusUntil;
    },
  ],
  [
    "the focus template set on the page for 25 minutes",
    async ({ caller }) => {
      const shown = await caller.status.set({ template: "focus", durationMinutes: 25 });
      return shown!.expiresAt!;
    },
  ],
];

describe("readFocus: the live focus from the chat status", () => {
  it("no status yet, another activity, a custom status, a cleared focus: not in focus", async () => {
    const account = await signedUpUser("focus-none");
    const db = await getDb();
    expect(await readFocus(db, account.user.id, new Date())).toBeNull();
    await account.caller.status.heartbeat({ activity: "coding" });
    expect(await readFocus(db, account.user.id, new Date())).toBeNull();
    // A status saying so in words is not the focus status.
    await account.caller.status.set({ custom: { text: "Deep work, do not disturb" }, durationMinutes: 30 });
    expect(await readFocus(db, account.user.id, new Date())).toBeNull();
    await account.caller.status.set({ template: "focus" });
    expect(await readFocus(db, account.user.id, new Date())).not.toBeNull();
    await account.caller.status.clear();
    expect(await readFocus(db, account.user.id, new Date())).toBeNull();
  });

  it.each(enterFocus)("%s: in focus until its end, and not from that end on", async (_way, start) => {
    const account = await signedUpUser("focus-until");
    const db = await getDb();
    const end = await start(account);
    expect(await readFocus(db, account.user.id, new Date())).toEqual({ until: end });
    expect(await readFocus(db, account.user.id, new Date(end.getTime() - 1))).toEqual({ until: end });
    // Expired: the row still says focus until the end job clears it, but it is over.
    expect(await readFocus(db, account.user.id, end)).toBeNull();
    expect(await readFocus(db, account.user.id, new Date(end.getTime() + MINUTE))).toBeNull();
  });

  it("a focus heartbeat without an end, or the focus template until changed: in focus with no set end", async () => {
    const db = await getDb();
    const fromHeartbeat = await signedUpUser("focus-open-heartbeat");
    await fromHeartbeat.caller.status.heartbeat({ activity: "focus" });
    expect(await readFocus(db, fromHeartbeat.user.id, new Date())).toEqual({ until: null });
    const fromPage = await signedUpUser("focus-open-page");
    await fromPage.caller.status.set({ template: "focus" });
    expect(await readFocus(db, fromPage.user.id, new Date(Date.now() + 6 * 60 * MINUTE))).toEqual({ until: null });
  });
});

describe("notify while in focus", () => {
  it.each(enterFocus)("%s holds non-urgent mail until the focus ends, in the user's zone; an urgent notice still goes; the held one goes when focus ends", async (_way, start) => {
    const account = await signedUpUser("focus-hold");
    const { user, email, caller } = account;
    await caller.notifications.preferences.update({ timeZone: ZONE });
    expect((await caller.notifications.preferences.get()).holdWhileFocused).toBe(true); // the default: "hold while in focus" is on
    const db = await getDb();
    const end = await start(account);
    const heldBefore = await heldInFocus();

    const held = await notify(db, user.id, "account.export_ready", exportReady());
    const reasonText = `in focus until ${clockIn(ZONE, end)}`;
    for (const channel of ["email", "desktop"] as const) {
      expect(held.decisions.find((decision) => decision.channel === channel)).toEqual({ channel, outcome: "hold", reason: "in_focus", reasonText, deliverAt: end });
    }
    // The user's decision log says the same, and the held series counts it.
    expect((await caller.notifications.decisions()).find((decision) => decision.notificationId === held.notificationId && decision.channel === "email")).toMatchObject({ outcome: "hold", reasonText, deliveredAt: null });
    expect(await heldInFocus()).toBe(heldBefore + 1);
    // In the list at once: in-app interrupts nobody.
    expect((await caller.notifications.list()).items.map((item) => item.id)).toContain(held.notificationId);
    // The delivery job sleeps until the focus ends.
    const sleeping = await until(
      () => db.select({ nextAt: jobRuns.nextAt }).from(jobRuns).where(and(eq(jobRuns.functionId, "deliver-notifications"), eq(jobRuns.userId, user.id), eq(jobRuns.status, "sleeping"))),
      (rows) => rows.some((row) => row.nextAt?.getTime() === end.getTime()),
      5000,
      50,
    );
    expect(sleeping.length).toBeGreaterThan(0);

    // An urgent notice goes out through the focus, by the delivery job, now.
    const urgent = await notify(db, user.id, "security.device_signed_in", newDevice());
    expect(urgent.decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "send", reason: "urgent" });
    // The row is marked once the mail has left.
    await until(() => emailDecisionOf(urgent.notificationId), (decision) => decision.deliveredAt !== null, 10_000, 50);
    expect(mailsTo(email).filter((mail) => mail.subject.startsWith("New device signed in"))).toHaveLength(1);
    expect(mailsTo(email).filter((mail) => mail.subject === "Your data export is ready")).toHaveLength(0);

    // Before the end nothing is due; at the end (when the job wakes) the held one goes, once.
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date(end.getTime() - MINUTE) })).toMatchObject({ delivered: 0, messages: 0 });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: end })).toMatchObject({ delivered: 1, messages: 1, notificationIds: [held.notificationId] });
    expect(mailsTo(email).filter((mail) => mail.subject === "Your data export is ready")).toHaveLength(1);
    expect(await emailDecisionOf(held.notificationId)).toMatchObject({ deliveredAt: end, deliveredAs: "single via smtp" });
  });

  it("a focus that begins after the decision holds the mail again at delivery, until its end", async () => {
    const { user, email, caller } = await signedUpUser("focus-after-decision");
    await caller.notifications.preferences.update({ timeZone: ZONE });
    const db = await getDb();
    // Decided outside focus: due now (the delivery is the test's to run).
    const { notificationId, decisions } = await notify(db, user.id, "account.export_ready", exportReady(), { schedule: keepSchedule });
    expect(decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "send", reason: "immediate" });

    // Before the delivery job runs, the developer starts focusing.
    const focusUntil = new Date(Date.now() + 50 * MINUTE);
    await caller.status.heartbeat({ activity: "focus", focusUntil });
    const outcome = await deliverDue(db, getEnv(), user.id, "email");
    expect(outcome).toMatchObject({ delivered: 0, messages: 0, deferredTo: focusUntil });
    expect(await emailDecisionOf(notificationId)).toMatchObject({ outcome: "hold", reason: "in_focus", reasonText: `in focus until ${clockIn(ZONE, focusUntil)}`, deliverAt: focusUntil, deliveredAt: null, claimedUntil: null });
    expect(mailsTo(email)).toHaveLength(0);

    expect(await deliverDue(db, getEnv(), user.id, "email", { now: focusUntil })).toMatchObject({ delivered: 1, notificationIds: [notificationId] });
    expect(mailsTo(email).map((mail) => mail.subject)).toEqual(["Your data export is ready"]);
  });

  /** A user in ZONE who started focusing with no set end. */
  const inOpenFocus = async (label: string) => {
    const signedUp = await signedUpUser(label);
    await signedUp.caller.notifications.preferences.update({ timeZone: ZONE });
    await signedUp.caller.status.heartbeat({ activity: "focus" });
    return signedUp;
  };

  it("a focus with no set end holds the mail for half an hour, looks again, and lets it go once the focus is over", async () => {
    const { user, email, caller } = await inOpenFocus("focus-open-hold");
    const db = await getDb();
    const now = new Date();
    const { notificationId, decisions } = await notify(db, user.id, "account.export_ready", exportReady(), { now, schedule: keepSchedule });
    const recheck = new Date(now.getTime() + 30 * MINUTE);
    const lookedAgain = (at: Date) => `in focus (looked at again at ${clockIn(ZONE, at)})`;
    expect(decisions.find((decision) => decision.channel === "email")).toEqual({ channel: "email", outcome: "hold", reason: "in_focus", reasonText: lookedAgain(recheck), deliverAt: recheck });

    // Half an hour on, still focusing: another half hour.
    const again = new Date(recheck.getTime() + 30 * MINUTE);
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: recheck })).toMatchObject({ delivered: 0, deferredTo: again });
    expect(await emailDecisionOf(notificationId)).toMatchObject({ outcome: "hold", reasonText: lookedAgain(again), deliverAt: again });
    // The developer goes idle (the status clears): the next look sends it.
    await caller.status.heartbeat({ activity: "idle" });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: again })).toMatchObject({ delivered: 1, notificationIds: [notificationId] });
    expect(mailsTo(email)).toHaveLength(1);
  });

  it("a burst in a focus with no set end is mailed once: a fold held until a later look joins the message already waiting", async () => {
    const { user, email, caller } = await inOpenFocus("focus-open-burst");
    const db = await getDb();
    const now = new Date();
    const conflicts = (count: number, at: Date) => notify(db, user.id, "sync.conflict_detected", { count, conflictIds: [randomUUID()] }, { now: at, schedule: keepSchedule });
    const first = await conflicts(2, now);
    const second = await conflicts(3, new Date(now.getTime() + 5 * MINUTE));
    expect(second).toMatchObject({ folded: true, notificationId: first.notificationId });
    const recheck = new Date(now.getTime() + 30 * MINUTE);
    expect(second.decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "drop", reason: "folded", reasonText: `folded into a notification whose message goes at ${clockIn(ZONE, recheck)}` });

    await caller.status.heartbeat({ activity: "idle" });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: recheck })).toMatchObject({ messages: 1, notificationIds: [first.notificationId] });
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: new Date(now.getTime() + 35 * MINUTE) })).toMatchObject({ messages: 0 });
    expect(mailsTo(email)).toHaveLength(1);
  });

  it("with \"hold while in focus\" off, the same focus holds nothing, at the decision or at delivery", async () => {
    const { user, email, caller } = await signedUpUser("focus-hold-off");
    await caller.notifications.preferences.update({ timeZone: ZONE, holdWhileFocused: false });
    await caller.status.heartbeat({ activity: "focus", focusUntil: new Date(Date.now() + 40 * MINUTE) });
    const db = await getDb();
    const { notificationId, decisions } = await notify(db, user.id, "account.export_ready", exportReady(), { schedule: keepSchedule });
    expect(decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "send", reason: "immediate" });
    expect(await deliverDue(db, getEnv(), user.id, "email")).toMatchObject({ delivered: 1, notificationIds: [notificationId] });
    expect(mailsTo(email)).toHaveLength(1);
  });
});
