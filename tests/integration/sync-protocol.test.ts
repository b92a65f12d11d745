import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { syncConflicts, syncRecords, syncRevisions, syncState } from "~/server/db/schema";
import { sha256Hex } from "~/server/hash";
import { callerFor, connectDevice, errorOf, signedUpUser, syncingUser } from "../support/callers";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";
import { change, push, userWithDevices } from "../support/sync";

/**
 * The sync protocol on the server. The server never decrypts, so these tests use
 * opaque strings as ciphertext (with their real checksums); the client tests use
 * real encryption.
 */

async function revisionSeqs(userId: string) {
  const db = await getDb();
  const rows = await db.select({ seq: syncRevisions.seq }).from(syncRevisions).where(eq(syncRevisions.userId, userId)).orderBy(asc(syncRevisions.seq));
  return rows.map((row) => row.seq);
}

describe("sync.push and sync.pull", () => {
  it("applies new records with revision 1 and consecutive sequence numbers, and pulls them in order with pagination", async () => {
    const { laptop, desktop } = await userWithDevices("push");
    const result = await push(laptop, [change("p1", null, "one"), change("p2", null, "two"), change("a1", null, "act", { collection: "activities" })]);
    expect(result).toMatchObject({ cursor: 3, applied: 3, conflicts: 0 });
    expect(result.results.map((r) => [r.id, r.status, "revision" in r ? r.revision : null])).toEqual([
      ["p1", "applied", 1],
      ["p2", "applied", 1],
      ["a1", "applied", 1],
    ]);

    const page1 = await desktop.caller.sync.pull({ cursor: 0, limit: 2 });
    expect(page1.changes.map((c) => [c.id, c.seq])).toEqual([["p1", 1], ["p2", 2]]);
    expect(page1).toMatchObject({ cursor: 2, hasMore: true, latestSeq: 3 });
    const page2 = await desktop.caller.sync.pull({ cursor: page1.cursor, limit: 2 });
    expect(page2.changes.map((c) => c.id)).toEqual(["a1"]);
    expect(page2).toMatchObject({ cursor: 3, hasMore: false });
    expect(page2.changes[0]).toMatchObject({ ciphertext: "opaque:act", checksum: sha256Hex("opaque:act"), revision: 1, deleted: false });

    const onlyActivities = await desktop.caller.sync.pull({ cursor: 0, limit: 10, collections: ["activities"] });
    expect(onlyActivities.changes.map((c) => c.id)).toEqual(["a1"]);
  });

  it("applies an update made on the current revision and records a conflict for a stale one, overwriting nothing", async () => {
    const { user, laptop, desktop } = await userWithDevices("stale");
    await push(laptop, [change("p1", null, "v1")]);
    const update = await push(laptop, [change("p1", 1, "v2 from laptop")]);
    expect(update.results[0]).toMatchObject({ status: "applied", revision: 2 });

    const stale = await push(desktop, [change("p1", 1, "v2 from desktop")]);
    expect(stale).toMatchObject({ applied: 0, conflicts: 1 });
    const conflict = stale.results[0]!;
    expect(conflict).toMatchObject({ status: "conflict", type: "update_conflict" });
    // Exactly the server's current version, every field typed as the client reads it (seq is a number, not a bigint string).
    expect(conflict.status === "conflict" && conflict.remote).toEqual({
      revision: 2,
      seq: 2,
      ciphertext: "opaque:v2 from laptop",
      checksum: sha256Hex("opaque:v2 from laptop"),
      schemaVersion: 1,
      deleted: false,
      keyId: 1,
    });

    const db = await getDb();
    const [record] = await db.select().from(syncRecords).where(and(eq(syncRecords.userId, user.id), eq(syncRecords.recordId, "p1")));
    expect(record).toMatchObject({ revision: 2, ciphertext: "opaque:v2 from laptop" });
    const [stored] = await db.select().from(syncConflicts).where(eq(syncConflicts.userId, user.id));
    expect(stored).toMatchObject({ type: "update_conflict", status: "open", baseRevision: 1, remoteRevision: 2, localCiphertext: "opaque:v2 from desktop", deviceId: desktop.id });
  });

  it("detects delete conflicts both ways, schema conflicts, and agrees when both sides deleted", async () => {
    const { laptop, desktop } = await userWithDevices("kinds");
    await push(laptop, [change("gone", null, "x"), change("kept", null, "y"), change("schema", null, "z"), change("twice", null, "w")]);
    await push(laptop, [change("gone", 1, "", { deleted: true }), change("kept", 1, "y2"), change("schema", 1, "z2"), change("twice", 1, "", { deleted: true })]);

    const result = await push(desktop, [
      change("gone", 1, "edited after delete"),
      change("kept", 1, "", { deleted: true }),
      change("schema", 1, "z-v2", { schemaVersion: 2 }),
      change("twice", 1, "", { deleted: true }),
    ]);
    expect(result.results.map((r) => [r.id, r.status, r.status === "conflict" ? r.type : null])).toEqual([
      ["gone", "conflict", "delete_conflict"],
      ["kept", "conflict", "delete_conflict"],
      ["schema", "conflict", "schema_conflict"],
      ["twice", "unchanged", null],
    ]);

    const pulled = await desktop.caller.sync.pull({ cursor: 4, limit: 10 });
    expect(pulled.changes.find((c) => c.id === "gone")).toMatchObject({ deleted: true, ciphertext: null, checksum: null, revision: 2 });
  });

  it("returns the first result for a retried idempotency key and applies nothing twice", async () => {
    const { user, laptop } = await userWithDevices("idem");
    const key = randomUUID();
    const first = await push(laptop, [change("p1", null, "once")], key);
    const again = await push(laptop, [change("p1", null, "once")], key);
    expect(again).toEqual(first);
    expect(await revisionSeqs(user.id)).toEqual([1]);
  });

  it("answers a push that already landed, sent again on its old base under a new key, unchanged: no conflict with itself", async () => {
    const { user, laptop } = await userWithDevices("landed-again");
    await push(laptop, [change("p1", null, "v1")]);
    const landed = await push(laptop, [change("p1", 1, "v2")]); // its answer never reached the device
    expect(landed.results).toMatchObject([{ status: "applied", revision: 2 }]);
    const again = await push(laptop, [change("p1", 1, "v2")]); // the app restarted: a new key, the same upload
    expect(again.results).toEqual([{ collection: "projects", id: "p1", status: "unchanged", revision: 2 }]);
    expect(await revisionSeqs(user.id)).toEqual([1, 2]);
    // different content on the old base is still a conflict
    expect((await push(laptop, [change("p1", 1, "v2, edited")])).results).toMatchObject([{ status: "conflict", type: "update_conflict" }]);
  });

  it("refuses an idempotency key reused for a different batch, or by another device, with 422 and applies nothing", async () => {
    const { user, laptop, desktop } = await userWithDevices("idem-reused");
    const key = randomUUID();
    await push(laptop, [change("p1", null, "first")], key);
    for (const reuse of [
      () => push(laptop, [change("p2", null, "a new record")], key),
      () => push(laptop, [change("p1", null, "other content")], key),
      () => push(desktop, [change("p1", null, "first")], key),
    ]) {
      expect(await errorOf(reuse)).toMatchObject({ code: "UNPROCESSABLE_CONTENT", message: expect.stringMatching(/already used for a different batch: nothing was applied/) });
    }
    expect(await revisionSeqs(user.id)).toEqual([1]);
    const pulled = await laptop.caller.sync.pull({ cursor: 0 });
    expect(pulled.changes.map((c) => [c.id, c.ciphertext])).toEqual([["p1", "opaque:first"]]);
  });

  it("applies a batch all or nothing: one bad checksum refuses the whole batch with 400", async () => {
    const { user, laptop } = await userWithDevices("atomic");
    const tampered = { ...change("p2", null, "two"), ciphertext: "opaque:altered" };
    const error = await errorOf(() => push(laptop, [change("p1", null, "one"), tampered]));
    expect(error).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/Checksum mismatch for projects\/p2.*Nothing was applied/) });
    const db = await getDb();
    expect(await db.select().from(syncRecords).where(eq(syncRecords.userId, user.id))).toHaveLength(0);
    expect(await db.select().from(syncState).where(eq(syncState.userId, user.id))).toHaveLength(0);
  });

  it("answers limit breaches with clear 400s", async () => {
    const { laptop } = await userWithDevices("limits");
    const unknown = await errorOf(() => push(laptop, [{ ...change("x", null, "x"), collection: "secrets" as never }]));
    expect(unknown).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/Unknown collection "secrets"/) });

    const tooMany = await errorOf(() => push(laptop, Array.from({ length: 501 }, (_, i) => change(`r${i}`, null, "x"))));
    expect(tooMany.message).toMatch(/at most 500 changes/);

    const big = "x".repeat(64 * 1024 + 1);
    const tooBig = await errorOf(() => push(laptop, [{ ...change("big", null, ""), ciphertext: big, checksum: sha256Hex(big) }]));
    expect(tooBig.message).toMatch(/larger than 64 KiB/);

    const duplicate = await errorOf(() => push(laptop, [change("d", null, "1"), change("d", null, "2")]));
    expect(duplicate.message).toMatch(/projects\/d appears twice/);

    const badId = await errorOf(() => push(laptop, [change("has space", null, "1")]));
    expect(badId.message).toMatch(/Record id may contain only/);
  });

  it("publishes sync:changed and sync:conflict with ids and counts only", async () => {
    const { user, laptop, desktop } = await userWithDevices("events");
    const { heard: messages, stop } = listenRealtime(user.id, { except: NOTIFICATION_TRAFFIC });
    try {
      await push(laptop, [change("p1", null, "secret plaintext? no, ciphertext")]);
      await push(desktop, [change("p1", null, "concurrent create")]);
    } finally {
      stop();
    }
    expect(messages.map((m) => m.event)).toEqual(["sync:changed", "sync:conflict"]);
    expect(messages[0]!.payload).toEqual({ cursor: 1, changes: 1, sourceDeviceId: laptop.id });
    expect(messages[1]!.payload).toMatchObject({ count: 1, sourceDeviceId: desktop.id, conflictIds: [expect.any(String)] });
    expect(JSON.stringify(messages)).not.toContain("opaque:");
  });

  it("records last sync per device", async () => {
    const { caller, laptop, desktop } = await userWithDevices("lastsync");
    await push(laptop, [change("p1", null, "x")]);
    const listed = await caller.sync.devices();
    expect(listed.find((d) => d.id === laptop.id)?.lastSyncAt).toBeInstanceOf(Date);
    expect(listed.find((d) => d.id === desktop.id)?.lastSyncAt).toBeNull();
  });
});

