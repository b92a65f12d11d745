import { randomUUID } from "node:crypto";
import { and, eq, inArray, like } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { getDb, type Db } from "~/server/db/client";
import { jobRuns, notificationDecisions, rateLimits } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { deliverDue } from "~/server/notifications/deliver";
import { notify, type NotifyOptions } from "~/server/notifications/notify";
import { setNotificationSendLimits, type ChannelLimits } from "~/server/notifications/rate-limits";
import type { DueDelivery } from "~/server/notifications/schedule";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { useSmtpMailbox } from "../support/smtp-mailbox";
import { until } from "../support/until";
import { restartSuiteJobRunner } from "../support/job-runs";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * Batching, on a recorded burst trace: a sync raising 200 conflicts (four pushes), an
 * integration flapping ten times, 30 devices signing in. The trace is decided at its recorded
 * times; deliveries run at the times they were scheduled for, as the delivery job would.
 * Then: a digest waiting across a job-runner restart, rate limits that defer, never drop, on each
 * store they can live in, and priority when sends queue up (src/server/notifications/priority.ts).
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const onPostgres = Boolean(workerDatabaseUrl());

const smtp = useSmtpMailbox();
let redis: Redis | undefined;
afterAll(() => redis?.disconnect());
afterEach(() => setNotificationSendLimits(null));

const generous: ChannelLimits = {
  burst: { points: 1000, durationSeconds: 60 },
  perUser: { points: 1000, durationSeconds: 3600 },
  global: { points: 100_000, durationSeconds: 60 },
  urgent: { points: 1000, durationSeconds: 60 },
};
/** Two urgent mails per two seconds per user: the devices' burst trips it; the window is short enough to wait out. */
const tight: ChannelLimits = { ...generous, urgent: { points: 2, durationSeconds: 2 } };
const { mailsTo } = smtp;

/** Limits for this test alone: its counters under a prefix of its own, so a global ceiling starts at zero. Returns the prefix. */
function limitSends(email: ChannelLimits): string {
  const keyPrefix = `test-${randomUUID()}:`;
  setNotificationSendLimits({ email }, { keyPrefix });
  return keyPrefix;
}

/** Every category immediate by email, no quiet hours or focus holds: whatever the defaults, only the limits hold mail back. */
async function mailEverythingAtOnce(caller: Awaited<ReturnType<typeof signedUpUser>>["caller"]) {
  const immediate = { frequency: "immediate" as const, channels: ["inApp" as const, "email" as const] };
  await caller.notifications.preferences.update({
    categories: { sync: immediate, account: immediate, security: immediate, summary: immediate },
    quietHours: { enabled: false },
    doNotDisturbUntil: null,
    holdWhileFocused: false,
    timeZone: "UTC",
  });
}

const exportReady = (db: Db, userId: string, options: NotifyOptions = { deliverNow: ["email"] }) =>
  notify(db, userId, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: 1 }, options);
const weeklySummary = (db: Db, userId: string, options: NotifyOptions = { deliverNow: ["email"] }) =>
  notify(db, userId, "summary.weekly", { weekStart: "2026-11-30", codingMinutes: 0, commits: 12, focusMinutes: 240, conflictsResolved: 1 }, options);
const newDevice = (db: Db, userId: string) =>
  notify(db, userId, "security.device_signed_in", { deviceId: randomUUID(), deviceName: "New laptop", signedInAt: new Date().toISOString() }, { deliverNow: ["email"] });

async function emailDecisions(userId: string) {
  return (await getDb())
    .select()
    .from(notificationDecisions)
    .where(and(eq(notificationDecisions.userId, userId), eq(notificationDecisions.channel, "email")));
}

