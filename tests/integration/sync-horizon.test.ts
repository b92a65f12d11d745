import { and, eq, inArray, lte, sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDevPulseClient, createMemoryStore, createSyncClient } from "~/client";
import { getDb } from "~/server/db/client";
import { syncConflicts, syncRecords, syncRevisions, syncState, syncTrimmedDeletions } from "~/server/db/schema";
import { expireSyncedRecords, trimSyncHistory } from "~/server/sync/history-retention";
import { connectDevice, errorOf, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { change, foreignEnvelope, push, rawChange, userWithDevices } from "../support/sync";

/**
 * A device that comes back after the retention period (issue 22, part 1): retention
 * deletes records and tombstones, the server keeps the horizon below which it did,
 * refuses older cursors with RESYNC_REQUIRED, and the SDK reconciles with the
 * compact listing instead of resurrecting deletions.
 */

const DAY = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 30;
const PASSPHRASE = "correct horse battery staple, horizon edition";

/** Makes everything the user wrote up to sequence number `seq` look `days` old (writes are in sequence order). */
async function ageThrough(userId: string, seq: number, days: number) {
  const db = await getDb();
  const then = new Date(Date.now() - days * DAY);
  await db.update(syncRecords).set({ updatedAt: then }).where(and(eq(syncRecords.userId, userId), lte(syncRecords.seq, seq)));
  await db.update(syncRevisions).set({ createdAt: then }).where(and(eq(syncRevisions.userId, userId), lte(syncRevisions.seq, seq)));
}

/** What the nightly trim-sync-history job does to the user's sync data. */
async function applyRetention(userId: string, days = RETENTION_DAYS) {
  const db = await getDb();
  await trimSyncHistory(db, userId, days);
  return expireSyncedRecords(db, userId, days);
}

async function horizonOf(userId: string) {
  const [state] = await (await getDb()).select().from(syncState).where(eq(syncState.userId, userId));
  return state!;
}

async function openConflicts(userId: string) {
  return (await getDb())
    .select({ recordId: syncConflicts.recordId, type: syncConflicts.type, remoteRevision: syncConflicts.remoteRevision })
    .from(syncConflicts)
    .where(and(eq(syncConflicts.userId, userId), eq(syncConflicts.status, "open")))
    .orderBy(syncConflicts.recordId);
}

describe("sync horizon: the server side", () => {
  it("moves the horizon with the trim, and refuses a pull from before it with RESYNC_REQUIRED, never a partial page", async () => {
    const { user, laptop, desktop } = await userWithDevices("horizon-pull");
    await push(laptop, [change("a", null, "a1"), change("b", null, "b1")]); // seq 1, 2
    await push(laptop, [change("b", 1, "", { deleted: true })]); // seq 3
    await push(laptop, [change("c", null, "c1")]); // seq 4
    await ageThrough(user.id, 3, 40);

    await expect(applyRetention(user.id)).resolves.toEqual({ expiredRecords: 1, expiredTombstones: 1, expiredRevisions: 2 });
    expect(await horizonOf(user.id)).toMatchObject({ lastSeq: 4, trimmedSeq: 3 });

    for (const cursor of [0, 2]) {
      const refused = await errorOf(() => desktop.caller.sync.pull({ cursor, limit: 100 }));
      expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/must resync/) });
      expect((refused.cause as { details?: unknown }).details).toEqual({ reason: "RESYNC_REQUIRED", cursor, horizon: 3, latestSeq: 4 });
    }
    await expect(desktop.caller.sync.pull({ cursor: 3, limit: 100 })).resolves.toMatchObject({ changes: [{ id: "c", seq: 4 }], hasMore: false });

    // Nothing to expire: the horizon stays where it is.
    await applyRetention(user.id);
    expect((await horizonOf(user.id)).trimmedSeq).toBe(3);
  });

  it("answers 410 Gone over HTTP, with the reason the SDK recognises", async () => {
    const { user, caller } = await signedUpUser("horizon-http");
    const { token, deviceId } = await connectDevice(caller, "laptop");
    const statuses: number[] = [];
    const routed = routeFetch();
    const client = createDevPulseClient({
      url: TEST_BASE_URL,
      token,
      fetch: async (input, init) => {
        const response = await routed(input, init);
        statuses.push(response.status);
        return response;
      },
    });
    const sync = createSyncClient({ client, deviceId, store: createMemoryStore() });
    await sync.unlock(PASSPHRASE);
    await sync.put("projects", "p1", { name: "old" });
    await sync.sync();
    await sync.delete("projects", "p1");
    await sync.sync();
    await ageThrough(user.id, 2, 40);
    await applyRetention(user.id);

    statuses.length = 0;
    const refused = await client.sync.pull.query({ cursor: 0 }).catch((error: unknown) => error);
    expect(statuses).toEqual([410]);
    expect(refused).toMatchObject({ data: { httpStatus: 410, details: { reason: "RESYNC_REQUIRED", horizon: 2 } } });
  });

  it("refuses a cursor past the end of the sequence (a server restored from a backup) with RESYNC_REQUIRED, over tRPC and HTTP alike", async () => {
    const { laptop } = await userWithDevices("horizon-ahead");
    const fresh = await signedUpUser("horizon-ahead-fresh");
    const { token } = await connectDevice(fresh.caller, "laptop");
    await push(laptop, [change("a", null, "a"), change("b", null, "b")]);
    await expect(laptop.caller.sync.pull({ cursor: 2 })).resolves.toMatchObject({ changes: [], cursor: 2, hasMore: false, latestSeq: 2 });

    for (const [caller, cursor, latestSeq] of [[laptop.caller, 3, 2], [laptop.caller, 1000, 2], [fresh.caller, 5, 0]] as const) {
      const refused = await errorOf(() => caller.sync.pull({ cursor }));
      expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/is ahead of the server's latest change/) });
      expect((refused.cause as { details?: unknown }).details).toEqual({ reason: "RESYNC_REQUIRED", cursor, horizon: 0, latestSeq });
    }
    const overHttp = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
    expect(await overHttp.sync.pull.query({ cursor: 7 }).catch((error: unknown) => error)).toMatchObject({ data: { httpStatus: 410, details: { reason: "RESYNC_REQUIRED", cursor: 7, latestSeq: 0 } } });
  });

  it("lists ids and revisions without ciphertext, paginated by sequence, deletions included, only the caller's", async () => {
    const { user, laptop, desktop } = await userWithDevices("horizon-listing");
    await push(laptop, [change("gone", null, "g1"), change("kept", null, "k1")]); // seq 1, 2
    await push(laptop, [change("gone", 1, "", { deleted: true }), change("tomb", null, "t1", { collection: "activities" })]); // seq 3, 4
    await push(laptop, [change("tomb", 1, "", { deleted: true, collection: "activities" }), change("kept", 1, "k2")]); // seq 5, 6
    await ageThrough(user.id, 3, 40);
    await applyRetention(user.id);
    const other = await userWithDevices("horizon-listing-other");
    await push(other.laptop, [change("theirs", null, "x")]);

    const first = await desktop.caller.sync.listing({ after: 0, limit: 2 });
    expect(first).toEqual({
      entries: [
        { collection: "projects", id: "gone", revision: 2, seq: 3, deleted: true }, // its tombstone was trimmed
        { collection: "activities", id: "tomb", revision: 2, seq: 5, deleted: true },
      ],
      next: 5,
      horizon: 3,
      latestSeq: 6,
    });
    const second = await desktop.caller.sync.listing({ after: first.next!, limit: 2 });
    expect(second).toMatchObject({ entries: [{ collection: "projects", id: "kept", revision: 2, seq: 6, deleted: false }], next: null });
    expect(await desktop.caller.sync.listing({ after: 0, collections: ["activities"] })).toMatchObject({ entries: [{ id: "tomb" }] });
    expect((await other.laptop.caller.sync.listing({})).entries.map((entry) => entry.id)).toEqual(["theirs"]);
    await expect(errorOf(() => desktop.caller.sync.listing({ after: -1 }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
    await expect(errorOf(() => desktop.caller.sync.listing({ limit: 100_000 }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("turns a push on a deletion that retention trimmed into a delete_conflict, not a fresh create; an expired live record is stored again", async () => {
    const { user, caller, laptop, desktop } = await userWithDevices("horizon-push");
    await push(laptop, [change("deleted", null, "d1"), change("idle", null, "i1"), change("again", null, "a1")]); // seq 1-3
    await push(laptop, [change("deleted", 1, "", { deleted: true }), change("again", 1, "", { deleted: true })]); // seq 4, 5
    await ageThrough(user.id, 5, 40);
    await applyRetention(user.id);
    expect(await (await getDb()).select().from(syncRecords).where(eq(syncRecords.userId, user.id))).toEqual([]);

    const result = await push(desktop, [
      change("deleted", 1, "edited offline"),
      change("again", null, "created under a deleted id"),
      change("idle", 1, "i2"),
    ]);
    expect(result.results).toEqual([
      expect.objectContaining({ id: "deleted", status: "conflict", type: "delete_conflict", remote: null }),
      expect.objectContaining({ id: "again", status: "conflict", type: "delete_conflict", remote: null }),
      expect.objectContaining({ id: "idle", status: "applied", revision: 2 }), // expired while unchanged: stored again
    ]);
    // deleting it too agrees with the server
    await expect(push(desktop, [change("deleted", 1, "", { deleted: true })])).resolves.toMatchObject({ results: [{ status: "unchanged", revision: 2 }] });
    expect(await openConflicts(user.id)).toEqual([
      { recordId: "again", type: "delete_conflict", remoteRevision: null },
      { recordId: "deleted", type: "delete_conflict", remoteRevision: null },
    ]);

    // The conflict page shows it; keeping the device's version numbers on from the trimmed tombstone.
    const conflictId = (result.results[0] as { conflictId: string }).conflictId;
    await expect(caller.conflicts.get({ id: conflictId })).resolves.toMatchObject({ remote: null, base: null, local: { deleted: false } });
    await expect(caller.conflicts.resolve({ id: conflictId, strategy: "local_wins" })).resolves.toMatchObject({ revision: 3 });
    const listing = await laptop.caller.sync.listing({});
    expect(listing.entries.filter((entry) => entry.id === "deleted")).toEqual([expect.objectContaining({ revision: 3, deleted: false })]);
  });
});

async function newUser(label: string) {
  const { user, caller } = await signedUpUser(label);
  async function device(name: string) {
    const { token, deviceId } = await connectDevice(caller, name);
    const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
    const sync = createSyncClient({ client, deviceId, store: createMemoryStore() });
    await sync.unlock(PASSPHRASE);
    return sync;
  }
  return { user, caller, device };
}

const id = (n: number) => `p${String(n).padStart(2, "0")}`;

/** Another client of the user, speaking the API directly: writes `ciphertext` (null: a deletion) over record `recordId` of projects. */
async function rawWriter(caller: Awaited<ReturnType<typeof signedUpUser>>["caller"]) {
  const { token, deviceId } = await connectDevice(caller, "a buggy client");
  const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
  return (recordId: string, baseRevision: number, ciphertext: string | null) =>
    client.sync.push.mutate({
      idempotencyKey: crypto.randomUUID(),
      deviceId,
      changes: [rawChange(recordId, baseRevision, ciphertext)],
    });
}

describe("sync horizon: a device offline past retention (SDK through the real server)", () => {
  it("comes back without resurrecting 50 deletions, receives the 5 edits, and its offline edit of a deleted record becomes one conflict", async () => {
    const { user, device } = await newUser("horizon-offline");
    const laptop = await device("laptop");
    const desktop = await device("desktop");
    for (let n = 0; n < 60; n++) await laptop.put("projects", id(n), { name: `Project ${n}` });
    await laptop.sync();
    await desktop.sync();
    expect(await desktop.list("projects")).toHaveLength(60);

    // The desktop goes offline. Meanwhile the laptop deletes 50 projects and, later, edits 5.
    for (let n = 0; n < 50; n++) await laptop.delete("projects", id(n));
    await laptop.sync();
    const deletedThrough = (await horizonOf(user.id)).lastSeq;
    for (let n = 50; n < 55; n++) await laptop.put("projects", id(n), { name: `Project ${n}`, color: "teal" });
    await laptop.sync();
    // Everything but the 5 edits is older than the retention period; the nightly job runs.
    await ageThrough(user.id, deletedThrough, 40);
    await expect(applyRetention(user.id)).resolves.toMatchObject({ expiredTombstones: 50, expiredRecords: 5 });

    // Offline, the desktop edited one project the laptop deleted, and one nobody else touched.
    await desktop.put("projects", id(7), { name: "Project 7", note: "edited offline" });
    await desktop.put("projects", id(57), { name: "Project 57", note: "edited offline" });
    const summary = await desktop.sync();

    const listed = await desktop.list("projects");
    expect(listed.map((record) => record.id)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59].map(id)); // nothing resurrected
    expect(listed.slice(0, 5).every((record) => (record.value as { color?: string }).color === "teal")).toBe(true); // the 5 edits arrived
    expect(listed.find((record) => record.id === id(57))?.value).toEqual({ name: "Project 57", note: "edited offline" });
    expect(summary.openConflicts).toHaveLength(1);
    expect(await openConflicts(user.id)).toEqual([{ recordId: id(7), type: "delete_conflict", remoteRevision: null }]);
    const opened = await desktop.openConflict(summary.openConflicts[0]!);
    expect(opened).toMatchObject({ local: { name: "Project 7", note: "edited offline" }, remote: null });

    // The server holds no deleted project again, and the laptop sees none come back.
    const live = await (await getDb())
      .select({ id: syncRecords.recordId })
      .from(syncRecords)
      .where(and(eq(syncRecords.userId, user.id), eq(syncRecords.deleted, false)))
      .orderBy(syncRecords.recordId);
    expect(live.map((row) => row.id)).toEqual([50, 51, 52, 53, 54, 57].map(id)); // 55, 56, 58, 59 expired; the devices keep them
    await laptop.sync();
    expect((await laptop.list("projects")).map((record) => record.id)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59].map(id));

    // The person decides: keeping the desktop's version brings it back on every device.
    await desktop.resolveConflict(summary.openConflicts[0]!, "local_wins");
    await laptop.sync();
    expect(await laptop.get("projects", id(7))).toEqual({ name: "Project 7", note: "edited offline" });
    await desktop.sync();
    expect(await desktop.get("projects", id(7))).toEqual({ name: "Project 7", note: "edited offline" });
  });

  it("a record kept by an open conflict below the horizon still reaches a device that starts from the horizon", async () => {
    const { user, device } = await newUser("horizon-survivor");
    const laptop = await device("laptop");
    const desktop = await device("desktop");
    await laptop.put("projects", "y", { name: "first" });
    await laptop.sync();
    await desktop.sync();
    await laptop.put("projects", "y", { name: "laptop" });
    await laptop.sync();
    await desktop.put("projects", "y", { name: "desktop" });
    expect((await desktop.sync()).openConflicts).toHaveLength(1); // the same field changed on both: left for a person
    await laptop.put("projects", "x", { name: "x" });
    await laptop.sync();
    const { lastSeq } = await horizonOf(user.id);
    await ageThrough(user.id, lastSeq, 40);
    await expect(applyRetention(user.id)).resolves.toMatchObject({ expiredRecords: 1 }); // x goes; y stays for its conflict
    const [kept] = await (await getDb()).select({ seq: syncRecords.seq }).from(syncRecords).where(and(eq(syncRecords.userId, user.id), eq(syncRecords.recordId, "y")));
    expect(kept!.seq).toBeGreaterThan((await horizonOf(user.id)).trimmedSeq);

    const fresh = await device("fresh");
    await fresh.sync();
    expect(await fresh.get("projects", "y")).toEqual({ name: "laptop" });
    // devices that hold y already see nothing new
    await expect(laptop.sync()).resolves.toMatchObject({ pulled: 0 });
  });

  it("stops reporting a record it could not read once it comes back to find that record deleted", async () => {
    const { user, caller, device } = await newUser("horizon-unreadable");
    const laptop = await device("laptop");
    const desktop = await device("desktop");
    await laptop.put("projects", "u", { name: "readable" });
    await laptop.sync();
    await desktop.sync();
    const write = await rawWriter(caller);
    await write("u", 1, foreignEnvelope());
    expect((await desktop.sync()).unreadable).toMatchObject([{ id: "u", revision: 2 }]);

    // The desktop goes offline; u is deleted, and retention forgets the tombstone.
    await write("u", 2, null);
    await ageThrough(user.id, (await horizonOf(user.id)).lastSeq, 40);
    await expect(applyRetention(user.id)).resolves.toMatchObject({ expiredTombstones: 1 });
    const back = await desktop.sync();
    expect(back.unreadable).toEqual([]);
    expect(await desktop.get("projects", "u")).toBeUndefined();
    expect(await desktop.status()).toMatchObject({ unreadable: 0 });
  });

  it("keeps the deletions memory out of a fresh start and deletes it with the user's sync data", async () => {
    const { user, caller, device } = await newUser("horizon-delete-all");
    const laptop = await device("laptop");
    await laptop.put("projects", "p1", { name: "one" });
    await laptop.sync();
    await laptop.delete("projects", "p1");
    await laptop.sync();
    await ageThrough(user.id, 2, 40);
    await applyRetention(user.id);
    const db = await getDb();
    expect(await db.select().from(syncTrimmedDeletions).where(eq(syncTrimmedDeletions.userId, user.id))).toHaveLength(1);

    // A new device starts below the horizon with nothing to compare: it jumps to the horizon.
    const fresh = await device("fresh");
    await expect(fresh.sync()).resolves.toMatchObject({ pulled: 0 });
    expect(await fresh.status()).toMatchObject({ cursor: 2, records: 0 });

    await caller.sync.deleteAll({ confirm: "DELETE" });
    expect(await db.select().from(syncTrimmedDeletions).where(eq(syncTrimmedDeletions.userId, user.id))).toEqual([]);
  });
});

type Action = { kind: "none" } | { kind: "edit" | "delete"; day: number };

/**
 * Random offline spans and retention settings: whatever was trimmed, a device that
 * comes back resurrects no deletion, meets exactly one delete_conflict per record
 * it edited that was deleted elsewhere, and keeps or receives everything else.
 */
describe("sync horizon: property over offline spans and retention settings", () => {
  const RECORDS = 8;
  const scenario = fc.record({
    offlineDays: fc.integer({ min: 1, max: 120 }),
    retentionDays: fc.integer({ min: 1, max: 90 }),
    actions: fc.array(
      fc.oneof(
        fc.constant<Action>({ kind: "none" }),
        fc.record({ kind: fc.constantFrom("edit" as const, "delete" as const), day: fc.integer({ min: 0, max: 1000 }) }),
      ),
      { minLength: RECORDS, maxLength: RECORDS },
    ),
    offlineEdits: fc.array(fc.boolean(), { minLength: RECORDS, maxLength: RECORDS }),
  });

  it("never resurrects a deletion", { timeout: 180_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ offlineDays, retentionDays, actions: rawActions, offlineEdits }) => {
        run += 1;
        const db = await getDb();
        const { user, device } = await newUser(`horizon-property-${run}`);
        const laptop = await device("laptop");
        const desktop = await device("desktop");
        const name = (n: number) => `r${n}`;
        for (let n = 0; n < RECORDS; n++) await laptop.put("projects", name(n), { v: "original" });
        await laptop.sync();
        await desktop.sync();
        const wroteAt = new Map<number, number>([[(await horizonOf(user.id)).lastSeq, 0]]); // seq → day written

        // While the desktop is offline, the laptop acts on each record on its day (whole days into the span).
        const actions = rawActions.map((action) => (action.kind === "none" ? action : { ...action, day: Math.floor((action.day / 1000) * offlineDays) }));
        const order = actions.flatMap((action, n) => (action.kind === "none" ? [] : [{ n, ...action }])).sort((a, b) => a.day - b.day);
        for (const step of order) {
          if (step.kind === "edit") await laptop.put("projects", name(step.n), { v: "laptop" });
          else await laptop.delete("projects", name(step.n));
          await laptop.sync();
          wroteAt.set((await horizonOf(user.id)).lastSeq, step.day);
        }
        // Age every write by how long ago it was made (the desktop comes back half a day after offlineDays), then trim.
        const ageOf = (day: number) => offlineDays - day + 0.5;
        for (const [seq, day] of [...wroteAt].sort(([a], [b]) => b - a)) await ageThrough(user.id, seq, ageOf(day));
        await applyRetention(user.id, retentionDays);
        const expiredLaptopWrite = (day: number) => ageOf(day) > retentionDays;

        for (let n = 0; n < RECORDS; n++) if (offlineEdits[n]) await desktop.put("projects", name(n), { v: "desktop" });
        await desktop.sync();
        await laptop.sync();

        const onDesktop = new Map((await desktop.list("projects")).map((record) => [record.id, record.value]));
        const onLaptop = new Map((await laptop.list("projects")).map((record) => [record.id, record.value]));
        const conflicts = await openConflicts(user.id);
        const expectedConflicts: string[] = [];
        for (let n = 0; n < RECORDS; n++) {
          const action = actions[n]!;
          const edited = offlineEdits[n]!;
          if (action.kind === "delete") {
            expect(onDesktop.has(name(n)), `${name(n)} resurrected on the desktop`).toBe(false);
            expect(onLaptop.has(name(n)), `${name(n)} resurrected on the laptop`).toBe(false);
            if (edited) expectedConflicts.push(name(n));
          } else if (action.kind === "edit" && !edited) {
            // An edit the server still holds arrives; one retention deleted cannot, and the desktop keeps its copy.
            expect(onDesktop.get(name(n))).toEqual({ v: expiredLaptopWrite(action.day) ? "original" : "laptop" });
          } else if (action.kind === "none") {
            expect(onDesktop.get(name(n))).toEqual({ v: edited ? "desktop" : "original" });
            if (edited) expect(onLaptop.get(name(n))).toEqual({ v: "desktop" });
          }
        }
        expect(conflicts.filter((conflict) => conflict.type === "delete_conflict").map((conflict) => conflict.recordId)).toEqual(expectedConflicts);
        const [resurrected] = await db
          .select({ count: sql<number>`count(*)::int` })
          .from(syncRecords)
          .where(and(eq(syncRecords.userId, user.id), eq(syncRecords.deleted, false), inArray(syncRecords.recordId, ["-", ...actions.flatMap((a, n) => (a.kind === "delete" ? [name(n)] : []))])));
        expect(resurrected!.count).toBe(0);
      }),
      { numRuns: 20 },
    );
  });
});
