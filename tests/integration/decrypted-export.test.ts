import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDevPulseClient, createMemoryStore, createSyncClient } from "~/client";
import { unlockKeyBundle, type KeyBundle } from "~/lib/crypto";
import { DECRYPTED_EXPORT_FORMAT, decryptAllRecords, decryptedExportDocument } from "~/lib/sync/decrypt-all";
import { getDb } from "~/server/db/client";
import { syncRecords } from "~/server/db/schema";
import { connectDevice, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";

const PASSPHRASE = "decrypted export passphrase, long enough";

/** What the /privacy page does after unlocking: pull everything through the real API, decrypt here. */
async function userWithSyncedData(label: string) {
  const { user, caller } = await signedUpUser(label);
  const { token, deviceId } = await connectDevice(caller, "laptop");
  const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
  const sync = createSyncClient({ client, deviceId, store: createMemoryStore() });
  await sync.unlock(PASSPHRASE);
  const bundle = (await client.sync.keys.get.query()) as KeyBundle;
  const dataKey = await unlockKeyBundle(PASSPHRASE, bundle, user.id);
  return { user, client, sync, dataKey };
}

describe("decrypted export (built by the client)", () => {
  it("decrypts every live record the server holds, page by page, and names what it cannot read", async () => {
    const { user, client, sync, dataKey } = await userWithSyncedData("decrypted-export");
    await sync.put("projects", "devpulse", { name: "DevPulse", color: "indigo" });
    await sync.put("projects", "scratch", { name: "Scratch" });
    await sync.put("activities", "a1", { start: "2026-11-23T09:00:00Z", projectId: "devpulse" });
    await sync.put("settings", "editor", { theme: "dark" });
    await sync.put("focus_sessions", "f1", { start: "2026-11-23T10:00:00Z", goal: "ship the export" });
    await sync.sync();
    await sync.delete("projects", "scratch");
    await sync.sync();
    // The server swaps one record's ciphertext for another's: the AAD binds it to its identity, so it must not open.
    const db = await getDb();
    const [donor] = await db.select().from(syncRecords).where(and(eq(syncRecords.userId, user.id), eq(syncRecords.recordId, "devpulse")));
    await db.update(syncRecords).set({ ciphertext: donor!.ciphertext, checksum: donor!.checksum }).where(and(eq(syncRecords.userId, user.id), eq(syncRecords.recordId, "editor")));

    const pages: number[] = [];
    const progress: number[] = [];
    const { records, unreadable } = await decryptAllRecords({
      // Two records a page, to cross page boundaries.
      pull: async (input) => {
        const page = await client.sync.pull.query({ ...input, limit: 2 });
        pages.push(page.changes.length);
        return page;
      },
      dataKey,
      userId: user.id,
      onProgress: ({ done }) => progress.push(done),
    });

    expect(pages.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(records.map(({ collection, id, value }) => ({ collection, id, value })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { collection: "activities", id: "a1", value: { start: "2026-11-23T09:00:00Z", projectId: "devpulse" } },
      { collection: "projects", id: "devpulse", value: { name: "DevPulse", color: "indigo" } },
      { collection: "focus_sessions", id: "f1", value: { start: "2026-11-23T10:00:00Z", goal: "ship the export" } },
    ]);
    expect(unreadable).toEqual([{ collection: "settings", id: "editor", revision: 1, reason: expect.any(String) }]);

    const document = decryptedExportDocument({ userId: user.id, records, unreadable, now: new Date("2026-11-23T12:00:00Z") });
    expect(document).toMatchObject({
      format: DECRYPTED_EXPORT_FORMAT,
      exportedAt: "2026-11-23T12:00:00.000Z",
      userId: user.id,
      collections: { projects: { devpulse: { revision: 1, schemaVersion: 1, value: { name: "DevPulse", color: "indigo" } } } },
    });
    expect(Object.keys(document.collections.projects!)).toEqual(["devpulse"]); // the deleted project is not exported
  });

  it("reads only the caller's own records: another user's key opens nothing of theirs", async () => {
    const alice = await userWithSyncedData("decrypted-export-alice");
    await alice.sync.put("projects", "secret", { name: "Alice's project" });
    await alice.sync.sync();
    const bob = await userWithSyncedData("decrypted-export-bob");
    const result = await decryptAllRecords({ pull: (input) => bob.client.sync.pull.query(input), dataKey: bob.dataKey, userId: bob.user.id });
    expect(result).toEqual({ records: [], unreadable: [] });
  });
});
