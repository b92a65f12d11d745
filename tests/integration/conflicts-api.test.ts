import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { syncConflicts, syncRecords } from "~/server/db/schema";
import { sha256Hex } from "~/server/hash";
import { errorOf } from "../support/callers";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";
import { change, foreignEnvelope, push, userWithDevices } from "../support/sync";

/** Two open update conflicts on records p1 and p2 of a fresh user. */
async function twoConflicts(label: string) {
  const setup = await userWithDevices(label);
  await push(setup.laptop, [change("p1", null, "base1"), change("p2", null, "base2")]);
  await push(setup.laptop, [change("p1", 1, "remote1"), change("p2", 1, "remote2")]);
  const result = await push(setup.desktop, [change("p1", 1, "local1"), change("p2", 1, "local2")]);
  const ids = result.results.map((r) => {
    if (r.status !== "conflict") throw new Error(`expected a conflict on ${r.id}`);
    return r.conflictId;
  });
  return { ...setup, ids };
}

const current = async (userId: string, id: string) => {
  const db = await getDb();
  const [row] = await db.select().from(syncRecords).where(and(eq(syncRecords.userId, userId), eq(syncRecords.recordId, id)));
  return row!;
};

describe("conflicts.resolveMany", () => {
  it("keeps mine for several conflicts at once", async () => {
    const { user, caller, ids } = await twoConflicts("bulk");
    const result = await caller.conflicts.resolveMany({ ids, strategy: "local_wins" });
    expect(result.resolved).toEqual([
      { id: ids[0], revision: 3 },
      { id: ids[1], revision: 3 },
    ]);
    expect((await current(user.id, "p1")).ciphertext).toBe("opaque:local1");
    expect((await current(user.id, "p2")).ciphertext).toBe("opaque:local2");
    expect((await caller.conflicts.list({ status: "open", limit: 10 })).items).toEqual([]);
  });

  it("resolves all or none: one stale conflict refuses the whole batch", async () => {
    const { user, caller, laptop, ids } = await twoConflicts("bulkstale");
    await push(laptop, [change("p2", 2, "moved on")]);
    const error = await errorOf(() => caller.conflicts.resolveMany({ ids, strategy: "local_wins" }));
    expect(error).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/projects\/p2 changed since/) });
    expect((await current(user.id, "p1")).ciphertext).toBe("opaque:remote1"); // p1 untouched too
    const db = await getDb();
    const open = await db.select().from(syncConflicts).where(and(eq(syncConflicts.userId, user.id), eq(syncConflicts.status, "open")));
    expect(open).toHaveLength(2);
  });

  it("cannot touch another user's conflicts", async () => {
    const alice = await twoConflicts("bulk-alice");
    const bob = await userWithDevices("bulk-bob");
    await expect(errorOf(() => bob.caller.conflicts.resolveMany({ ids: alice.ids, strategy: "remote_wins" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    expect((await alice.caller.conflicts.list({ status: "open", limit: 10 })).items).toHaveLength(2);
  });
});

describe("conflicts.history and conflicts.rollback", () => {
  it("lists revisions newest first and restores an old one as a new revision, which can itself be undone", async () => {
    const { user, caller, laptop } = await userWithDevices("history");
    await push(laptop, [change("p1", null, "first")]);
    await push(laptop, [change("p1", 1, "second")]);
    await push(laptop, [change("p1", 2, "third")]);

    const history = await caller.conflicts.history({ collection: "projects", recordId: "p1" });
    expect(history.currentRevision).toBe(3);
    expect(history.revisions.map((r) => [r.revision, r.ciphertext, r.deviceName])).toEqual([
      [3, "opaque:third", "laptop"],
      [2, "opaque:second", "laptop"],
      [1, "opaque:first", "laptop"],
    ]);

    await expect(caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: 1, expectedCurrentRevision: 3 })).resolves.toMatchObject({
      revision: 4,
      restoredRevision: 1,
    });
    expect(await current(user.id, "p1")).toMatchObject({ revision: 4, ciphertext: "opaque:first" });
    // nothing was destroyed: undo the rollback by restoring revision 3
    await caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: 3 });
    expect(await current(user.id, "p1")).toMatchObject({ revision: 5, ciphertext: "opaque:third" });
    expect((await caller.conflicts.history({ collection: "projects", recordId: "p1" })).revisions).toHaveLength(5);

    // devices see rollbacks as ordinary changes
    const pulled = await laptop.caller.sync.pull({ cursor: 3, limit: 10 });
    expect(pulled.changes).toMatchObject([{ id: "p1", revision: 5, ciphertext: "opaque:third" }]);
  });

  it("refuses a stale, missing or no-op rollback with clear errors and changes nothing", async () => {
    const { user, caller, laptop } = await userWithDevices("rollback-bad");
    await push(laptop, [change("p1", null, "first")]);
    await push(laptop, [change("p1", 1, "second")]);
    await expect(errorOf(() => caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: 1, expectedCurrentRevision: 1 }))).resolves.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    await expect(errorOf(() => caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: 9 }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    await expect(errorOf(() => caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: 2 }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
    await expect(errorOf(() => caller.conflicts.rollback({ collection: "projects", recordId: "nope", revision: 1 }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    expect(await current(user.id, "p1")).toMatchObject({ revision: 2, ciphertext: "opaque:second" });
  });

  it("never shows or rolls back another user's record", async () => {
    const alice = await userWithDevices("hist-alice");
    const bob = await userWithDevices("hist-bob");
    await push(alice.laptop, [change("p1", null, "a1")]);
    await push(alice.laptop, [change("p1", 1, "a2")]);
    await expect(errorOf(() => bob.caller.conflicts.history({ collection: "projects", recordId: "p1" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    await expect(errorOf(() => bob.caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: 1 }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    expect(await current(alice.user.id, "p1")).toMatchObject({ revision: 2, ciphertext: "opaque:a2" });
  });
});

describe("resolving against a reloaded record", () => {
  it("after another device moved the record on, get shows the new server version and a resolution based on it is applied", async () => {
    const { user, caller, laptop, ids } = await twoConflicts("reload");
    await push(laptop, [change("p1", 2, "newer")]);
    const stale = await errorOf(() => caller.conflicts.resolve({ id: ids[0]!, strategy: "local_wins" }));
    expect(stale.code).toBe("PRECONDITION_FAILED");

    const reloaded = await caller.conflicts.get({ id: ids[0]! });
    expect(reloaded.remote).toMatchObject({ revision: 3, ciphertext: "opaque:newer" });
    await expect(caller.conflicts.resolve({ id: ids[0]!, strategy: "local_wins", expectedRevision: 3 })).resolves.toMatchObject({ revision: 4 });
    expect((await current(user.id, "p1")).ciphertext).toBe("opaque:local1");
  });
});

describe("conflict events", () => {
  it("publishes sync:conflict_resolved (and sync:changed when a revision was written) with ids only", async () => {
    const { user, caller, ids } = await twoConflicts("events-resolved");
    const { heard: seen, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    try {
      await caller.conflicts.resolve({ id: ids[0]!, strategy: "local_wins" });
      await caller.conflicts.resolve({ id: ids[1]!, strategy: "remote_wins" });
    } finally {
      stop();
    }
    expect(seen.map((m) => m.event)).toEqual(["sync:changed", "sync:conflict_resolved", "sync:conflict_resolved"]);
    expect(seen[1]!.payload).toEqual({ conflictId: ids[0], strategy: "local_wins", revision: 3 });
    expect(seen[2]!.payload).toEqual({ conflictId: ids[1], strategy: "remote_wins", revision: 2 });
    expect(JSON.stringify(seen)).not.toContain("opaque:");
  });
});

describe("resolving merge and schema conflicts", () => {
  it("merge writes the client's encrypted result as the next revision", async () => {
    const { user, caller, ids } = await twoConflicts("merge-ok");
    const merged = "opaque:merged by the client";
    // a key id the envelope contradicts is refused before anything is written
    const contradicted = foreignEnvelope(3);
    await expect(
      caller.conflicts.resolve({ id: ids[0]!, strategy: "merge", resolved: { ciphertext: contradicted, checksum: sha256Hex(contradicted), schemaVersion: 1, deleted: false, keyId: 1 } }),
    ).rejects.toThrow("keyId differs from the key id the envelope names");
    expect(await current(user.id, "p1")).toMatchObject({ revision: 2 });
    await expect(
      caller.conflicts.resolve({ id: ids[0]!, strategy: "merge", resolved: { ciphertext: merged, checksum: sha256Hex(merged), schemaVersion: 1, deleted: false } }),
    ).resolves.toMatchObject({ revision: 3 });
    expect(await current(user.id, "p1")).toMatchObject({ revision: 3, ciphertext: merged, schemaVersion: 1 });
  });

  it("a schema conflict is resolved manually under the newer schema version", async () => {
    const { user, caller, laptop, desktop } = await userWithDevices("schema-resolve");
    await push(laptop, [change("s1", null, "v1 schema 1")]);
    await push(laptop, [change("s1", 1, "v2 schema 1")]);
    const result = await push(desktop, [change("s1", 1, "edited under schema 2", { schemaVersion: 2 })]);
    const item = result.results[0]!;
    if (item.status !== "conflict") throw new Error("expected a conflict");
    expect(item.type).toBe("schema_conflict");
    const chosen = "opaque:chosen under schema 2";
    await caller.conflicts.resolve({ id: item.conflictId, strategy: "manual", resolved: { ciphertext: chosen, checksum: sha256Hex(chosen), schemaVersion: 2, deleted: false } });
    expect(await current(user.id, "s1")).toMatchObject({ revision: 3, ciphertext: chosen, schemaVersion: 2 });
  });
});

/** `n` open update conflicts in `collection`, all from one push (so they share one created_at). */
async function manyConflicts(setup: Awaited<ReturnType<typeof userWithDevices>>, n: number, collection: "projects" | "settings" = "projects") {
  const ids = Array.from({ length: n }, (_, i) => `${collection}-${i}`);
  await push(setup.laptop, ids.map((id) => change(id, null, "base", { collection })));
  await push(setup.laptop, ids.map((id) => change(id, 1, "remote", { collection })));
  const result = await push(setup.desktop, ids.map((id) => change(id, 1, "local", { collection })));
  expect(result.results.every((r) => r.status === "conflict")).toBe(true);
}

describe("more than 100 conflicts", () => {
  it("pages through every conflict, including those of one push beyond the first page, and counts them", async () => {
    const setup = await userWithDevices("many-list");
    await manyConflicts(setup, 137);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await setup.caller.conflicts.list({ status: "open", limit: 100, cursor });
      seen.push(...page.items.map((item) => item.recordId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(137);
    expect(new Set(seen).size).toBe(137);
    await expect(setup.caller.conflicts.count({ status: "open" })).resolves.toMatchObject({ count: 137 });
    await expect(setup.caller.conflicts.count({ collection: "settings" })).resolves.toEqual({ count: 0, through: null });
  });

  it("resolves every conflict matching a filter in batches, skips a record that moved on, and leaves newer conflicts alone", async () => {
    const setup = await userWithDevices("many-bulk");
    const { user, caller, laptop, desktop } = setup;
    await manyConflicts(setup, 3, "settings");
    await manyConflicts(setup, 137, "projects");
    await push(laptop, [change("projects-5", 2, "moved on")]); // its conflict is now stale
    const { count, through } = await caller.conflicts.count({ collection: "projects" });
    expect(count).toBe(137);
    // a conflict that arrives after the person saw "137" is not theirs to decide in bulk
    await push(laptop, [change("late", null, "base")]);
    await push(laptop, [change("late", 1, "remote")]);
    await push(desktop, [change("late", 1, "local")]);

    const batches: Array<{ resolved: number; skipped: number }> = [];
    let after: string | undefined;
    do {
      const batch = await caller.conflicts.resolveMatching({ collection: "projects", strategy: "local_wins", through: through!, after });
      batches.push({ resolved: batch.resolved, skipped: batch.skipped.length });
      if (batch.skipped.length) expect(batch.skipped).toEqual([expect.objectContaining({ collection: "projects", recordId: "projects-5" })]);
      after = batch.next ?? undefined;
    } while (after);
    expect(batches.reduce((sum, b) => sum + b.resolved, 0)).toBe(136);
    expect(batches.reduce((sum, b) => sum + b.skipped, 0)).toBe(1);
    expect(batches.length).toBeGreaterThanOrEqual(2); // at most 100 per call

    expect((await current(user.id, "projects-0")).ciphertext).toBe("opaque:local");
    expect((await current(user.id, "projects-5")).ciphertext).toBe("opaque:moved on");
    const open = (await caller.conflicts.list({ status: "open", limit: 100 })).items.map((item) => `${item.collection}/${item.recordId}`);
    expect(open.sort()).toEqual(["projects/late", "projects/projects-5", "settings/settings-0", "settings/settings-1", "settings/settings-2"]);
  });

  it("refuses cursors it did not issue, and never reaches another user's conflicts", async () => {
    const alice = await userWithDevices("many-alice");
    await manyConflicts(alice, 2);
    const { through } = await alice.caller.conflicts.count({});
    const bob = await userWithDevices("many-bob");
    const result = await bob.caller.conflicts.resolveMatching({ strategy: "remote_wins", through: through! });
    expect(result).toMatchObject({ resolved: 0, skipped: [], next: null });
    expect((await alice.caller.conflicts.count({})).count).toBe(2);
    for (const cursor of ["2026-01-01T00:00:00.000Z|not-a-uuid", "0000-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000", "garbage"]) {
      await expect(errorOf(() => alice.caller.conflicts.list({ cursor }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
      await expect(errorOf(() => alice.caller.conflicts.resolveMatching({ strategy: "local_wins", through: cursor }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
    }
  });
});