describe("notifications: batching a burst trace", () => {
  it("200 conflicts, a flapping integration and 30 new devices become a handful of messages, nothing lost", async () => {
    setNotificationSendLimits({ email: generous });
    const { user, email, caller } = await signedUpUser("notify-burst");
    await caller.notifications.preferences.update({ categories: { sync: { frequency: "hourly" } }, timeZone: "UTC" });
    const db = await getDb();
    const t0 = Date.parse("2026-01-15T10:05:00Z");
    const scheduled: DueDelivery[] = [];
    const schedule = async (deliveries: DueDelivery[]) => void scheduled.push(...deliveries);
    const trace: { at: number; run: (now: Date) => Promise<unknown> }[] = [];
    for (let push = 0; push < 4; push++)
      trace.push({ at: t0 + push * 60_000, run: (now) => notify(db, user.id, "sync.conflict_detected", { count: 50, conflictIds: Array.from({ length: 50 }, () => randomUUID()) }, { now, schedule }) });
    for (let failure = 0; failure < 10; failure++)
      trace.push({ at: t0 + failure * 30_000 + 1000, run: (now) => notify(db, user.id, "integration.failed", { provider: "github", status: "error", message: "GitHub answered 502" }, { now, schedule }) });
    for (let device = 0; device < 30; device++)
      trace.push({ at: t0 + 85 * 60_000 + device * 1000, run: (now) => notify(db, user.id, "security.device_signed_in", { deviceId: randomUUID(), deviceName: `Laptop ${device}`, signedInAt: new Date(t0).toISOString() }, { now, schedule }) });

    // Decide in recorded order; deliver what is due before each event, as the job would have.
    const done = new Set<string>();
    const deliverUpTo = async (time: number) => {
      for (const due of scheduled.filter((delivery) => delivery.channel === "email" && delivery.at.getTime() <= time).sort((a, b) => a.at.getTime() - b.at.getTime())) {
        const key = `${due.at.getTime()}`;
        if (done.has(key)) continue;
        done.add(key);
        await deliverDue(db, getEnv(), user.id, "email", { now: due.at });
      }
    };
    // At 11:30 the devices arrive, and meet an urgent limit of five mails an hour (the limiter counts in real time,
    // so it is switched on for them; the rest of the trace ran with room to spare).
    const devicesFrom = t0 + 85 * 60_000;
    for (const event of trace.sort((a, b) => a.at - b.at)) {
      await deliverUpTo(event.at);
      if (event.at === devicesFrom) setNotificationSendLimits({ email: { ...generous, urgent: { points: 5, durationSeconds: 3600 } } });
      await event.run(new Date(event.at));
    }
    await deliverUpTo(Date.parse("2026-01-15T11:45:00Z"));

    // In-app: one conflicts notification counting 200, one integration counting 10 failures, 30 devices (urgent ones never fold).
    const listed = (await caller.notifications.list({ limit: 100 })).items;
    expect(listed.filter((item) => item.kind === "sync.conflict_detected").map((item) => [item.title, item.count])).toEqual([["200 sync conflicts need your choice", 4]]);
    expect(listed.filter((item) => item.kind === "integration.failed").map((item) => [item.title, item.count])).toEqual([["GitHub sync failed 10 times", 10]]);
    expect(listed.filter((item) => item.kind === "security.device_signed_in")).toHaveLength(30);

    // The conflicts waited for the 11:00 digest; the integration went at once, and its flapping (until 10:09:31)
    // mailed nothing more: each failure folded into the notification already emailed, whose count the list shows.
    const decisions = await emailDecisions(user.id);
    expect(new Set(decisions.filter((row) => row.reason === "digest" && row.deliverAt?.toISOString() === "2026-01-15T11:00:00.000Z").map((row) => row.notificationId)).size).toBe(1);
    const folded = decisions.filter((row) => row.reason === "folded");
    expect(folded).toHaveLength(9);
    expect(folded.every((row) => row.outcome === "drop" && row.deliveredAt === null && row.reasonText === "folded into a notification already sent; the list shows its count as it grows")).toBe(true);

    // The devices: urgent, so sent at once until the burst limit (5 an hour), the rest deferred, never dropped...
    const deferred = decisions.filter((row) => row.reason === "rate_limited");
    expect(deferred).toHaveLength(25);
    expect(deferred.every((row) => row.outcome === "hold" && row.deliveredAt === null)).toBe(true);
    // ...and sent as one message once the limit has room again (a fresh allowance stands in for the hour passing).
    setNotificationSendLimits({ email: generous });
    const released = await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-15T13:00:00Z") });
    expect(released).toMatchObject({ messages: 1, delivered: 25 });

    // Nothing lost: every email decision not folded away went out, in 5 + 1 device mails, 1 integration mail and 1 conflicts mail.
    expect((await emailDecisions(user.id)).filter((row) => row.deliveredAt === null && row.outcome !== "drop")).toEqual([]);
    const mails = mailsTo(email);
    expect(mails).toHaveLength(8);
    expect(mails.filter((mail) => mail.subject.includes("GitHub sync failed"))).toHaveLength(1);
    expect(mails.filter((mail) => mail.subject.includes("200 sync conflicts"))).toHaveLength(1);
    expect(mails.filter((mail) => mail.subject.includes("New device signed in"))).toHaveLength(5);
    // Released by the limit, not by a frequency the user chose: a held digest, not an "hourly" one.
    expect(mails.filter((mail) => /^While you were busy, DevPulse held: \d+ notifications$/.test(mail.subject))).toHaveLength(1);
    // The naive sender would have sent 4 + 10 + 30 = 44.
  }, 90_000);

  it("a digest held until do-not-disturb ends survives a job-runner restart and goes out once", async () => {
    setNotificationSendLimits({ email: generous });
    const { user, email, caller } = await signedUpUser("notify-restart");
    const until3s = new Date(Date.now() + 3000).toISOString();
    await caller.notifications.preferences.update({ doNotDisturbUntil: until3s });
    const db = await getDb();
    for (let index = 0; index < 3; index++) await notify(db, user.id, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: index });
    const sleeping = await until(
      () => db.select().from(jobRuns).where(and(eq(jobRuns.functionId, "deliver-notifications"), eq(jobRuns.userId, user.id), inArray(jobRuns.status, ["sleeping", "queued"]))),
      (rows) => rows.some((row) => row.status === "sleeping"),
      5000,
      50,
    );
    // The held deliveries sleep until do-not-disturb ends.
    expect(sleeping.filter((row) => row.status === "sleeping").map((row) => row.nextAt?.toISOString())).toContain(until3s);

    // The server restarts while the digest waits: a new runner takes over the sleeping run.
    await restartSuiteJobRunner();

    await until(() => mailsTo(email), (mails) => mails.length > 0, 15_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mails = mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("While you were busy, DevPulse held: 3 notifications");
    const decisions = await emailDecisions(user.id);
    expect(decisions).toHaveLength(3);
    expect(decisions.every((row) => row.deliveredAt !== null && row.deliveredAt >= new Date(until3s))).toBe(true);
  });
});

