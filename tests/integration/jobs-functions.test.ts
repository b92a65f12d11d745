import { randomUUID } from "node:crypto";
import { InngestTestEngine } from "@inngest/test";
import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import {
  dataExports,
  deviceAuthorizations,
  externalDataCache,
  integrations,
  jobConcurrencySlots,
  jobEvents,
  jobRuns,
  jobSteps,
  loginAttempts,
  oauthStates,
  processingLog,
  syncConflicts,
  syncPushes,
  syncRecords,
  syncRevisions,
  webhookDeliveries,
} from "~/server/db/schema";
import { deleteOldJobEvents, deleteOldJobRuns, deleteStaleConcurrencySlots } from "~/server/maintenance/cleanup";
import { recordConsent } from "~/server/privacy/consents";
import { EXPORT_BUILD_DEADLINE_MS } from "~/server/privacy/export";
import { updatePrivacySettings } from "~/server/privacy/settings";
import { cleanupExpired } from "~/server/jobs/functions/cleanup-expired";
import { scheduleIntegrationSyncs } from "~/server/jobs/functions/sync-integrations";
import { lostRunMessage, SYNC_RUN } from "~/server/integrations/sync-runs";
import { scheduleSyncHistoryTrim, trimUserSyncHistory } from "~/server/jobs/functions/trim-sync-history";
import { signedUpUser } from "../support/callers";
import { useInngestDouble } from "../support/inngest";
import { change, push, userWithDevices } from "../support/sync";

// Each function through @inngest/test: the real Inngest SDK executes it (step by step,
// as Inngest would) against the real database. A new engine per test (see STACK-NOTES).
// step.sendEvent really sends, to a local double of Inngest's Event API.
const inngest = useInngestDouble();
const DAY = 24 * 60 * 60 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms);