describe("sync authorization", () => {
  it("keeps every user's data to themselves", async () => {
    const alice = await userWithDevices("alice-sync");
    const bob = await userWithDevices("bob-sync");
    const conflictResult = await (async () => {
      await push(alice.laptop, [change("p1", null, "a")]);
      return push(alice.desktop, [change("p1", null, "b")]);
    })();
    const first = conflictResult.results[0]!;
    if (first.status !== "conflict") throw new Error("expected a conflict");
    const conflictId = first.conflictId;

    expect((await bob.laptop.caller.sync.pull({ cursor: 0, limit: 100 })).changes).toEqual([]);
    expect(await bob.caller.sync.keys.get()).toBeNull();
    expect((await bob.caller.conflicts.list({ status: "open", limit: 50 })).items).toEqual([]);
    await expect(errorOf(() => bob.caller.conflicts.get({ id: conflictId }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    await expect(errorOf(() => bob.caller.conflicts.resolve({ id: conflictId, strategy: "remote_wins" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    // Bob cannot push as one of Alice's devices, nor with his token claiming another device
    await expect(errorOf(() => bob.caller.sync.push({ idempotencyKey: randomUUID(), deviceId: alice.laptop.id, changes: [change("x", null, "x")] }))).resolves.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(errorOf(() => bob.laptop.caller.sync.push({ idempotencyKey: randomUUID(), deviceId: bob.desktop.id, changes: [change("x", null, "x")] }))).resolves.toMatchObject({
      code: "FORBIDDEN",
    });
    // and nothing of Alice's changed
    const aliceRecords = await alice.laptop.caller.sync.pull({ cursor: 0, limit: 100 });
    expect(aliceRecords.changes.map((c) => c.ciphertext)).toEqual(["opaque:a"]);
  });
});

describe("sync keys", () => {
  const bundle = (iterations = 600_000) => ({
    params: { kdf: "PBKDF2-HMAC-SHA256" as const, iterations, salt: "c2FsdHNhbHRzYWx0c2FsdA==", version: 1 as const },
    wrappedKey: "v1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb",
    keyCheck: "v1.cccccccccccccccc.dddddddddddddddddddddddd",
  });

  it("stores one bundle, refuses a second setup and weak parameters, rotates with optimistic versioning", async () => {
    const { caller } = await signedUpUser("keys");
    expect(await caller.sync.keys.get()).toBeNull();
    await expect(errorOf(() => caller.sync.keys.setup(bundle(100_000)))).resolves.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/at least 600,000 iterations/) });
    await caller.sync.keys.setup(bundle());
    expect(await caller.sync.keys.get()).toMatchObject({ ...bundle(), version: 1 });
    await expect(errorOf(() => caller.sync.keys.setup(bundle()))).resolves.toMatchObject({ code: "CONFLICT" });

    const rotated = { ...bundle(700_000), wrappedKey: "v1.eeeeeeeeeeeeeeee.ffffffffffffffffffffffff" };
    await expect(caller.sync.keys.rotatePassphrase({ bundle: rotated, expectedVersion: 1 })).resolves.toEqual({ version: 2 });
    await expect(errorOf(() => caller.sync.keys.rotatePassphrase({ bundle: rotated, expectedVersion: 1 }))).resolves.toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(await caller.sync.keys.get()).toMatchObject({ wrappedKey: rotated.wrappedKey, version: 2 });
  });
});

describe("conflicts.resolve", () => {
  async function conflictOn(label: string) {
    const setup = await userWithDevices(label);
    await push(setup.laptop, [change("p1", null, "base")]);
    await push(setup.laptop, [change("p1", 1, "remote")]);
    const result = await push(setup.desktop, [change("p1", 1, "local")]);
    const item = result.results[0]!;
    if (item.status !== "conflict") throw new Error("expected a conflict");
    return { ...setup, conflictId: item.conflictId };
  }

  const currentCiphertext = async (userId: string) => {
    const db = await getDb();
    const [row] = await db.select().from(syncRecords).where(and(eq(syncRecords.userId, userId), eq(syncRecords.recordId, "p1")));
    return row;
  };

  it("local_wins writes the refused version as a new revision", async () => {
    const { user, desktop, conflictId } = await conflictOn("lw");
    await expect(desktop.caller.conflicts.resolve({ id: conflictId, strategy: "local_wins" })).resolves.toMatchObject({ revision: 3 });
    expect(await currentCiphertext(user.id)).toMatchObject({ revision: 3, ciphertext: "opaque:local", deviceId: desktop.id });
    await expect(errorOf(() => desktop.caller.conflicts.resolve({ id: conflictId, strategy: "local_wins" }))).resolves.toMatchObject({ code: "CONFLICT" });
  });

  it("remote_wins keeps the server version without a new revision", async () => {
    const { user, caller, conflictId } = await conflictOn("rw");
    await expect(caller.conflicts.resolve({ id: conflictId, strategy: "remote_wins" })).resolves.toMatchObject({ revision: 2 });
    expect(await currentCiphertext(user.id)).toMatchObject({ revision: 2, ciphertext: "opaque:remote" });
    expect((await caller.conflicts.list({ status: "resolved", limit: 10 })).items[0]).toMatchObject({ id: conflictId, resolution: "remote_wins" });
  });

  it("merge writes the client's encrypted result; a stale resolution is refused", async () => {
    const { user, laptop, caller, conflictId } = await conflictOn("mg");
    const merged = "opaque:merged";
    const missing = await errorOf(() => caller.conflicts.resolve({ id: conflictId, strategy: "merge" }));
    expect(missing.code).toBe("BAD_REQUEST");

    await push(laptop, [change("p1", 2, "moved on")]); // another device pushes meanwhile
    const stale = await errorOf(() => caller.conflicts.resolve({ id: conflictId, strategy: "merge", resolved: { ciphertext: merged, checksum: sha256Hex(merged), schemaVersion: 1, deleted: false } }));
    expect(stale).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/changed since you looked at it: reload/) });
    expect(await currentCiphertext(user.id)).toMatchObject({ revision: 3, ciphertext: "opaque:moved on" });
  });

  it("get returns base, local and remote ciphertexts", async () => {
    const { caller, conflictId, desktop } = await conflictOn("get");
    const conflict = await caller.conflicts.get({ id: conflictId });
    expect(conflict).toMatchObject({
      type: "update_conflict",
      deviceName: "desktop",
      base: { revision: 1, ciphertext: "opaque:base" },
      local: { ciphertext: "opaque:local", deviceId: desktop.id },
      remote: { revision: 2, ciphertext: "opaque:remote" },
    });
  });
});

describe("concurrency", () => {
  it("N devices pushing conflicting changes at once: every write applied or recorded, sequence gap-free", async () => {
    const { user, caller } = await syncingUser("race");
    const deviceCount = 6;
    const devices = await Promise.all(
      Array.from({ length: deviceCount }, async (_, i) => {
        const { deviceId } = await connectDevice(caller, `device-${i}`);
        return { id: deviceId, caller: await callerFor(user, { id: deviceId, name: `device-${i}` }) };
      }),
    );
    const ids = ["r1", "r2", "r3", "r4"];
    await push(devices[0]!, ids.map((id) => change(id, null, "seed")));

    const rounds = 3;
    const outcomes = await Promise.all(
      devices.map(async (device, d) => {
        const tally = { applied: 0, conflicts: 0 };
        for (let round = 0; round < rounds; round++) {
          // every device believes it edits revision 1 + round: most will lose the race
          const result = await push(device, ids.map((id) => change(id, 1 + round, `d${d}-r${round}-${id}`)));
          tally.applied += result.applied;
          tally.conflicts += result.conflicts;
        }
        return tally;
      }),
    );
    const applied = outcomes.reduce((sum, o) => sum + o.applied, 0);
    const conflicts = outcomes.reduce((sum, o) => sum + o.conflicts, 0);
    expect(applied + conflicts).toBe(deviceCount * rounds * ids.length);

    const db = await getDb();
    const storedConflicts = await db.select().from(syncConflicts).where(eq(syncConflicts.userId, user.id));
    expect(storedConflicts).toHaveLength(conflicts);
    const seqs = await revisionSeqs(user.id);
    expect(seqs).toEqual(Array.from({ length: ids.length + applied }, (_, i) => i + 1));
    // each record's revisions are consecutive and its current revision is the last one
    for (const id of ids) {
      const revisions = await db
        .select({ revision: syncRevisions.revision })
        .from(syncRevisions)
        .where(and(eq(syncRevisions.userId, user.id), eq(syncRevisions.recordId, id)))
        .orderBy(asc(syncRevisions.revision));
      expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: revisions.length }, (_, i) => i + 1));
      const [record] = await db.select().from(syncRecords).where(and(eq(syncRecords.userId, user.id), eq(syncRecords.recordId, id)));
      expect(record!.revision).toBe(revisions.length);
    }
  });
});

describe("sync.deleteAll", () => {
  it("removes the user's synced data and keys but keeps the sequence monotonic", async () => {
    const { user, caller, laptop, desktop } = await userWithDevices("wipe");
    await caller.sync.keys.setup({
      params: { kdf: "PBKDF2-HMAC-SHA256", iterations: 600_000, salt: "c2FsdHNhbHRzYWx0c2FsdA==", version: 1 },
      wrappedKey: "v1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb",
      keyCheck: "v1.cccccccccccccccc.dddddddddddddddddddddddd",
    });
    await push(laptop, [change("p1", null, "x"), change("p2", null, "y")]);
    await push(desktop, [change("p1", null, "z")]);
    await expect(errorOf(() => caller.sync.deleteAll({ confirm: "yes" as never }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.sync.deleteAll({ confirm: "DELETE" })).resolves.toEqual({ deletedRecords: 2 });

    const db = await getDb();
    for (const table of [syncRecords, syncRevisions, syncConflicts]) {
      expect(await db.select().from(table).where(eq(table.userId, user.id))).toHaveLength(0);
    }
    expect(await caller.sync.keys.get()).toBeNull();
    const next = await push(laptop, [change("p3", null, "after")]);
    expect(next.cursor).toBe(3);
  });
});
