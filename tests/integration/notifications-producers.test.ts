import { and, asc, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DAY } from "~/lib/calendar/zoned-time";
import type { NotificationKind } from "~/lib/notifications/catalog";
import { getDb } from "~/server/db/client";
import { calendars, focusBlocks, integrations, jobEvents, jobRuns, notifications, syncConflicts } from "~/server/db/schema";
import { recordIntegrationFailure } from "~/server/integrations/failures";
import { cacheCommits } from "~/server/integrations/git-sync";
import { focusReminderRequested, remindFocusBlock } from "~/server/notifications/producers/focus-reminders";
import { previousWeekStart, sendWeeklySummary } from "~/server/notifications/producers/weekly-summary";
import { jobs } from "~/server/jobs/send";
import { signedUpUser } from "../support/callers";
import { change, push, userWithDevices } from "../support/sync";
import { until } from "../support/until";

/**
 * Producers: each event notifies from the place it happens, once per occurrence, and a failing
 * notification never fails the action it reports on.
 */

const listOf = async (caller: Awaited<ReturnType<typeof userWithDevices>>["caller"]) => (await caller.notifications.list({ limit: 100 })).items;

/**
 * The notifications of `kind` made for any of these users, oldest first: who got one is read from
 * its row (a producer handing notify the wrong id would list nothing for the user, and show here).
 */
async function madeFor(userIds: string[], kind: NotificationKind) {
  return (await getDb())
    .select({ userId: notifications.userId, kind: notifications.kind, data: notifications.data, count: notifications.count })
    .from(notifications)
    .where(and(inArray(notifications.userId, userIds), eq(notifications.kind, kind)))
    .orderBy(asc(notifications.createdAt));
}

/**
 * The push hands its conflict notice to a job (the push path only records the durable event):
 * the event, as the push left it, once that job's run for the user has finished.
 */
async function conflictNoticeHandedOff(userId: string) {
  const db = await getDb();
  await until(
    () => db.select({ finishedAt: jobRuns.finishedAt }).from(jobRuns).where(and(eq(jobRuns.functionId, "notify-sync-conflicts"), eq(jobRuns.userId, userId))),
    (runs) => runs.length > 0 && runs.every((run) => run.finishedAt !== null),
  );
  return db.select({ name: jobEvents.name, data: jobEvents.data }).from(jobEvents).where(and(eq(jobEvents.userId, userId), eq(jobEvents.name, "sync/conflicts.detected")));
}

/** A Google calendar of the user's, for focus blocks. */
async function calendarOf(userId: string) {
  const db = await getDb();
  const [integration] = await db.insert(integrations).values({ userId, provider: "google", status: "connected" } as never).returning();
  const [calendar] = await db.insert(calendars).values({ userId, integrationId: integration!.id, provider: "google", externalId: "primary", name: "Work" } as never).returning();
  return calendar!;
}