describe("cleanup-expired", () => {
  async function seed() {
    const db = await getDb();
    const { user } = await signedUpUser("cleanup");
    const code = () => ({ deviceCodeHash: randomUUID(), userCode: randomUUID().slice(0, 8).toUpperCase(), deviceName: "cli", intervalSeconds: 5 });
    const [longExpired, justExpired] = await db
      .insert(deviceAuthorizations)
      .values([
        { ...code(), expiresAt: ago(2 * DAY) },
        { ...code(), expiresAt: ago(60_000) },
      ])
      .returning({ id: deviceAuthorizations.id });
    const states = { expired: randomUUID(), live: randomUUID() };
    await db.insert(oauthStates).values([
      { stateHash: states.expired, userId: user.id, provider: "github", redirectUri: "http://localhost/cb", expiresAt: ago(1000) },
      { stateHash: states.live, userId: user.id, provider: "github", redirectUri: "http://localhost/cb", expiresAt: new Date(Date.now() + 600_000) },
    ]);
    const keys = { old: randomUUID(), fresh: randomUUID() };
    await db.insert(syncPushes).values([
      { userId: user.id, idempotencyKey: keys.old, result: {}, createdAt: ago(2 * DAY) },
      { userId: user.id, idempotencyKey: keys.fresh, result: {}, createdAt: ago(60_000) },
    ]);
    const email = `${user.id}@cleanup.test`;
    await db.insert(loginAttempts).values([
      { email, ip: "203.0.113.9", succeeded: false, createdAt: ago(8 * DAY) },
      { email, ip: "203.0.113.9", succeeded: false },
    ]);
    const runs = { old: `old-${randomUUID()}`, recent: `recent-${randomUUID()}` };
    await db.insert(jobRuns).values([
      { runId: runs.old, userId: user.id, functionId: "x", eventName: "x", status: "completed", startedAt: ago(31 * DAY), finishedAt: ago(31 * DAY) },
      { runId: runs.recent, userId: user.id, functionId: "x", eventName: "x", status: "completed", finishedAt: new Date() },
    ]);
    const deliveries = { old: `old-${randomUUID()}`, recent: `recent-${randomUUID()}` };
    await db.insert(webhookDeliveries).values([
      { provider: "github", deliveryId: deliveries.old, receivedAt: ago(8 * DAY) },
      { provider: "github", deliveryId: deliveries.recent },
    ]);
    const cached = { expired: `expired-${randomUUID()}`, fresh: `fresh-${randomUUID()}` };
    await db.insert(externalDataCache).values([
      { userId: user.id, provider: "github", dataType: "commit", externalId: cached.expired, data: {}, expiresAt: ago(1000) },
      { userId: user.id, provider: "github", dataType: "commit", externalId: cached.fresh, data: {}, expiresAt: new Date(Date.now() + DAY) },
    ]);
    const [expiredLink, liveLink, crashedBuild, runningBuild, weekOld] = await db
      .insert(dataExports)
      .values([
        { userId: user.id, format: "json", status: "ready", content: "{}", bytes: 2, expiresAt: ago(1000) },
        { userId: user.id, format: "csv", status: "ready", content: "UEs=", bytes: 2, expiresAt: new Date(Date.now() + 600_000) },
        { userId: user.id, format: "json", createdAt: ago(EXPORT_BUILD_DEADLINE_MS + 1000) },
        { userId: user.id, format: "json", createdAt: ago(60_000) },
        { userId: user.id, format: "json", status: "expired", bytes: 2, createdAt: ago(8 * DAY), expiresAt: ago(8 * DAY) },
      ])
      .returning({ id: dataExports.id });
    const exports = { expiredLink: expiredLink!.id, liveLink: liveLink!.id, crashedBuild: crashedBuild!.id, runningBuild: runningBuild!.id, weekOld: weekOld!.id };
    return { db, user, devices: { longExpired: longExpired!.id, justExpired: justExpired!.id }, states, keys, email, runs, deliveries, cached, exports };
  }

  it("deletes what is past its use and keeps the rest", async () => {
    const s = await seed();
    const t = new InngestTestEngine({ function: cleanupExpired.toInngestFunction(inngest.client) });
    const { result, ctx } = await t.execute({ events: [{ name: "maintenance/cleanup.requested", data: {} }] });

    expect(result).toMatchObject({ deviceCodes: expect.any(Number), oauthStates: expect.any(Number) });
    const seeded = ["deviceCodes", "oauthStates", "idempotencyKeys", "loginAttempts", "jobRuns", "webhookDeliveries", "externalData", "overdueExports", "expiredExports", "oldExports"];
    for (const key of seeded) expect((result as Record<string, number>)[key], key).toBeGreaterThanOrEqual(1);
    const stepIds = (ctx.step.run as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((call) => call[0]);
    expect(stepIds).toEqual([
      "delete-expired-device-codes",
      "delete-expired-oauth-states",
      "delete-old-idempotency-keys",
      "delete-old-login-attempts",
      "delete-old-job-runs",
      "delete-old-job-events",
      "delete-stale-concurrency-slots",
      "delete-old-webhook-deliveries",
      "delete-expired-external-data",
      "delete-expired-calendar-events",
      "fail-overdue-exports",
      "delete-expired-export-content",
      "delete-old-exports",
      "delete-expired-account-tokens",
    ]);

    const devices = await s.db.select({ id: deviceAuthorizations.id }).from(deviceAuthorizations).where(inArray(deviceAuthorizations.id, Object.values(s.devices)));
    expect(devices.map((d) => d.id)).toEqual([s.devices.justExpired]); // a just-expired code still answers expired_token
    const states = await s.db.select().from(oauthStates).where(eq(oauthStates.userId, s.user.id));
    expect(states.map((row) => row.stateHash)).toEqual([s.states.live]);
    const keys = await s.db.select().from(syncPushes).where(eq(syncPushes.userId, s.user.id));
    expect(keys.map((row) => row.idempotencyKey)).toEqual([s.keys.fresh]);
    expect(await s.db.select().from(loginAttempts).where(eq(loginAttempts.email, s.email))).toHaveLength(1);
    const runs = await s.db.select({ runId: jobRuns.runId }).from(jobRuns).where(inArray(jobRuns.runId, Object.values(s.runs)));
    expect(runs.map((row) => row.runId)).toEqual([s.runs.recent]);
    const deliveries = await s.db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.deliveryId, Object.values(s.deliveries)));
    expect(deliveries.map((row) => row.deliveryId)).toEqual([s.deliveries.recent]);
    const cached = await s.db.select().from(externalDataCache).where(eq(externalDataCache.userId, s.user.id));
    expect(cached.map((row) => row.externalId)).toEqual([s.cached.fresh]);

    // Exports: an expired link's content is deleted (and logged), a stuck build fails, a week-old row goes.
    const exports = new Map((await s.db.select().from(dataExports).where(eq(dataExports.userId, s.user.id))).map((row) => [row.id, row]));
    expect(exports.get(s.exports.expiredLink)).toMatchObject({ status: "expired", content: null });
    expect(exports.get(s.exports.liveLink)).toMatchObject({ status: "ready", content: "UEs=" });
    expect(exports.get(s.exports.crashedBuild)).toMatchObject({ status: "failed", error: expect.stringContaining("did not finish") });
    expect(exports.get(s.exports.runningBuild)).toMatchObject({ status: "building" });
    expect(exports.has(s.exports.weekOld)).toBe(false);
    const logged = await s.db.select().from(processingLog).where(and(eq(processingLog.userId, s.user.id), eq(processingLog.activity, "deletion")));
    expect(logged.map((entry) => entry.details)).toEqual([{ export: s.exports.expiredLink, format: "json" }]);
  });

  it("trims only finished runs past 30 days (with their steps), never an unfinished one however old", async () => {
    const db = await getDb();
    const { user } = await signedUpUser("cleanup-runs");
    const run = (label: string, values: Partial<typeof jobRuns.$inferInsert>) => ({ runId: `${label}-${randomUUID()}`, userId: user.id, functionId: "x", eventName: "x", status: "completed" as const, ...values });
    const runs = [
      run("finished-long-ago", { startedAt: ago(40 * DAY), finishedAt: ago(31 * DAY) }),
      run("failed-long-ago", { status: "failed", startedAt: ago(40 * DAY), finishedAt: ago(31 * DAY) }),
      run("cancelled-long-ago", { status: "cancelled", startedAt: ago(40 * DAY), finishedAt: ago(31 * DAY) }),
      // Started long ago, finished recently (it slept for weeks): its 30 days count from its end.
      run("finished-recently", { startedAt: ago(60 * DAY), finishedAt: ago(29 * DAY) }),
      run("sleeping-for-weeks", { status: "sleeping", startedAt: ago(90 * DAY), nextAt: new Date(Date.now() + DAY) }),
      run("retrying", { status: "retrying", startedAt: ago(90 * DAY), nextAt: new Date(Date.now() + 60_000) }),
      run("waiting", { status: "waiting", startedAt: ago(90 * DAY), nextAt: new Date(Date.now() + DAY) }),
      run("queued", { status: "queued", startedAt: ago(90 * DAY), nextAt: new Date() }),
    ];
    await db.insert(jobRuns).values(runs);
    await db.insert(jobSteps).values(runs.map((entry) => ({ runId: entry.runId, stepKey: "first", output: { done: true } })));

    expect(await deleteOldJobRuns(db)).toBeGreaterThanOrEqual(3);
    const left = await db.select({ runId: jobRuns.runId }).from(jobRuns).where(eq(jobRuns.userId, user.id));
    expect(left.map((row) => row.runId.replace(/-[0-9a-f-]{36}$/, "")).sort()).toEqual(["finished-recently", "queued", "retrying", "sleeping-for-weeks", "waiting"]);
    const steps = await db.select({ runId: jobSteps.runId }).from(jobSteps).where(inArray(jobSteps.runId, runs.map((entry) => entry.runId)));
    expect(steps.map((row) => row.runId).sort()).toEqual(left.map((row) => row.runId).sort()); // the trimmed runs' steps went with them
  });

  it("forgets accepted events after the 24 h deduplication window, and concurrency slots an hour past their lease", async () => {
    const db = await getDb();
    const events = { old: `old-${randomUUID()}`, recent: `recent-${randomUUID()}` };
    await db.insert(jobEvents).values([
      { id: events.old, name: "maintenance/cleanup.requested", data: {}, receivedAt: ago(DAY + 60_000) },
      { id: events.recent, name: "maintenance/cleanup.requested", data: {}, receivedAt: ago(DAY - 60_000) },
    ]);
    const key = randomUUID();
    const slot = (n: number, leaseUntil: Date) => ({ functionId: "x", concurrencyKey: key, slot: n, runId: `run-${n}`, leaseUntil });
    await db.insert(jobConcurrencySlots).values([slot(0, ago(61 * 60_000)), slot(1, ago(59 * 60_000)), slot(2, new Date(Date.now() + 30_000))]);

    expect(await deleteOldJobEvents(db)).toBeGreaterThanOrEqual(1);
    expect(await deleteStaleConcurrencySlots(db)).toBeGreaterThanOrEqual(1);

    const eventsLeft = await db.select({ id: jobEvents.id }).from(jobEvents).where(inArray(jobEvents.id, Object.values(events)));
    expect(eventsLeft.map((row) => row.id)).toEqual([events.recent]);
    const slotsLeft = await db.select({ slot: jobConcurrencySlots.slot }).from(jobConcurrencySlots).where(eq(jobConcurrencySlots.concurrencyKey, key)).orderBy(jobConcurrencySlots.slot);
    expect(slotsLeft.map((row) => row.slot)).toEqual([1, 2]);
  });
});

