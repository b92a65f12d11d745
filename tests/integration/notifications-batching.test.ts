import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { jobRuns, notificationDecisions } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { jobFunctions } from "~/server/jobs/functions";
import { createInProcessRunner } from "~/server/jobs/runner";
import { useJobRunner } from "~/server/jobs/send";
import { deliverDue } from "~/server/notifications/deliver";
import { notify } from "~/server/notifications/notify";
import { setNotificationSendLimits, type ChannelLimits } from "~/server/notifications/rate-limits";
import type { DueDelivery } from "~/server/notifications/schedule";
import { startSmtpDouble } from "../doubles/smtp/server";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { until } from "../support/until";

/**
 * Batching, on a recorded burst trace: a sync raising 200 conflicts (four pushes), an
 * integration flapping ten times, 30 devices signing in. The trace is decided at its recorded
 * times; deliveries run at the times they were scheduled for, as the delivery job would.
 * Then: a digest waiting across a job-runner restart, and rate limits that defer, never drop.
 */

let smtp: Awaited<ReturnType<typeof startSmtpDouble>>;
beforeAll(async () => {
  smtp = await startSmtpDouble({ user: "devpulse", pass: "relay password" });
});
afterAll(() => smtp.close());
useEnv(() => ({ SMTP_URL: smtp.url, MAIL_FROM: "DevPulse Cloud <no-reply@devpulse.test>" }));
afterEach(() => setNotificationSendLimits(null));

const generous: ChannelLimits = {
  burst: { points: 1000, durationSeconds: 60 },
  perUser: { points: 1000, durationSeconds: 3600 },
  global: { points: 100_000, durationSeconds: 60 },
  urgent: { points: 1000, durationSeconds: 60 },
};
/** Two urgent mails per two seconds per user: the devices' burst trips it; the window is short enough to wait out. */
const tight: ChannelLimits = { ...generous, urgent: { points: 2, durationSeconds: 2 } };
const mailsTo = (email: string) => smtp.received.filter((mail) => mail.to.includes(email));

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
    expect(mails.filter((mail) => /digest: \d+ notifications/.test(mail.subject))).toHaveLength(1);
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
    const restarted = createInProcessRunner({ jobs: jobFunctions, retryDelayMs: () => 20, instanceId: `restarted-${randomUUID().slice(0, 8)}` });
    useJobRunner(restarted);
    await restarted.start();

    await until(() => mailsTo(email), (mails) => mails.length > 0, 15_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mails = mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/digest: 3 notifications/);
    const decisions = await emailDecisions(user.id);
    expect(decisions).toHaveLength(3);
    expect(decisions.every((row) => row.deliveredAt !== null && row.deliveredAt >= new Date(until3s))).toBe(true);
  });
});

describe.each([
  ["the deployment's store (memory on PGlite, the rate_limits table on Postgres)", () => ({})],
  ["Redis", () => ({ REDIS_URL: "redis://127.0.0.1:6379" })],
])("notifications: rate limits kept in %s defer, never drop", (_store, env) => {
  useEnv(env);
  it("sends two at once, holds the rest, and sends them together when the limit allows", async () => {
    setNotificationSendLimits({ email: tight });
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
  });

  it("ordinary mail that used up the user's allowance never holds back an urgent notice", async () => {
    setNotificationSendLimits({ email: { ...generous, burst: { points: 1, durationSeconds: 3600 } } });
    const { user } = await signedUpUser("notify-urgent-room");
    const db = await getDb();
    const ready = () => notify(db, user.id, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: 1 }, { deliverNow: ["email"] });
    expect((await ready()).delivered.email).toBeDefined();
    expect((await ready()).delivered.email).toBeUndefined(); // the ordinary allowance is used up: held
    const device = await notify(db, user.id, "security.device_signed_in", { deviceId: randomUUID(), deviceName: "New laptop", signedInAt: new Date().toISOString() }, { deliverNow: ["email"] });
    expect(device.delivered.email).toBeDefined();
  });
});