describe("notifications: producers", () => {
  it("a sync push raising 50 conflicts is one notification with a count; new devices are urgent notices", async () => {
    const setup = await userWithDevices("notify-producer-sync");
    // Another user pushing the same ids, without conflicts, is told nothing about them.
    const bystander = await userWithDevices("notify-producer-sync-other");
    const ids = Array.from({ length: 50 }, (_, index) => `r${index}`);
    await push(bystander.laptop, ids.map((id) => change(id, null, "base")));
    await push(setup.laptop, ids.map((id) => change(id, null, "base")));
    await push(setup.laptop, ids.map((id) => change(id, 1, "remote")));
    const result = await push(setup.desktop, ids.map((id) => change(id, 1, "local")));
    expect(result.conflicts).toBe(50);
    const conflictIds = result.results.flatMap((entry) => (entry.status === "conflict" ? [entry.conflictId] : []));
    expect(conflictIds).toHaveLength(50);
    const [handedOff, ...more] = await conflictNoticeHandedOff(setup.user.id);
    expect(more).toEqual([]);
    expect(handedOff).toEqual({ name: "sync/conflicts.detected", data: { userId: setup.user.id, count: 50, conflictIds: expect.any(Array) } });

    const made = await madeFor([setup.user.id, bystander.user.id], "sync.conflict_detected");
    expect(made).toEqual([{ userId: setup.user.id, kind: "sync.conflict_detected", data: { count: 50, conflictIds: expect.any(Array) }, count: 1 }]);
    expect([...(made[0]!.data as { conflictIds: string[] }).conflictIds].sort()).toEqual([...conflictIds].sort());
    const [listed] = (await listOf(setup.caller)).filter((item) => item.kind === "sync.conflict_detected");
    expect(listed).toMatchObject({ title: "50 sync conflicts need your choice", href: "/conflicts" });

    // userWithDevices connected two devices: two urgent notices, each naming its device, never folded.
    const devices = await madeFor([setup.user.id], "security.device_signed_in");
    expect(devices).toEqual(
      [setup.laptop, setup.desktop].map((device, index) => ({
        userId: setup.user.id,
        kind: "security.device_signed_in",
        data: { deviceId: device.id, deviceName: ["laptop", "desktop"][index], signedInAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        count: 1,
      })),
    );
    expect((await listOf(setup.caller)).filter((item) => item.kind === "security.device_signed_in").map((item) => item.priority)).toEqual(["urgent", "urgent"]);
  });

  it("a notification that cannot be made never fails the push that raised it", async () => {
    const setup = await userWithDevices("notify-producer-safe");
    const db = await getDb();
    // The user's preferences are unreadable garbage: notify throws, the push must not.
    await db.execute(`insert into notification_preferences (user_id, settings) values ('${setup.user.id}', '{"timeZone": 42}') on conflict (user_id) do update set settings = excluded.settings` as never);
    await push(setup.laptop, [change("x", null, "base")]);
    await push(setup.laptop, [change("x", 1, "remote")]);
    const result = await push(setup.desktop, [change("x", 1, "local")]);
    expect(result.conflicts).toBe(1);
    await conflictNoticeHandedOff(setup.user.id);
    expect((await db.select().from(syncConflicts).where(eq(syncConflicts.userId, setup.user.id))).length).toBe(1);
    expect((await db.select().from(notifications).where(and(eq(notifications.userId, setup.user.id), eq(notifications.kind, "sync.conflict_detected"))))).toEqual([]);
  });

  it("an integration failing again and again folds into one notification counting its failures", async () => {
    const setup = await signedUpUser("notify-producer-integration");
    const bystander = await signedUpUser("notify-producer-integration-other");
    const db = await getDb();
    for (const userId of [setup.user.id, bystander.user.id]) await db.insert(integrations).values({ userId, provider: "github", status: "connected" } as never);
    for (let failure = 0; failure < 4; failure++) await recordIntegrationFailure(db, { userId: setup.user.id, provider: "github", message: `GitHub answered 50${failure}` });
    await recordIntegrationFailure(db, { userId: setup.user.id, provider: "github", message: "The GitHub authorization was revoked.", status: "needs_reauth" });

    // The failures fold (the latest message, the count summed); the revoked grant is a notice of its own.
    expect(await madeFor([setup.user.id, bystander.user.id], "integration.failed")).toEqual([
      { userId: setup.user.id, kind: "integration.failed", data: { provider: "github", status: "error", message: "GitHub answered 503", failures: 4 }, count: 4 },
      { userId: setup.user.id, kind: "integration.failed", data: { provider: "github", status: "needs_reauth", message: "The GitHub authorization was revoked.", failures: 1 }, count: 1 },
    ]);
    const listed = (await listOf(setup.caller)).filter((item) => item.kind === "integration.failed");
    expect(listed.map((item) => item.title).sort()).toEqual(["GitHub sync failed 4 times", "Reconnect GitHub"]);
  });

  it("reminds before a focus block that is still there at its start, not one that moved or went", async () => {
    const setup = await signedUpUser("notify-producer-focus");
    const db = await getDb();
    const calendar = await calendarOf(setup.user.id);
    const startAt = new Date(Date.now() + 30 * 60_000);
    const [block] = await db.insert(focusBlocks).values({ userId: setup.user.id, calendarId: calendar.id, title: "Deep work", startAt, endAt: new Date(startAt.getTime() + 3_600_000), state: "active" }).returning();

    expect(await remindFocusBlock(db, setup.user.id, block!.id, new Date(startAt.getTime() + 60_000).toISOString())).toMatchObject({ reminded: false, reason: "the block moved" });
    expect(await madeFor([setup.user.id], "calendar.focus_block_starting")).toEqual([]);
    expect(await remindFocusBlock(db, setup.user.id, block!.id, startAt.toISOString())).toMatchObject({ reminded: true, minutes: 30 });
    expect(await madeFor([setup.user.id], "calendar.focus_block_starting")).toEqual([
      { userId: setup.user.id, kind: "calendar.focus_block_starting", data: { blockId: block!.id, title: "Deep work", startsAt: startAt.toISOString(), minutes: 30 }, count: 1 },
    ]);
    expect((await listOf(setup.caller)).filter((item) => item.kind === "calendar.focus_block_starting").map((item) => item.title)).toEqual(["Deep work starts in 30 minutes"]);
    // A retried step (a crash after the reminder went out) reminds no second time.
    expect(await remindFocusBlock(db, setup.user.id, block!.id, startAt.toISOString(), new Date(Date.now() + 60_000))).toMatchObject({ reminded: true });
    expect(await madeFor([setup.user.id], "calendar.focus_block_starting")).toHaveLength(1);

    // The durable run sleeps until 5 minutes before the start; removing the block cancels it.
    await jobs.send(focusReminderRequested(setup.user.id, block!.id, startAt));
    const runOf = () => db.select().from(jobRuns).where(and(eq(jobRuns.functionId, "remind-focus-block"), eq(jobRuns.userId, setup.user.id)));
    await until(runOf, (rows) => rows[0]?.status === "sleeping", 5000, 50);
    expect((await runOf())[0]!.nextAt!.getTime()).toBe(startAt.getTime() - 5 * 60_000);
    await jobs.send({ name: "notifications/focus-reminder.cancelled", data: { userId: setup.user.id, blockId: block!.id } });
    await until(runOf, (rows) => rows[0]?.status === "cancelled", 5000, 50);
    await db.update(focusBlocks).set({ state: "deleted" }).where(eq(focusBlocks.id, block!.id));
    expect(await remindFocusBlock(db, setup.user.id, block!.id, startAt.toISOString())).toMatchObject({ reminded: false, reason: "the block is gone" });
    expect(await madeFor([setup.user.id], "calendar.focus_block_starting")).toHaveLength(1);
  });

  it("sends a weekly summary counting the week's commits, focus blocks and resolved conflicts, and nothing of the encrypted activity", async () => {
    const setup = await userWithDevices("notify-producer-weekly");
    const bystander = await userWithDevices("notify-producer-weekly-other");
    const db = await getDb();
    // This week (Monday to Monday, UTC), so that conflicts resolved now count in it.
    const weekStart = previousWeekStart(new Date(Date.now() + 7 * DAY));
    const monday = Date.parse(`${weekStart}T00:00:00Z`);
    const hoursIn = (hours: number) => new Date(monday + hours * 3_600_000);

    // Coding activity and a focus session, synced end-to-end encrypted: the server cannot count them.
    await push(setup.laptop, [change("a1", null, "3 hours in the editor", { collection: "activities" }), change("s1", null, "a 45-minute session", { collection: "focus_sessions" })]);

    // Three sync conflicts; two resolved (now, in this week), one still open.
    await push(setup.laptop, ["c1", "c2", "c3"].map((id) => change(id, null, "base")));
    await push(setup.laptop, ["c1", "c2", "c3"].map((id) => change(id, 1, "remote")));
    const pushed = await push(setup.desktop, ["c1", "c2", "c3"].map((id) => change(id, 1, "local")));
    const [first, second] = pushed.results.flatMap((entry) => (entry.status === "conflict" ? [entry.conflictId] : []));
    await setup.caller.conflicts.resolve({ id: first!, strategy: "local_wins" });
    await setup.caller.conflicts.resolve({ id: second!, strategy: "remote_wins" });

    // Commits as a git sync caches them: three in the week, one the Sunday before; the bystander's are theirs.
    const commit = (sha: string, at: Date) => ({ sha, repository: "octo/app", message: `Commit ${sha}`, url: null, authorName: null, authorEmail: null, authorLogin: "octo", committedAt: at.toISOString(), additions: 1, deletions: 0, files: 1 });
    await cacheCommits(db, setup.user.id, "github", [commit("a1a1a1a", hoursIn(9)), commit("b2b2b2b", hoursIn(33)), commit("c3c3c3c", hoursIn(7 * 24 - 1)), commit("d4d4d4d", hoursIn(-2))]);
    await cacheCommits(db, bystander.user.id, "github", [commit("e5e5e5e", hoursIn(10))]);

    // Focus blocks: two active ones of 90 minutes in the week; a deleted one and one next week do not count.
    const calendar = await calendarOf(setup.user.id);
    const block = (title: string, startHours: number, state: "active" | "deleted" = "active") => ({ userId: setup.user.id, calendarId: calendar.id, title, startAt: hoursIn(startHours), endAt: hoursIn(startHours + 1.5), state });
    await db.insert(focusBlocks).values([block("Monday focus", 9), block("Wednesday focus", 57), block("Cancelled", 81, "deleted"), block("Next week", 7 * 24 + 9)]);

    const summary = { weekStart, codingMinutes: 0, commits: 3, focusMinutes: 180, conflictsResolved: 2 };
    expect(await sendWeeklySummary(db, setup.user.id, weekStart)).toEqual({ sent: true, summary });
    expect(await madeFor([setup.user.id, bystander.user.id], "summary.weekly")).toEqual([{ userId: setup.user.id, kind: "summary.weekly", data: summary, count: 1 }]);
    // The job's step run again (the process died after sending): the same week's summary is not made twice.
    expect(await sendWeeklySummary(db, setup.user.id, weekStart)).toEqual({ sent: true, summary });
    expect(await madeFor([setup.user.id], "summary.weekly")).toHaveLength(1);
    const [listed] = (await listOf(setup.caller)).filter((item) => item.kind === "summary.weekly");
    // Coding time is left out of the text rather than said as "0 hours".
    expect(listed).toMatchObject({ title: "Your week in DevPulse", body: "3 commits, 3 hours in focus.", href: "/dashboard", priority: "low" });

    // A quiet week sends nothing.
    expect(await sendWeeklySummary(db, setup.user.id, "2020-01-06")).toEqual({ sent: false, summary: { weekStart: "2020-01-06", codingMinutes: 0, commits: 0, focusMinutes: 0, conflictsResolved: 0 } });
    expect(await madeFor([setup.user.id], "summary.weekly")).toHaveLength(1);
  });
});