describe("sync history trimming", () => {
  it("the schedule asks for one trim per user who has synced", async () => {
    const { user, laptop } = await userWithDevices("trim-schedule");
    await push(laptop, [change("p1", null, "v1")]);
    const before = inngest.double.events.length;
    const t = new InngestTestEngine({ function: scheduleSyncHistoryTrim.toInngestFunction(inngest.client) });
    const { result } = await t.execute({ events: [{ name: "inngest/scheduled.timer", data: { cron: "30 3 * * *" } }] });
    const sent = inngest.double.events.slice(before);
    expect(sent).toContainEqual(expect.objectContaining({ name: "sync/history.trim-requested", data: { userId: user.id } }));
    expect(sent.every((event) => event.name === "sync/history.trim-requested")).toBe(true);
    expect((result as { users: number }).users).toBe(sent.length);
  });

  it("trims revisions past the user's retention, keeping current revisions and those open conflicts show", async () => {
    const db = await getDb();
    const { user, laptop, desktop } = await userWithDevices("trim");
    // p1: revisions 1..3 (3 is current). p2: revisions 1..2, plus an open conflict based on 1 against 2.
    await push(laptop, [change("p1", null, "a1"), change("p2", null, "b1")]);
    await push(laptop, [change("p1", 1, "a2"), change("p2", 1, "b2")]);
    await push(laptop, [change("p1", 2, "a3")]);
    const conflicted = await push(desktop, [change("p2", 1, "b-desktop")]);
    expect(conflicted.conflicts).toBe(1);
    // Everything so far is 40 days old; the user keeps 30 days. Another user's old history is not touched.
    await updatePrivacySettings(db, user.id, { retentionPolicy: { cloudRetentionDays: 30 } });
    await db.update(syncRevisions).set({ createdAt: ago(40 * DAY) }).where(eq(syncRevisions.userId, user.id));
    const other = await userWithDevices("trim-other");
    await push(other.laptop, [change("p1", null, "x1")]);
    await push(other.laptop, [change("p1", 1, "x2")]);
    await db.update(syncRevisions).set({ createdAt: ago(400 * DAY) }).where(eq(syncRevisions.userId, other.user.id));

    const t = new InngestTestEngine({ function: trimUserSyncHistory.toInngestFunction(inngest.client) });
    const { result } = await t.execute({ events: [{ name: "sync/history.trim-requested", data: { userId: user.id } }] });

    expect(result).toMatchObject({ retentionDays: 30, deletedRevisions: 2 });
    const left = await db
      .select({ recordId: syncRevisions.recordId, revision: syncRevisions.revision })
      .from(syncRevisions)
      .where(eq(syncRevisions.userId, user.id))
      .orderBy(syncRevisions.recordId, syncRevisions.revision);
    expect(left).toEqual([
      { recordId: "p1", revision: 3 },
      { recordId: "p2", revision: 1 },
      { recordId: "p2", revision: 2 },
    ]);
    expect(await db.select().from(syncRevisions).where(eq(syncRevisions.userId, other.user.id))).toHaveLength(2);
  });

  it("deletes synced records and tombstones not written within the retention period, with their history and old resolved conflicts", async () => {
    const db = await getDb();
    const { user, caller, laptop, desktop } = await userWithDevices("expire-records");
    await push(laptop, [change("old", null, "o1"), change("recent", null, "r1"), change("gone", null, "g1"), change("disputed", null, "d1")]);
    await push(laptop, [change("gone", 1, "", { deleted: true }), change("disputed", 1, "d2")]);
    expect((await push(desktop, [change("disputed", 1, "d-desktop"), change("recent", null, "r-desktop")])).conflicts).toBe(2);
    await db.update(syncConflicts).set({ status: "resolved", resolvedAt: ago(40 * DAY) }).where(and(eq(syncConflicts.userId, user.id), eq(syncConflicts.recordId, "recent")));
    await caller.privacy.updateSettings({ retentionPolicy: { cloudRetentionDays: 30 } });
    const aged = ["old", "gone", "disputed"];
    await db.update(syncRecords).set({ updatedAt: ago(40 * DAY) }).where(and(eq(syncRecords.userId, user.id), inArray(syncRecords.recordId, aged)));
    await db.update(syncRevisions).set({ createdAt: ago(40 * DAY) }).where(and(eq(syncRevisions.userId, user.id), inArray(syncRevisions.recordId, aged)));
    const other = await userWithDevices("expire-records-other");
    await push(other.laptop, [change("old", null, "x1")]);
    await db.update(syncRecords).set({ updatedAt: ago(400 * DAY) }).where(eq(syncRecords.userId, other.user.id));

    const t = new InngestTestEngine({ function: trimUserSyncHistory.toInngestFunction(inngest.client) });
    const { result } = await t.execute({ events: [{ name: "sync/history.trim-requested", data: { userId: user.id } }] });

    // "gone" revision 1 goes with the history trim; the rest of the expired records' history with them.
    expect(result).toMatchObject({ deletedRevisions: 1, expiredRecords: 1, expiredTombstones: 1, expiredRevisions: 2, deletedResolvedConflicts: 1 });
    const records = await db.select({ id: syncRecords.recordId }).from(syncRecords).where(eq(syncRecords.userId, user.id)).orderBy(syncRecords.recordId);
    expect(records.map((row) => row.id)).toEqual(["disputed", "recent"]); // the open conflict keeps "disputed"
    const history = await db.selectDistinct({ id: syncRevisions.recordId }).from(syncRevisions).where(eq(syncRevisions.userId, user.id)).orderBy(syncRevisions.recordId);
    expect(history.map((row) => row.id)).toEqual(["disputed", "recent"]);
    expect(await db.select().from(syncConflicts).where(eq(syncConflicts.userId, user.id))).toHaveLength(1);
    expect(await db.select().from(syncRecords).where(eq(syncRecords.userId, other.user.id))).toHaveLength(1);
    const [logged] = await caller.privacy.processingLog({ activity: "deletion" }).then((page) => page.items);
    expect(logged).toMatchObject({ legalBasis: "consent", details: { records: 2, revisions: 3 } });

    // Both devices still hold "old" at revision 1. The laptop edits it: the server stores it again as revision 2,
    // so the desktop sees it as newer, and the desktop's own edit on revision 1 is a conflict, not an overwrite.
    // A device from before the trim is told to resync rather than handed a page without the deletion of "gone".
    await expect(desktop.caller.sync.pull({ cursor: 0, limit: 100 })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    const listing = await desktop.caller.sync.listing({});
    // "recent" was written before the horizon and kept: it moved after the end, so a pull from the horizon has it
    expect(listing.entries.map((entry) => [entry.id, entry.deleted])).toEqual([["gone", true], ["disputed", false], ["recent", false]]);
    const pulled = await desktop.caller.sync.pull({ cursor: listing.horizon, limit: 100 });
    expect(pulled.changes.map((entry) => entry.id)).toEqual(["disputed", "recent"]);
    await expect(push(laptop, [change("old", 1, "o2")])).resolves.toMatchObject({ applied: 1, results: [{ status: "applied", revision: 2 }] });
    await expect(push(desktop, [change("old", 1, "o-desktop")])).resolves.toMatchObject({ applied: 0, conflicts: 1, results: [{ status: "conflict", type: "update_conflict" }] });
  });

  it("deletes cached provider data older than each integration's retention, and nothing else", async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("trim-provider-data");
    await caller.privacy.updateSettings({ integrations: { github: { retentionDays: 7 } } });
    const item = (provider: string, externalId: string, occurredAt: Date | null) => ({ userId: user.id, provider, dataType: "commit", externalId, data: {}, occurredAt });
    await db.insert(externalDataCache).values([
      item("github", "old", ago(10 * DAY)),
      item("github", "recent", ago(2 * DAY)),
      item("gitlab", "default-keeps-90-days", ago(10 * DAY)),
      item("gitlab", "past-default", ago(100 * DAY)),
    ]);
    const t = new InngestTestEngine({ function: trimUserSyncHistory.toInngestFunction(inngest.client) });
    const { result } = await t.execute({ events: [{ name: "sync/history.trim-requested", data: { userId: user.id } }] });
    expect(result).toMatchObject({ deletedProviderItems: 2 });
    const left = await db.select({ id: externalDataCache.externalId }).from(externalDataCache).where(eq(externalDataCache.userId, user.id));
    expect(left.map((row) => row.id).sort()).toEqual(["default-keeps-90-days", "recent"]);
  });

  it("a failing step fails the attempt for Inngest to retry, records it, and changes nothing; the retry then succeeds", async () => {
    const db = await getDb();
    const { user, laptop } = await userWithDevices("trim-retry");
    await push(laptop, [change("p1", null, "a1")]);
    await push(laptop, [change("p1", 1, "a2")]);
    await db.update(syncRevisions).set({ createdAt: ago(400 * DAY) }).where(eq(syncRevisions.userId, user.id));
    // A real outage inside the step: the table is briefly unavailable.
    await db.execute(sql`alter table sync_revisions rename to sync_revisions_offline`);
    const t = new InngestTestEngine({
      function: trimUserSyncHistory.toInngestFunction(inngest.client),
      events: [{ name: "sync/history.trim-requested", data: { userId: user.id } }],
    });
    const failed = await t.execute().finally(() => db.execute(sql`alter table sync_revisions_offline rename to sync_revisions`));
    expect((failed.error as { message: string }).message).toMatch(/delete from "sync_revisions"/);
    const [run] = await db.select().from(jobRuns).where(eq(jobRuns.runId, failed.ctx.runId));
    expect(run).toMatchObject({ userId: user.id, functionId: "trim-sync-history", status: "retrying" });
    expect(run!.error).toBe('relation "sync_revisions" does not exist');
    expect(await db.select().from(syncRevisions).where(eq(syncRevisions.userId, user.id))).toHaveLength(2);

    const retried = await t.execute();
    expect(retried.result).toMatchObject({ deletedRevisions: 1 });
    expect(await db.select().from(syncRevisions).where(eq(syncRevisions.userId, user.id))).toHaveLength(1);
  });
});