describe("notifications: priority within one user's mail", () => {
  it("a low notice never interrupts: a weekly summary due while a conflict waits for the hourly digest goes in that digest", async () => {
    limitSends(generous);
    const { user, email, caller } = await signedUpUser("notify-low-rides");
    await mailEverythingAtOnce(caller);
    await caller.notifications.preferences.update({ categories: { sync: { frequency: "hourly" } } });
    const db = await getDb();
    const schedule = async () => {};
    await notify(db, user.id, "sync.conflict_detected", { count: 2, conflictIds: [randomUUID(), randomUUID()] }, { now: new Date("2026-01-12T10:05:00Z"), schedule });
    const summary = await weeklySummary(db, user.id, { now: new Date("2026-01-12T10:10:00Z"), schedule });
    expect(summary.decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "send" });

    // Due now, but a normal notice waits for 11:00: the summary waits to go with it.
    const atOnce = await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T10:10:00Z") });
    expect(atOnce).toMatchObject({ messages: 0, deferredTo: new Date("2026-01-12T11:00:00Z") });
    const [waiting] = (await emailDecisions(user.id)).filter((row) => row.notificationId === summary.notificationId);
    expect(waiting).toMatchObject({ outcome: "hold", reason: "digest", reasonText: "low priority: goes with the message at 11:00", deliveredAt: null });

    const digest = await deliverDue(db, getEnv(), user.id, "email", { now: new Date("2026-01-12T11:00:00Z") });
    expect(digest).toMatchObject({ messages: 1, delivered: 2 });
    expect(mailsTo(email).map((mail) => mail.subject)).toEqual(["Your hourly DevPulse digest: 2 notifications"]);
  });

  it("a low notice uses at most half of the user's allowance: it waits, and the normal one after it goes", async () => {
    limitSends({ ...generous, burst: { points: 2, durationSeconds: 3600 } });
    const { user, email, caller } = await signedUpUser("notify-low-share");
    await mailEverythingAtOnce(caller);
    const db = await getDb();
    expect((await exportReady(db, user.id)).delivered.email).toBeDefined();
    const summary = await weeklySummary(db, user.id);
    expect(summary.delivered.email).toBeUndefined();
    expect((await exportReady(db, user.id)).delivered.email).toBeDefined();
    const [held] = (await emailDecisions(user.id)).filter((row) => row.notificationId === summary.notificationId);
    expect(held).toMatchObject({ outcome: "hold", reason: "rate_limited", deliveredAt: null });

    // Once the allowance has room again (a fresh one stands in for the hour), it goes: late, not lost.
    limitSends(generous);
    expect(await deliverDue(db, getEnv(), user.id, "email", { now: held!.deliverAt! })).toMatchObject({ messages: 1, delivered: 1 });
    expect(mailsTo(email).map((mail) => mail.subject)).toEqual(["Your data export is ready", "Your data export is ready", "Your week in DevPulse"]);
  });
});

