import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDevPulseClient, createMemoryStore, createSyncClient, NewerSchemaError, type CollectionSchemas, type Json } from "~/client";
import { getDb } from "~/server/db/client";
import { syncRecords } from "~/server/db/schema";
import { connectDevice, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";

/**
 * Schema evolution of encrypted records, through the real HTTP route handler: devices
 * running different app versions (schemas) of one user. The server cannot read values,
 * so every upgrade happens in the apps.
 */

const PASSPHRASE = "correct horse battery staple, schema edition";
type Project = { [key: string]: Json };

/** Version 2 of projects adds `tags` (a field version 1 apps do not know). */
const WITH_TAGS: CollectionSchemas = { projects: { version: 2, migrate: { 2: (v) => ({ ...(v as Project), tags: (v as Project).tags ?? [] }) } } };
/** Version 2 of projects renames `name` to `title`. */
const RENAMED: CollectionSchemas = {
  projects: {
    version: 2,
    migrate: {
      2: (v) => {
        const { name, ...rest } = v as Project;
        return { ...rest, title: name ?? null };
      },
    },
  },
};

async function newUser(label: string) {
  const { user, caller } = await signedUpUser(label);
  // Field merges for projects (the account default asks a person), so the schema rules are what decides.
  async function device(name: string, schemas?: CollectionSchemas, strategies: Parameters<typeof createSyncClient>[0]["strategies"] = { projects: "merge" }) {
    const { token, deviceId } = await connectDevice(caller, name);
    const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
    const sync = createSyncClient({ client, deviceId, store: createMemoryStore(), schemas, strategies });
    await sync.unlock(PASSPHRASE);
    return sync;
  }
  async function serverVersion(id: string) {
    const db = await getDb();
    const [row] = await db
      .select({ schemaVersion: syncRecords.schemaVersion, revision: syncRecords.revision })
      .from(syncRecords)
      .where(and(eq(syncRecords.userId, user.id), eq(syncRecords.collection, "projects"), eq(syncRecords.recordId, id)));
    return row;
  }
  return { user, caller, device, serverVersion };
}

describe("sync client: schema versions", () => {
  it("upgrades records on read, each step once and in order, and re-encrypts only what the device writes", async () => {
    const { device, serverVersion } = await newUser("migrate");
    const old = await device("old app");
    await old.put("projects", "p1", { name: "DevPulse" });
    await old.put("projects", "p2", { name: "Other" });
    await old.sync();

    const calls: string[] = [];
    const schemas: CollectionSchemas = {
      projects: {
        version: 3,
        // declared out of order on purpose: the steps run by number
        migrate: {
          3: (v) => {
            calls.push(`3:${JSON.stringify(v)}`);
            const { name, ...rest } = v as Project;
            return { ...rest, title: name ?? null };
          },
          2: (v) => {
            calls.push(`2:${JSON.stringify(v)}`);
            return { ...(v as Project), tags: [] };
          },
        },
      },
    };
    const current = await device("new app", schemas);
    await current.sync();
    expect(calls).toEqual([]); // nothing is migrated until it is read

    expect(await current.get("projects", "p1")).toEqual({ title: "DevPulse", tags: [] });
    expect(calls).toEqual(['2:{"name":"DevPulse"}', '3:{"name":"DevPulse","tags":[]}']);
    expect(await current.getRecord("projects", "p1")).toEqual({ value: { title: "DevPulse", tags: [] }, schemaVersion: 3, readOnly: false });
    await current.list("projects");
    expect(calls.filter((call) => call.includes("DevPulse"))).toHaveLength(2); // read again: not migrated again
    expect(calls).toHaveLength(4); // p2 once, by list

    // The server keeps the old version until the device writes the record.
    expect(await serverVersion("p1")).toMatchObject({ schemaVersion: 1 });
    await current.put("projects", "p1", { title: "DevPulse Cloud", tags: ["work"] });
    await current.sync();
    expect(await serverVersion("p1")).toMatchObject({ schemaVersion: 3 });
    expect(await serverVersion("p2")).toMatchObject({ schemaVersion: 1 });
    calls.length = 0;
    expect(await current.get("projects", "p1")).toEqual({ title: "DevPulse Cloud", tags: ["work"] });
    expect(calls).toEqual([]);

    // A second device of the new app reads the written record as it is: no migration ran.
    const other = await device("new app, second machine", schemas);
    await other.sync();
    expect(await other.get("projects", "p1")).toEqual({ title: "DevPulse Cloud", tags: ["work"] });
    expect(calls).toEqual([]);
  });

  it("refuses a schema whose steps are missing or misnumbered, when the client is created", () => {
    const base = { client: createDevPulseClient({ url: TEST_BASE_URL }), deviceId: "d", store: createMemoryStore() };
    expect(() => createSyncClient({ ...base, schemas: { projects: { version: 3, migrate: { 2: (v) => v } } } })).toThrow(/migrate\[3\] is missing/);
    expect(() => createSyncClient({ ...base, schemas: { projects: { version: 2, migrate: { 2: (v) => v, 4: (v) => v } } } })).toThrow(/steps are numbered 2 to 2/);
  });

  it("an older app cannot clobber a newer app's fields: the record is read-only there, and its pending edits merge into it", async () => {
    const { device, serverVersion } = await newUser("clobber");
    const old = await device("old app");
    const current = await device("new app", WITH_TAGS);
    await old.put("projects", "p", { name: "DevPulse", color: "red" });
    await old.put("projects", "q", { name: "Second", color: "red" });
    await old.sync();
    await current.sync();

    await current.put("projects", "p", { name: "DevPulse", color: "red", tags: ["work"] });
    await current.put("projects", "q", { name: "Second", color: "red", tags: ["home"] });
    await current.sync();
    // Offline, the old app edits q before it learns of the newer version.
    await old.put("projects", "q", { name: "Second", color: "blue" });
    const result = await old.sync();
    expect(result).toMatchObject({ conflicts: 1, autoResolved: 1, openConflicts: [] });

    // p: shown as it is, with its schema, and refused for writing
    expect(await old.getRecord("projects", "p")).toEqual({ value: { name: "DevPulse", color: "red", tags: ["work"] }, schemaVersion: 2, readOnly: true });
    const error = await old.put("projects", "p", { name: "DevPulse", color: "green" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewerSchemaError);
    expect((error as Error).message).toMatch(/update DevPulse to edit this record/);
    await expect(old.delete("projects", "p")).rejects.toThrow(NewerSchemaError);
    expect((await old.status()).pending).toBe(0);

    // q: the old app's edit was merged into the newer version, which kept its schema and fields
    expect(await serverVersion("q")).toMatchObject({ schemaVersion: 2 });
    expect(await old.getRecord("projects", "q")).toMatchObject({ value: { name: "Second", color: "blue", tags: ["home"] }, readOnly: true });
    await current.sync();
    expect(await current.get("projects", "q")).toEqual({ name: "Second", color: "blue", tags: ["home"] });
    expect(await current.get("projects", "p")).toEqual({ name: "DevPulse", color: "red", tags: ["work"] });
  });

  it("an older app with local_wins still merges into a newer record rather than overwrite it", async () => {
    const { device } = await newUser("localwins");
    const old = await device("old app", undefined, { projects: "local_wins" });
    const current = await device("new app", WITH_TAGS);
    await old.put("projects", "p", { name: "DevPulse", color: "red" });
    await old.sync();
    await current.sync();
    await current.put("projects", "p", { name: "DevPulse", color: "red", tags: ["work"] });
    await current.sync();
    await old.put("projects", "p", { name: "DevPulse", color: "blue" });
    await old.sync();
    await current.sync();
    expect(await current.get("projects", "p")).toEqual({ name: "DevPulse", color: "blue", tags: ["work"] });
  });

  it("two devices on schema 1 and 2 editing the same records, in either order, converge without losing a field", async () => {
    // Version 2 renames `name` to `title` and adds `tags`: merging needs both sides in one schema.
    const V2: CollectionSchemas = {
      projects: {
        version: 2,
        migrate: {
          2: (v) => {
            const { name, ...rest } = v as Project;
            return { ...rest, title: name ?? null, tags: [] };
          },
        },
      },
    };
    const { device } = await newUser("converge");
    const old = await device("old app");
    const current = await device("new app", V2);
    for (const id of ["newer-first", "older-first"]) await old.put("projects", id, { name: id, color: "red", path: "/src" });
    await old.sync();
    await current.sync();

    // newer-first: the new app pushes first; the old app's edit meets a newer record and merges into it by name
    await current.put("projects", "newer-first", { title: "newer-first", color: "red", path: "/src", tags: ["a"] });
    await current.sync();
    await old.put("projects", "newer-first", { name: "newer-first", color: "green", path: "/src" });
    await expect(old.sync()).resolves.toMatchObject({ openConflicts: [] });
    // older-first: the old app pushes first (renaming, in its schema); the new app's edit meets an older record and upgrades it to merge
    await old.put("projects", "older-first", { name: "renamed on the old app", color: "red", path: "/home/src" });
    await old.sync();
    await current.put("projects", "older-first", { title: "older-first", color: "red", path: "/src", tags: ["b"] });
    await expect(current.sync()).resolves.toMatchObject({ openConflicts: [] });
    await old.sync();
    await current.sync();

    const expected = [
      { id: "newer-first", value: { title: "newer-first", color: "green", path: "/src", tags: ["a"] } },
      { id: "older-first", value: { title: "renamed on the old app", color: "red", path: "/home/src", tags: ["b"] } },
    ];
    expect(await current.list("projects")).toEqual(expected);
    expect(await old.list("projects")).toEqual(expected); // read-only there now, but whole
    const fresh = await device("new app, fresh install", V2);
    await fresh.sync();
    expect(await fresh.list("projects")).toEqual(expected);
  });

  it("an older app's edit of a field the newer schema renamed waits for a newer app, which merges it in its own schema", async () => {
    const { device, caller } = await newUser("renamed");
    const old = await device("old app");
    const current = await device("new app", RENAMED);
    await old.put("projects", "p", { name: "DevPulse", color: "red" });
    await old.sync();
    await current.sync();
    await current.put("projects", "p", { title: "DevPulse", color: "blue" });
    await current.sync();

    await old.put("projects", "p", { name: "DevPulse Cloud", color: "red" });
    const result = await old.sync();
    expect(result.openConflicts).toHaveLength(1); // never merged by name into `title`, never written back as schema 1
    expect(await old.getRecord("projects", "p")).toMatchObject({ value: { title: "DevPulse", color: "blue" }, readOnly: true });

    const [conflictId] = result.openConflicts;
    const opened = await current.openConflict(conflictId!);
    expect(opened).toMatchObject({
      alignment: "upgraded",
      olderSide: "local",
      schemaVersion: 2,
      base: { title: "DevPulse", color: "red" },
      local: { title: "DevPulse Cloud", color: "red" },
      remote: { title: "DevPulse", color: "blue" },
    });
    // The old app cannot decide it by hand or keep its side
    await expect(old.resolveConflict(conflictId!, "local_wins")).rejects.toThrow(NewerSchemaError);
    await current.resolveConflict(conflictId!, "merge");
    for (const d of [old, current]) await d.sync();
    expect(await current.getRecord("projects", "p")).toEqual({ value: { title: "DevPulse Cloud", color: "blue" }, schemaVersion: 2, readOnly: false });
    expect((await caller.conflicts.list({ status: "open", limit: 10 })).items).toEqual([]);
  });
});