describe("scheduled integration syncs", () => {
  it("ask for a sync of every integration with auto-sync on, skipping those turned off or waiting for re-authorization", async () => {
    const db = await getDb();
    const users = await Promise.all(["auto-on", "auto-off", "auto-reauth", "auto-error", "auto-private"].map((label) => signedUpUser(label)));
    const [on, off, reauth, failing, privateUser] = users.map(({ user }) => user.id) as [string, string, string, string, string];
    await recordConsent(db, privateUser, { type: "integration:github", granted: false });
    await db.insert(integrations).values([
      { userId: on, provider: "github", status: "connected" },
      { userId: off, provider: "github", status: "connected" },
      { userId: reauth, provider: "gitlab", status: "needs_reauth" },
      { userId: failing, provider: "gitlab", status: "error" },
      { userId: privateUser, provider: "github", status: "connected" },
    ]);
    await updatePrivacySettings(db, off, { integrations: { github: { autoSync: false } } });
    const before = inngest.double.events.length;
    const t = new InngestTestEngine({ function: scheduleIntegrationSyncs.toInngestFunction(inngest.client) });
    await t.execute({ events: [{ name: "inngest/scheduled.timer", data: { cron: "0 * * * *" } }] });
    const requested = inngest.double.events.slice(before).map((event) => `${String(event.data.userId)}:${String(event.data.provider)}`);
    expect(requested).toContain(`${on}:github`);
    expect(requested).toContain(`${failing}:gitlab`); // an error may be transient: keep trying on schedule
    expect(requested).not.toContain(`${off}:github`);
    expect(requested).not.toContain(`${reauth}:gitlab`);
    expect(requested).not.toContain(`${privateUser}:github`); // switched off in the privacy settings
  });

  it("turn runs left in \"syncing\" past their deadline into a retryable error and sync them again; runs within it are left alone", async () => {
    const db = await getDb();
    const users = await Promise.all(["lost-run", "legacy-lost-run", "running"].map((label) => signedUpUser(label)));
    const [lost, legacy, running] = users.map(({ user }) => user.id) as [string, string, string];
    await db.insert(integrations).values([
      // A run whose process crashed: nothing will ever mark it done.
      { userId: lost, provider: "github", status: "syncing", syncDeadlineAt: ago(60_000) },
      // One from before deadlines existed, unchanged for longer than a run may take.
      { userId: legacy, provider: "gitlab", status: "syncing", syncDeadlineAt: null, updatedAt: ago(SYNC_RUN.deadlineMs + 60_000) },
      { userId: running, provider: "github", status: "syncing", syncDeadlineAt: new Date(Date.now() + 60_000) },
    ]);
    const before = inngest.double.events.length;
    const t = new InngestTestEngine({ function: scheduleIntegrationSyncs.toInngestFunction(inngest.client) });
    const { result } = await t.execute({ events: [{ name: "inngest/scheduled.timer", data: { cron: "0 * * * *" } }] });
    expect(result).toMatchObject({ lost: expect.any(Number) });
    const requested = inngest.double.events.slice(before).map((event) => `${String(event.data.userId)}:${String(event.data.provider)}`);
    expect(requested).toContain(`${lost}:github`);
    expect(requested).toContain(`${legacy}:gitlab`);
    expect(requested).not.toContain(`${running}:github`);
    const status = async (userId: string) => (await db.select().from(integrations).where(eq(integrations.userId, userId)))[0]!;
    expect(await status(lost)).toMatchObject({ status: "error", lastError: lostRunMessage("github"), syncDeadlineAt: null });
    expect(await status(legacy)).toMatchObject({ status: "error", lastError: lostRunMessage("gitlab") });
    expect(await status(running)).toMatchObject({ status: "syncing", lastError: null });
  });
});