describe.each([
  ["the deployment's store (memory on PGlite, the rate_limits table on Postgres)", () => ({}), onPostgres ? ("database" as const) : ("memory" as const)],
  ["Redis", () => ({ REDIS_URL }), "redis" as const],
])("notifications: rate limits kept in %s defer, never drop", (_store, env, store) => {
  useEnv(env);

  /** The send counters under this test's prefix are in the store the deployment says, and in no other (Redis down would leave them in memory). */
  async function expectCountersIn(keyPrefix: string) {
    const rows = await (await getDb()).select().from(rateLimits).where(like(rateLimits.key, `${keyPrefix}notify:%`));
    redis ??= new Redis(REDIS_URL);
    const redisKeys = await redis.keys(`${keyPrefix}notify:*`);
    expect({ database: rows.length > 0, redis: redisKeys.length > 0 }).toEqual({ database: store === "database", redis: store === "redis" });
  }

  it("sends two at once, holds the rest, and sends them together when the limit allows", async () => {
    const keyPrefix = limitSends(tight);
    const { user, email } = await signedUpUser("notify-limits");
    const db = await getDb();
    // Each delivered before notify returns, as an urgent notice is: the third finds the burst limit used up.
    const results = [];
    for (let index = 0; index < 6; index++)
      results.push(await notify(db, user.id, "security.device_signed_in", { deviceId: randomUUID(), deviceName: `Phone ${index}`, signedInAt: new Date().toISOString() }, { deliverNow: ["email"] }));
    expect(results.map((result) => result.delivered.email !== undefined)).toEqual([true, true, false, false, false, false]);
    const deliveredAll = await until(
      () => emailDecisions(user.id),
      (rows) => rows.length === 6 && rows.every((row) => row.deliveredAt !== null),
      20_000,
      100,
    );
    expect(deliveredAll.filter((row) => row.reason === "rate_limited").length).toBeGreaterThanOrEqual(4);
    // 2 + one message for the held four (it may take two, if the limit lifts between two releases).
    const mails = mailsTo(email);
    expect(mails.length).toBeGreaterThanOrEqual(3);
    expect(mails.length).toBeLessThanOrEqual(4);
    expect(deliveredAll.every((row) => row.outcome !== "drop")).toBe(true);
    await expectCountersIn(keyPrefix);
  });

  it("the per-user hourly limit refuses the third mail of the hour: it and the next wait for the hour's end, then go as one", async () => {
    const keyPrefix = limitSends({ ...generous, perUser: { points: 2, durationSeconds: 3600 } });
    const { user, email, caller } = await signedUpUser("notify-hourly");
    await mailEverythingAtOnce(caller);
    const db = await getDb();
    const startedAt = Date.now();
    const sent = [];
    for (let index = 0; index < 4; index++) sent.push((await exportReady(db, user.id)).delivered.email !== undefined);
    expect(sent).toEqual([true, true, false, false]);
    // Held, not dropped, until the hour's window ends: only the hourly limit has a window that long.
    const held = (await emailDecisions(user.id)).filter((row) => row.deliveredAt === null);
    expect(held.map((row) => [row.outcome, row.reason])).toEqual([
      ["hold", "rate_limited"],
      ["hold", "rate_limited"],
    ]);
    for (const row of held) {
      expect(row.deliverAt!.getTime()).toBeGreaterThan(startedAt + 3500_000);
      // At the hour's end, rounded up to a whole second (so sends refused together are released together).
      expect(row.deliverAt!.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    }
    await expectCountersIn(keyPrefix);

    // The hour passes (a fresh allowance stands in for it): both go out in one message.
    limitSends(generous);
    const released = await deliverDue(db, getEnv(), user.id, "email", { now: new Date(Date.now() + 3600_000 + 1000) });
    expect(released).toMatchObject({ messages: 1, delivered: 2 });
    expect((await emailDecisions(user.id)).filter((row) => row.deliveredAt === null)).toEqual([]);
    expect(mailsTo(email)).toHaveLength(3);
  });

  it("a burst of low and normal mail, then an urgent notice, at the global ceiling: the urgent one goes at once, then the normal, then the low; the ceiling refused them, and nothing is lost", async () => {
    // Only the global ceiling can refuse: 4 mails in 4 s for everyone, of which urgent ones may use
    // all, normal ones 3 (a tenth, rounded up, is kept for urgent ones), low ones 2 (half).
    const keyPrefix = limitSends({ ...generous, global: { points: 4, durationSeconds: 4 } });
    const [busy, lowUser, normalUser, urgentUser] = await Promise.all([signedUpUser("notify-busy"), signedUpUser("notify-low"), signedUpUser("notify-normal"), signedUpUser("notify-urgent")]);
    for (const account of [busy, lowUser, normalUser, urgentUser]) await mailEverythingAtOnce(account.caller);
    const db = await getDb();
    // Ordinary mail takes the ceiling up to its share.
    for (let index = 0; index < 3; index++) expect((await exportReady(db, busy.user.id)).delivered.email).toBeDefined();

    const low = await weeklySummary(db, lowUser.user.id);
    const normal = await exportReady(db, normalUser.user.id);
    const urgent = await newDevice(db, urgentUser.user.id);
    expect([low, normal, urgent].map((result) => result.delivered.email !== undefined)).toEqual([false, false, true]);
    const heldFor = async (userId: string) => (await emailDecisions(userId)).map((row) => [row.outcome, row.reason]);
    expect([await heldFor(lowUser.user.id), await heldFor(normalUser.user.id)]).toEqual([[["hold", "rate_limited"]], [["hold", "rate_limited"]]]);
    await expectCountersIn(keyPrefix);

    // The delivery jobs release them when the ceiling allows: the normal one first, the low one once no normal mail waits.
    const delivered = async (userId: string) => (await emailDecisions(userId))[0]!.deliveredAt;
    await until(() => Promise.all([delivered(lowUser.user.id), delivered(normalUser.user.id)]), (times) => times.every((time) => time !== null), 20_000, 100);
    const [urgentAt, normalAt, lowAt] = await Promise.all([urgentUser, normalUser, lowUser].map((account) => delivered(account.user.id)));
    expect(urgentAt!.getTime()).toBeLessThan(normalAt!.getTime());
    expect(normalAt!.getTime()).toBeLessThan(lowAt!.getTime());
    const order = smtp.double.received.filter((mail) => [lowUser, normalUser, urgentUser].some((account) => mail.to.includes(account.email))).map((mail) => mail.subject);
    expect(order).toEqual([expect.stringContaining("New device signed in"), expect.stringContaining("Your data export is ready"), expect.stringContaining("Your week in DevPulse")]);
  }, 30_000);

  it("ordinary mail that used up the user's allowance never holds back an urgent notice", async () => {
    limitSends({ ...generous, burst: { points: 1, durationSeconds: 3600 } });
    const { user } = await signedUpUser("notify-urgent-room");
    const db = await getDb();
    const ready = () => notify(db, user.id, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: 1 }, { deliverNow: ["email"] });
    expect((await ready()).delivered.email).toBeDefined();
    expect((await ready()).delivered.email).toBeUndefined(); // the ordinary allowance is used up: held
    const device = await notify(db, user.id, "security.device_signed_in", { deviceId: randomUUID(), deviceName: "New laptop", signedInAt: new Date().toISOString() }, { deliverNow: ["email"] });
    expect(device.delivered.email).toBeDefined();
  });
});
