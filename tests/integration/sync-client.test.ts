import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  createDevPulseClient,
  createFileStore,
  createMemoryStore,
  createSyncClient,
  TamperedRecordError,
  WrongPassphraseError,
  type ConflictStrategy,
} from "~/client";
import { getDb } from "~/server/db/client";
import { syncConflicts, syncKeys, syncPushes, syncRecords, syncRevisions } from "~/server/db/schema";
import { sha256Hex } from "~/server/hash";
import { connectDevice, errorOf, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { foreignEnvelope, rawChange } from "../support/sync";

/**
 * The client SDK through the real HTTP route handler and real WebCrypto: what the
 * desktop app does. Several "devices" of one user each get their own device token,
 * store and sync client.
 */

const PASSPHRASE = "correct horse battery staple, sync edition";

async function newUser(label: string) {
  const { user, caller } = await signedUpUser(label);
  async function device(name: string, strategies?: Partial<Record<"projects" | "activities" | "focus_sessions" | "settings", ConflictStrategy>>, store = createMemoryStore(), batchSize?: number) {
    const { token, deviceId } = await connectDevice(caller, name);
    const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
    const sync = createSyncClient({ client, deviceId, store, strategies, batchSize });
    return { sync, client, deviceId, store };
  }
  return { user, caller, device };
}

describe("sync client: two and three devices", () => {
  it("syncs a data set both ways and merges concurrent edits of different fields", async () => {
    const { device } = await newUser("two");
    const laptop = await device("laptop");
    const desktop = await device("desktop");
    await expect(laptop.sync.unlock(PASSPHRASE)).resolves.toEqual({ created: true });
    await expect(desktop.sync.unlock(PASSPHRASE)).resolves.toEqual({ created: false });

    await laptop.sync.put("projects", "devpulse", { name: "DevPulse", color: "indigo", tags: ["work"] });
    await laptop.sync.put("focus_sessions", "f1", { start: "2026-11-23T09:00:00Z", goal: "write tests" });
    await expect(laptop.sync.sync()).resolves.toMatchObject({ pushed: 2, conflicts: 0 });

    await desktop.sync.sync();
    expect(await desktop.sync.get("projects", "devpulse")).toEqual({ name: "DevPulse", color: "indigo", tags: ["work"] });
    await desktop.sync.put("activities", "a1", { start: "2026-11-23T09:05:00Z", projectId: "devpulse" });

    // concurrent edits of different fields of the same record (focus sessions merge by default)
    await laptop.sync.put("focus_sessions", "f1", { start: "2026-11-23T09:00:00Z", goal: "write tests", end: "2026-11-23T10:30:00Z" });
    await desktop.sync.put("focus_sessions", "f1", { start: "2026-11-23T09:00:00Z", goal: "write more tests" });
    await laptop.sync.sync();
    const merged = await desktop.sync.sync();
    expect(merged).toMatchObject({ conflicts: 1, autoResolved: 1, openConflicts: [] });
    await laptop.sync.sync();

    const expected = { start: "2026-11-23T09:00:00Z", goal: "write more tests", end: "2026-11-23T10:30:00Z" };
    expect(await desktop.sync.get("focus_sessions", "f1")).toEqual(expected);
    expect(await laptop.sync.get("focus_sessions", "f1")).toEqual(expected);
    expect(await laptop.sync.list("activities")).toEqual([{ id: "a1", value: { start: "2026-11-23T09:05:00Z", projectId: "devpulse" } }]);
  });

  it("three devices converge on edits, deletions and a true conflict left for a person", async () => {
    const { device, caller } = await newUser("three");
    const [a, b, c] = [await device("a"), await device("b"), await device("c", { settings: "manual" })];
    for (const d of [a, b, c]) await d.sync.unlock(PASSPHRASE);

    await a.sync.put("settings", "editor", { theme: "dark", fontSize: 14 });
    await a.sync.put("projects", "old", { name: "Old project" });
    await a.sync.sync();
    await b.sync.sync();
    await c.sync.sync();

    await b.sync.delete("projects", "old");
    await b.sync.sync();
    // a and c change the same field differently: c's manual strategy leaves it open
    await a.sync.put("settings", "editor", { theme: "light", fontSize: 14 });
    await a.sync.sync();
    await c.sync.put("settings", "editor", { theme: "solarized", fontSize: 14 });
    const result = await c.sync.sync();
    expect(result.openConflicts).toHaveLength(1);

    for (const d of [a, b, c]) await d.sync.sync();
    for (const d of [a, b, c]) {
      expect(await d.sync.get("projects", "old")).toBeUndefined();
      expect(await d.sync.get("settings", "editor")).toEqual({ theme: "light", fontSize: 14 });
    }
    // nothing is lost: c's version waits in the conflict, readable by the user's devices
    const open = await caller.conflicts.list({ status: "open", limit: 10 });
    expect(open.items).toMatchObject([{ collection: "settings", recordId: "editor", type: "update_conflict" }]);
    const opened = await c.sync.openConflict(open.items[0]!.id);
    expect(opened).toMatchObject({ base: { theme: "dark" }, local: { theme: "solarized" }, remote: { theme: "light" } });

    await c.sync.resolveConflict(open.items[0]!.id, "manual", { theme: "solarized", fontSize: 16 });
    for (const d of [a, b, c]) await d.sync.sync();
    for (const d of [a, b, c]) expect(await d.sync.get("settings", "editor")).toEqual({ theme: "solarized", fontSize: 16 });
  });

  it("applies local_wins and remote_wins strategies", async () => {
    const { device } = await newUser("strategies");
    const writer = await device("writer");
    const mine = await device("mine", { projects: "local_wins" });
    const theirs = await device("theirs", { projects: "remote_wins" });
    for (const d of [writer, mine, theirs]) await d.sync.unlock(PASSPHRASE);
    await writer.sync.put("projects", "p", { name: "v1" });
    await writer.sync.sync();
    await mine.sync.sync();
    await theirs.sync.sync();

    await writer.sync.put("projects", "p", { name: "writer" });
    await writer.sync.sync();
    await theirs.sync.put("projects", "p", { name: "theirs" });
    await expect(theirs.sync.sync()).resolves.toMatchObject({ autoResolved: 1 });
    expect(await theirs.sync.get("projects", "p")).toEqual({ name: "writer" });

    await mine.sync.put("projects", "p", { name: "mine" });
    await expect(mine.sync.sync()).resolves.toMatchObject({ autoResolved: 1 });
    await writer.sync.sync();
    expect(await writer.sync.get("projects", "p")).toEqual({ name: "mine" });
  });
});

describe("sync client: the user's merge rules", () => {
  it("follows the stored rules: projects wait for a person, activities keep both versions", async () => {
    const { device, caller } = await newUser("rules");
    expect(await caller.conflicts.rules.get()).toEqual({ activities: "append_only", focus_sessions: "merge", projects: "manual", settings: "merge" });
    const a = await device("a");
    const b = await device("b");
    await a.sync.unlock(PASSPHRASE);
    await b.sync.unlock(PASSPHRASE);
    await a.sync.put("projects", "p", { name: "base" });
    await a.sync.put("activities", "act", { start: "2026-11-23T09:00:00Z", kind: "coding" });
    await a.sync.sync();
    await b.sync.sync();

    await a.sync.put("projects", "p", { name: "from a" });
    await a.sync.put("activities", "act", { start: "2026-11-23T09:00:00Z", kind: "review" });
    await a.sync.sync();
    await b.sync.put("projects", "p", { name: "from b" });
    await b.sync.put("activities", "act", { start: "2026-11-23T09:00:00Z", kind: "debugging" });
    const result = await b.sync.sync();
    expect(result).toMatchObject({ conflicts: 2, autoResolved: 1, openConflicts: [expect.any(String)] });
    await a.sync.sync();

    for (const d of [a, b]) {
      expect(await d.sync.get("projects", "p")).toEqual({ name: "from a" }); // manual: the server's version until decided
      const kinds = (await d.sync.list("activities")).map(({ value }) => (value as { kind: string }).kind).sort();
      expect(kinds).toEqual(["debugging", "review"]); // append-only: nothing lost
    }

    // changing a rule changes what devices do from their next unlock
    await caller.conflicts.rules.set({ collection: "projects", strategy: "merge" });
    expect((await caller.conflicts.rules.get()).projects).toBe("merge");
    for (const d of [a, b]) await d.sync.unlock(PASSPHRASE); // devices read the rules when they unlock
    await a.sync.put("projects", "p", { name: "from a", color: "red" });
    await a.sync.sync();
    await b.sync.put("projects", "p", { name: "from a", tags: ["b"] });
    await expect(b.sync.sync()).resolves.toMatchObject({ conflicts: 1, autoResolved: 1, openConflicts: [] });
    expect(await b.sync.get("projects", "p")).toEqual({ name: "from a", color: "red", tags: ["b"] });
    await expect(errorOf(() => caller.conflicts.rules.set({ collection: "projects", strategy: "coin_flip" as never }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("sync client: local edits are never lost", () => {
  it("keeps an edit made while a push of the same record is in flight, and pushes it next", async () => {
    const { device } = await newUser("inflight");
    const laptop = await device("laptop");
    await laptop.sync.unlock(PASSPHRASE);
    await laptop.sync.put("settings", "s", { v: 1 });
    const pushing = laptop.sync.push();
    await laptop.sync.put("settings", "s", { v: 2 }); // lands while v1 is being encrypted and sent
    await pushing;
    expect(await laptop.sync.get("settings", "s")).toEqual({ v: 2 });
    expect((await laptop.sync.status()).pending).toBe(1);
    await expect(laptop.sync.push()).resolves.toMatchObject({ applied: 1, conflicts: 0 }); // on top of v1's revision

    const other = await device("other");
    await other.sync.unlock(PASSPHRASE);
    await other.sync.sync();
    expect(await other.sync.get("settings", "s")).toEqual({ v: 2 });
  });

  it("an edit made while a push meets a conflict still meets the other device's version, never written over it", async () => {
    const { device } = await newUser("inflight-conflict");
    const a = await device("a", { settings: "manual" });
    const b = await device("b");
    for (const d of [a, b]) await d.sync.unlock(PASSPHRASE);
    await a.sync.put("settings", "s", { theme: "dark", size: 1 });
    await a.sync.sync();
    await b.sync.sync();
    await b.sync.put("settings", "s", { theme: "light", size: 1 });
    await b.sync.sync();

    await a.sync.put("settings", "s", { theme: "dark", size: 2 });
    const pushing = a.sync.push();
    await a.sync.put("settings", "s", { theme: "dark", size: 3 }); // made on revision 1, like the edit in flight
    await expect(pushing).resolves.toMatchObject({ conflicts: 1, openConflicts: [expect.any(String)] });
    expect(await a.sync.get("settings", "s")).toEqual({ theme: "dark", size: 3 });
    // its push meets b's version as a conflict too (it was written over it, unseen, before)
    await expect(a.sync.push()).resolves.toMatchObject({ applied: 0, conflicts: 1 });
    await b.sync.sync();
    expect(await b.sync.get("settings", "s")).toEqual({ theme: "light", size: 1 });
  });

  it("a collection turned off in the privacy settings holds back only its own edits: the others still sync", async () => {
    const { caller, device } = await newUser("collection-off");
    const laptop = await device("laptop", {}, createMemoryStore(), 1); // one change per push: every batch is refused alone or lands
    await laptop.sync.unlock(PASSPHRASE);
    await laptop.sync.put("projects", "p1", { name: "kept syncing" });
    await laptop.sync.put("activities", "a1", { start: "2026-12-07T09:00:00Z" });
    await laptop.sync.put("projects", "p2", { name: "also kept syncing" });
    await caller.privacy.updateSettings({ collections: { activities: false } });

    await expect(laptop.sync.sync()).resolves.toMatchObject({ pushed: 2, heldBack: ["activities"] });
    expect(await laptop.sync.status()).toMatchObject({ pending: 1 });
    const other = await device("other");
    await other.sync.unlock(PASSPHRASE);
    await other.sync.sync();
    expect((await other.sync.list("projects")).map((record) => record.id)).toEqual(["p1", "p2"]);
    expect(await other.sync.list("activities")).toEqual([]);

    // turned on again, the held edit goes with the next sync
    await caller.privacy.updateSettings({ collections: { activities: true } });
    await expect(laptop.sync.sync()).resolves.toMatchObject({ pushed: 1, heldBack: [] });
    expect(await laptop.sync.status()).toMatchObject({ pending: 0 });
  });

  it("refuses record ids the server would refuse, before they can block later pushes", async () => {
    const { device } = await newUser("badid");
    const laptop = await device("laptop");
    await expect(laptop.sync.put("projects", "has space", { name: "x" })).rejects.toThrow(/Record id may contain only/);
    expect((await laptop.sync.status()).pending).toBe(0);
  });
});

describe("sync client: long pushes", () => {
  /** A device whose requests go through `wrap`, pushing `batchSize` changes per request. */
  async function pipelinedDevice(label: string, wrap: (next: typeof fetch) => typeof fetch) {
    const { caller, device } = await newUser(label);
    const { token, deviceId } = await connectDevice(caller, `${label} laptop`);
    const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: wrap(routeFetch()) });
    const sync = createSyncClient({ client, deviceId, store: createMemoryStore(), batchSize: 2 });
    await sync.unlock(PASSPHRASE);
    for (const n of [1, 2, 3, 4, 5, 6]) await sync.put("projects", `p${n}`, { name: `project ${n}` });
    return { sync, device };
  }
  const isPush = (input: Parameters<typeof fetch>[0]) => String(input instanceof Request ? input.url : input).includes("sync.push");

  it("sends the next batch while the server writes the previous one, two at a time, and lands every batch", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { sync, device } = await pipelinedDevice("pipeline", (next) => async (input, init) => {
      if (!isPush(input)) return next(input, init);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 20)); // a network in between
        return await next(input, init);
      } finally {
        inFlight -= 1;
      }
    });
    await expect(sync.push()).resolves.toMatchObject({ applied: 6, conflicts: 0 });
    expect(maxInFlight).toBe(2);
    expect((await sync.status()).pending).toBe(0);

    const other = await device("desktop");
    await other.sync.unlock(PASSPHRASE);
    await other.sync.sync();
    expect((await other.sync.list("projects")).map((p) => p.id)).toEqual(["p1", "p2", "p3", "p4", "p5", "p6"]);
  });

  it("when one batch cannot be sent, keeps only its records pending and forgets no batch that landed", async () => {
    let down = true;
    const { sync, device } = await pipelinedDevice("partial", (next) => async (input, init) => {
      // Every attempt of the batch holding p3 fails at the network, while it is down.
      if (down && isPush(input) && String(init?.body ?? "").includes('"p3"')) throw new TypeError("fetch failed");
      return next(input, init);
    });
    await expect(sync.push()).rejects.toThrow(/fetch failed/);
    expect((await sync.status()).pending).toBe(2); // p3 and p4; p5 and p6 were already on their way and are settled

    down = false;
    await expect(sync.push()).resolves.toMatchObject({ applied: 2, conflicts: 0 }); // no conflict with itself
    const other = await device("desktop");
    await other.sync.unlock(PASSPHRASE);
    await other.sync.sync();
    expect((await other.sync.list("projects")).map((p) => p.id)).toEqual(["p1", "p2", "p3", "p4", "p5", "p6"]);
  });
});

describe("sync client: keys", () => {
  it("says 'Wrong passphrase' for a wrong passphrase and refuses to sync while locked", async () => {
    const { device } = await newUser("wrongpass");
    const first = await device("first");
    const second = await device("second");
    await first.sync.unlock(PASSPHRASE);
    await expect(second.sync.unlock("not the passphrase")).rejects.toThrow(WrongPassphraseError);
    await expect(second.sync.unlock("not the passphrase")).rejects.toThrow("Wrong passphrase");
    await expect(second.sync.push()).rejects.toThrow(/unlock/);
  });

  it("rotating the passphrase keeps every record readable with the new one only", async () => {
    const { device } = await newUser("rotate");
    const first = await device("first");
    await first.sync.unlock(PASSPHRASE);
    await first.sync.put("projects", "p", { name: "kept" });
    await first.sync.sync();
    await first.sync.rotatePassphrase(PASSPHRASE, "a brand new sync passphrase");

    const later = await device("later");
    await expect(later.sync.unlock(PASSPHRASE)).rejects.toThrow(WrongPassphraseError);
    await later.sync.unlock("a brand new sync passphrase");
    await later.sync.sync();
    expect(await later.sync.get("projects", "p")).toEqual({ name: "kept" });
  });

  it("a file store persists the device's copy across restarts, readable only by the owner", async () => {
    const { device } = await newUser("filestore");
    const folder = mkdtempSync(join(tmpdir(), "devpulse-store-"));
    try {
      const path = join(folder, "store.json");
      const first = await device("persistent", undefined, createFileStore(path));
      await first.sync.unlock(PASSPHRASE);
      await first.sync.put("projects", "p", { name: "on disk" });
      await first.sync.sync();
      expect(statSync(path).mode & 0o777).toBe(0o600);

      const restarted = createSyncClient({ client: first.client, deviceId: first.deviceId, store: createFileStore(path) });
      expect(await restarted.get("projects", "p")).toEqual({ name: "on disk" });
      expect(await restarted.status()).toMatchObject({ pending: 0, records: 1, unlocked: false });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("sync client: the server holds ciphertext only and cannot tamper undetected", () => {
  it("stores no plaintext anywhere in the sync tables", async () => {
    const { user, device } = await newUser("noplain");
    const laptop = await device("laptop");
    const desktop = await device("desktop");
    await laptop.sync.unlock(PASSPHRASE);
    await desktop.sync.unlock(PASSPHRASE);
    const marker = "PLAINTEXT-MARKER-7f3a";
    await laptop.sync.put("projects", "secret", { name: `${marker} name`, path: `/home/${marker}` });
    await laptop.sync.sync();
    await desktop.sync.sync();
    await desktop.sync.put("projects", "secret", { name: `${marker} renamed`, path: `/home/${marker}` });
    await laptop.sync.put("projects", "secret", { name: `${marker} name`, path: `/srv/${marker}` });
    await laptop.sync.sync();
    await desktop.sync.sync(); // a conflict is recorded (and merged) along the way

    const db = await getDb();
    const conflictRows = await db.select().from(syncConflicts).where(eq(syncConflicts.userId, user.id));
    expect(conflictRows.length).toBeGreaterThan(0);
    for (const table of [syncRecords, syncRevisions, syncConflicts, syncPushes, syncKeys]) {
      const rows = await db.select().from(table).where(eq(table.userId, user.id));
      expect(rows.length).toBeGreaterThan(0);
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(marker);
      expect(dump).not.toContain(PASSPHRASE);
    }
    // and the whole database, as text, does not contain it either
    const everything = await db.execute<{ row: string }>(sql`
      select string_agg(t::text, ' ') as row from (
        select r::text as t from sync_records r union all select v::text from sync_revisions v
        union all select c::text from sync_conflicts c union all select p::text from sync_pushes p union all select k::text from sync_keys k
      ) s`);
    expect(JSON.stringify(everything)).not.toContain(marker);
  });

  it("detects a ciphertext moved to another record, and a ciphertext altered with or without its checksum", async () => {
    const { user, device } = await newUser("tamper");
    const writer = await device("writer");
    await writer.sync.unlock(PASSPHRASE);
    await writer.sync.put("projects", "one", { name: "one" });
    await writer.sync.put("projects", "two", { name: "two" });
    await writer.sync.sync();
    const db = await getDb();
    const where = (id: string) => and(eq(syncRecords.userId, user.id), eq(syncRecords.recordId, id));
    const [one] = await db.select().from(syncRecords).where(where("one"));
    /** A new device's pull: what it could not open is reported, never adopted, and does not stop the rest. */
    const freshPull = async (name: string) => {
      const reader = await device(name);
      await reader.sync.unlock(PASSPHRASE);
      const pulled = await reader.sync.pull();
      expect(await reader.sync.get("projects", "one")).toEqual({ name: "one" });
      expect(await reader.sync.get("projects", "two")).toBeUndefined();
      expect(pulled.unreadable).toEqual([{ collection: "projects", id: "two", revision: 1, reason: expect.any(String) }]);
      return pulled.unreadable[0]!.reason;
    };

    // the server swaps record one's (valid, checksummed) ciphertext into record two
    await db.update(syncRecords).set({ ciphertext: one!.ciphertext, checksum: one!.checksum }).where(where("two"));
    expect(await freshPull("reader")).toMatch(new TamperedRecordError("projects", "two", "authentication failed").message);

    // a flipped character without a matching checksum fails the checksum; with one, the authentication tag
    const altered = `${one!.ciphertext!.slice(0, -3)}${one!.ciphertext!.slice(-3) === "AAA" ? "BBB" : "AAA"}`;
    await db.update(syncRecords).set({ ciphertext: altered }).where(where("two"));
    expect(await freshPull("reader2")).toMatch(/^Checksum mismatch/);
    await db.update(syncRecords).set({ ciphertext: altered, checksum: sha256Hex(altered) }).where(where("two"));
    expect(await freshPull("reader3")).toContain("authentication failed");
  });

  it("a version another client wrote wrongly is reported until a readable one comes, and later changes still arrive", async () => {
    const { user, caller, device } = await newUser("unreadable");
    const writer = await device("writer");
    await writer.sync.unlock(PASSPHRASE);
    await writer.sync.put("projects", "p1", { name: "first" });
    await writer.sync.sync();
    const reader = await device("reader");
    await reader.sync.unlock(PASSPHRASE);
    await reader.sync.pull();

    // a buggy client (speaking the API directly) saves p1 with text that is not an envelope of this user's key
    const buggy = await connectDevice(caller, "buggy client");
    const raw = createDevPulseClient({ url: TEST_BASE_URL, token: buggy.token, fetch: routeFetch() });
    await raw.sync.push.mutate({ idempotencyKey: `buggy-${user.id}`, deviceId: buggy.deviceId, changes: [rawChange("p1", 1, foreignEnvelope())] });
    await writer.sync.put("projects", "p2", { name: "after the bad one" });
    await writer.sync.sync();

    const pulled = await reader.sync.pull();
    expect(pulled.unreadable).toMatchObject([{ collection: "projects", id: "p1", revision: 2 }]);
    expect(await reader.sync.get("projects", "p2")).toEqual({ name: "after the bad one" });
    expect(await reader.sync.get("projects", "p1")).toEqual({ name: "first" }); // the last readable value stays
    expect(await reader.sync.status()).toMatchObject({ unreadable: 1, pending: 0 });
    // reported again on the next pull, though nothing new came
    await expect(reader.sync.pull()).resolves.toMatchObject({ received: 0, unreadable: [{ id: "p1", revision: 2 }] });

    // the writer meets the bad version too; its edit of p1 then conflicts with a version nobody can open, so the
    // conflict is left for a person (nothing to merge with) while the writer keeps its own value
    expect((await writer.sync.sync()).unreadable).toMatchObject([{ id: "p1" }]);
    await writer.sync.put("projects", "p1", { name: "saved again" });
    const edited = await writer.sync.sync();
    expect(edited).toMatchObject({ conflicts: 1, autoResolved: 0, openConflicts: [expect.any(String)], unreadable: [{ id: "p1", revision: 2 }] });
    expect(await writer.sync.get("projects", "p1")).toEqual({ name: "saved again" });
    expect(await writer.sync.status()).toMatchObject({ pending: 0 });
    // the person keeps the writer's version (the SDK, as the CLI's resolve, opens nothing for it); every device then reads it, and the report ends
    await expect(writer.sync.openConflict(edited.openConflicts[0]!)).rejects.toThrow(TamperedRecordError);
    await writer.sync.resolveConflict(edited.openConflicts[0]!, "local_wins");
    await expect(writer.sync.sync()).resolves.toMatchObject({ unreadable: [] });
    await expect(reader.sync.sync()).resolves.toMatchObject({ unreadable: [] });
    expect(await reader.sync.get("projects", "p1")).toEqual({ name: "saved again" });
    expect(await reader.sync.status()).toMatchObject({ unreadable: 0 });
  });
});
