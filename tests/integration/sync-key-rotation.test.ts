import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { GET as trpcGET, POST as trpcPOST } from "~/app/api/trpc/[trpc]/route";
import { commands } from "~/cli/commands";
import { saveConfig } from "~/cli/config";
import { createDevPulseClient, createMemoryStore, createSyncClient, KeyRotatedError, rotateEncryptionKey, UnreadableVersionsError, type ConflictStrategy, type KeyRotationProgress } from "~/client";
import { decryptRecord, unlockKeyBundle, type KeyBundle } from "~/lib/crypto";
import { selectRows, getDb } from "~/server/db/client";
import { syncConflicts, syncKeyRotations, syncRecords } from "~/server/db/schema";
import { connectDevice, errorOf, signedUpUser } from "../support/callers";
import { startAppServer } from "../support/app-server";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { workerDatabaseUrl } from "../support/database-url";
import { foreignEnvelope, rawChange } from "../support/sync";

/**
 * Key rotation after a lost device, through the real HTTP route handler and real
 * WebCrypto: the old key is captured as the lost device would hold it, and every
 * check runs against what the server actually stores.
 */

const PASSPHRASE = "correct horse battery staple, rotation edition";
type Collection = "projects" | "activities" | "focus_sessions" | "settings";

async function newUser(label: string) {
  const { user, caller } = await signedUpUser(label);
  async function device(name: string, strategies?: Partial<Record<Collection, ConflictStrategy>>) {
    const { token, deviceId } = await connectDevice(caller, name);
    const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
    const sync = createSyncClient({ client, deviceId, store: createMemoryStore(), strategies });
    return { sync, client, deviceId };
  }
  return { user, caller, device };
}

/** A Postgres server's test database (tests/support/global-setup.ts), or null on PGlite in memory. */
const serverDatabaseUrl = workerDatabaseUrl();

/** `pg_dump --data-only` of the whole test database, as an operator or a thief of a backup would have it. */
async function pgDump(databaseUrl: string): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), "devpulse-pg-dump-"));
  try {
    const file = join(folder, "dump.sql");
    await promisify(execFile)("/usr/bin/pg_dump", ["--data-only", "--no-owner", "--file", file, "--dbname", databaseUrl]);
    return readFileSync(file, "utf8");
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Every ciphertext the sync tables hold for the user, with the identity it was made for and the key id the server recorded. */
async function storedCiphertexts(userId: string) {
  return selectRows<{ source: string; collection: string; recordId: string; schemaVersion: number; ciphertext: string; keyId: number | null }>(
    await getDb(),
    sql`select 'record' as source, collection, record_id as "recordId", schema_version as "schemaVersion", ciphertext, key_id as "keyId"
          from sync_records where user_id = ${userId}::uuid and ciphertext is not null
        union all
        select 'revision', collection, record_id, schema_version, ciphertext, key_id from sync_revisions where user_id = ${userId}::uuid and ciphertext is not null
        union all
        select 'conflict', collection, record_id, local_schema_version, local_ciphertext, local_key_id from sync_conflicts where user_id = ${userId}::uuid and local_ciphertext is not null`,
  );
}

async function decryptsWith(key: CryptoKey, userId: string, item: { collection: string; recordId: string; schemaVersion: number; ciphertext: string }) {
  return decryptRecord(key, { userId, collection: item.collection, recordId: item.recordId, schemaVersion: Number(item.schemaVersion) }, item.ciphertext).then(
    () => true,
    () => false,
  );
}

describe("key rotation after a lost device", () => {
  it("an interrupted rotation resumes and completes; a device that missed it recovers with the passphrase; the old key reads nothing written since", async () => {
    const { user, caller, device } = await newUser("rotate");
    const laptop = await device("laptop");
    const phone = await device("phone");
    const desktop = await device("desktop", { settings: "manual" });
    await laptop.sync.unlock(PASSPHRASE);
    for (let i = 0; i < 25; i++) await laptop.sync.put(i % 2 ? "projects" : "activities", `r${i}`, { n: i, note: `secret ${i}` });
    await laptop.sync.put("settings", "editor", { theme: "dark" });
    await laptop.sync.sync();
    for (const d of [phone, desktop]) {
      await d.sync.unlock(PASSPHRASE);
      await d.sync.sync();
    }
    // An open conflict: its refused version is ciphertext too, and must be re-encrypted.
    await laptop.sync.put("settings", "editor", { theme: "light" });
    await laptop.sync.sync();
    await desktop.sync.put("settings", "editor", { theme: "solarized" });
    expect(await desktop.sync.sync()).toMatchObject({ openConflicts: [expect.any(String)] });

    // The phone is lost: what it holds is the data key. Revoke its token.
    const oldKey = await unlockKeyBundle(PASSPHRASE, (await laptop.client.sync.keys.get.query()) as KeyBundle, user.id);
    await caller.devices.revoke({ id: phone.deviceId });

    // The laptop starts rotating and is interrupted after the first batch (a crash, a closed lid).
    const firstRun: KeyRotationProgress[] = [];
    const interrupted = await errorOf(() =>
      rotateEncryptionKey({
        client: laptop.client,
        passphrase: PASSPHRASE,
        sync: laptop.sync,
        batchSize: 10,
        onProgress: (progress) => {
          firstRun.push(progress);
          throw new Error("interrupted");
        },
      }),
    );
    expect(interrupted).toMatchObject({ message: "interrupted" });
    expect(firstRun).toEqual([{ phase: "reencrypting", keyId: 2, done: 10, remaining: 17 }]);
    const halfway = await laptop.client.sync.rotation.status.query();
    expect(halfway).toMatchObject({ currentKeyId: 2, rotation: { status: "running", fromKeyId: 1, toKeyId: 2 }, remaining: { records: 16, conflicts: 1 } });

    // Meanwhile the desktop, still on key 1, keeps working: old records stay readable and its writes are accepted while the rotation runs.
    await desktop.sync.put("projects", "from-desktop", { during: "rotation" });
    await expect(desktop.sync.sync()).resolves.toMatchObject({ pushed: 1 });
    // The laptop wrote under the new key as soon as it was published.
    await laptop.sync.put("projects", "from-laptop", { during: "rotation" });
    await laptop.sync.sync();
    const [laptopRow] = await (await getDb()).select({ keyId: syncRecords.keyId, ciphertext: syncRecords.ciphertext }).from(syncRecords).where(eq(syncRecords.recordId, "from-laptop"));
    expect(laptopRow).toMatchObject({ keyId: 2, ciphertext: expect.stringMatching(/^dp2\.A256GCM\.2\./) });

    // Run again: it resumes (no second new key) and completes, including what the desktop wrote meanwhile.
    const secondRun: KeyRotationProgress[] = [];
    const done = await rotateEncryptionKey({ client: laptop.client, passphrase: PASSPHRASE, sync: laptop.sync, batchSize: 10, onProgress: (p) => void secondRun.push(p) });
    expect(done).toMatchObject({ keyId: 2, resumed: true, reencrypted: 18, purged: null });
    expect(secondRun.at(-1)).toEqual({ phase: "done", keyId: 2, done: 18, remaining: 0 });
    expect(secondRun.filter((p) => p.phase === "reencrypting").map((p) => p.remaining)).toEqual([8, 0]);
    const rotations = await (await getDb()).select().from(syncKeyRotations).where(eq(syncKeyRotations.userId, user.id));
    expect(rotations).toMatchObject([{ fromKeyId: 1, toKeyId: 2, status: "finished", finishedAt: expect.any(Date) }]);
    const [conflict] = await (await getDb()).select({ id: syncConflicts.id, localKeyId: syncConflicts.localKeyId }).from(syncConflicts).where(eq(syncConflicts.userId, user.id));
    expect(conflict?.localKeyId).toBe(2);

    // Finished: the desktop, which missed the rotation, is refused with a typed error and locked...
    await desktop.sync.put("projects", "after", { written: "after the rotation" });
    await expect(desktop.sync.sync()).rejects.toBeInstanceOf(KeyRotatedError);
    expect(desktop.sync.isUnlocked).toBe(false);
    // ...and recovers with the passphrase: its pending edit goes out under the new key, everything reads.
    await desktop.sync.unlock(PASSPHRASE);
    await expect(desktop.sync.sync()).resolves.toMatchObject({ pushed: 1 });
    await laptop.sync.sync();
    expect(await laptop.sync.get("projects", "after")).toEqual({ written: "after the rotation" });
    expect(await laptop.sync.get("projects", "from-desktop")).toEqual({ during: "rotation" });
    expect(await desktop.sync.get("projects", "r1")).toEqual({ n: 1, note: "secret 1" });
    // The open conflict's refused version was re-encrypted too, and still opens.
    expect((await desktop.sync.openConflict(conflict!.id)).local).toEqual({ theme: "solarized" });

    // The lost phone's key opens no current record and nothing written since (kept revisions were not chosen, so they may).
    const current = (await storedCiphertexts(user.id)).filter((item) => item.source !== "revision");
    expect(current.length).toBe(29 + 1); // 29 records and the open conflict's refused version
    for (const item of current) {
      expect(item.keyId).toBe(2);
      expect(await decryptsWith(oldKey, user.id, item)).toBe(false);
    }
  });

  it("refuses pushes under an unknown key id, under a retired one with the typed KEY_ROTATED error, and a keyId the envelope contradicts", async () => {
    const { device } = await newUser("refuse");
    const laptop = await device("laptop");
    await laptop.sync.unlock(PASSPHRASE);
    await laptop.sync.put("projects", "p", { v: 1 });
    await laptop.sync.sync();
    /** A change of record q carrying an envelope that names `keyId` (its content is not checked by the server), with `claimed` as its keyId. */
    const changeUnder = (keyId: number, claimed?: number) => rawChange("q", null, foreignEnvelope(keyId), claimed === undefined ? {} : { keyId: claimed });
    const pushing = (change: ReturnType<typeof changeUnder>) =>
      errorOf(() => laptop.client.sync.push.mutate({ idempotencyKey: crypto.randomUUID(), deviceId: laptop.deviceId, changes: [change] }));
    expect(await pushing(changeUnder(5))).toMatchObject({ data: { code: "BAD_REQUEST" }, message: expect.stringMatching(/Unknown encryption key id/) });
    // A claim the envelope contradicts would pass the key checks and lock every reader out (they follow the envelope).
    expect(await pushing(changeUnder(5, 1))).toMatchObject({ data: { code: "BAD_REQUEST" }, message: expect.stringContaining("keyId differs from the key id the envelope names") });

    await rotateEncryptionKey({ client: laptop.client, passphrase: PASSPHRASE });
    expect(await pushing(changeUnder(1, 1))).toMatchObject({ data: { code: "PRECONDITION_FAILED", details: { reason: "KEY_ROTATED", currentKeyId: 2 } } });
    expect(await pushing(changeUnder(1))).toMatchObject({ data: { code: "PRECONDITION_FAILED", details: { reason: "KEY_ROTATED" } } });
    // nothing of q was stored
    expect((await laptop.client.sync.pull.query({ cursor: 0 })).changes.map((change) => change.id)).not.toContain("q");
  });

  it("re-encrypts what opens, names a version no key opens instead of failing on it, and finishes once it is replaced", async () => {
    const { user, device } = await newUser("rotate-unreadable");
    const laptop = await device("laptop");
    await laptop.sync.unlock(PASSPHRASE);
    for (const id of ["a", "b", "bad"]) await laptop.sync.put("projects", id, { name: id });
    await laptop.sync.sync();
    // another client saves "bad" with an envelope no key of this user made
    const buggy = await device("buggy client");
    await buggy.client.sync.push.mutate({ idempotencyKey: crypto.randomUUID(), deviceId: buggy.deviceId, changes: [rawChange("bad", 1, foreignEnvelope())] });

    const stuck = await rotateEncryptionKey({ client: laptop.client, passphrase: PASSPHRASE, batchSize: 2 }).catch((error: unknown) => error);
    expect(stuck).toBeInstanceOf(UnreadableVersionsError);
    expect((stuck as UnreadableVersionsError).items).toMatchObject([{ kind: "record", collection: "projects", recordId: "bad" }]);
    expect((stuck as Error).message).toContain("projects/bad");
    // everything else is under the new key already; the rotation waits, resumable
    expect((await storedCiphertexts(user.id)).filter((row) => row.source === "record" && row.keyId === 1).map((row) => row.recordId)).toEqual(["bad"]);
    expect((await laptop.client.sync.rotation.status.query()).rotation).toMatchObject({ status: "running" });

    // the person restores the readable revision; the rotation then finishes
    await laptop.client.conflicts.rollback.mutate({ collection: "projects", recordId: "bad", revision: 1, expectedCurrentRevision: 2 });
    await expect(rotateEncryptionKey({ client: laptop.client, passphrase: PASSPHRASE })).resolves.toMatchObject({ resumed: true, keyId: 2 });
    await laptop.sync.unlock(PASSPHRASE);
    await expect(laptop.sync.sync()).resolves.toMatchObject({ unreadable: [] });
    expect(await laptop.sync.get("projects", "bad")).toEqual({ name: "bad" });
  });

  it("one user's rotation never lists, replaces or counts another user's records", async () => {
    const alice = await newUser("rotation-alice");
    const aliceLaptop = await alice.device("laptop");
    await aliceLaptop.sync.unlock(PASSPHRASE);
    await aliceLaptop.sync.put("projects", "shared-id", { owner: "alice" });
    await aliceLaptop.sync.sync();
    const before = await storedCiphertexts(alice.user.id);

    const bob = await newUser("rotation-bob");
    const bobLaptop = await bob.device("laptop");
    await bobLaptop.sync.unlock(PASSPHRASE);
    await bobLaptop.sync.put("projects", "other", { owner: "bob" });
    await bobLaptop.sync.sync();
    await bobLaptop.sync.put("projects", "other-2", { owner: "bob" });
    await bobLaptop.sync.sync();
    // Bob's rotation stops after its first batch, so it is still running.
    await errorOf(() =>
      rotateEncryptionKey({
        client: bobLaptop.client,
        passphrase: PASSPHRASE,
        batchSize: 1,
        onProgress: () => {
          throw new Error("interrupted");
        },
      }),
    );
    expect(await bobLaptop.client.sync.rotation.status.query()).toMatchObject({ rotation: { status: "running" } });
    // What is left under his old key names only his own record…
    const stale = await bobLaptop.client.sync.rotation.stale.query({ limit: 100 });
    expect(JSON.stringify(stale)).toContain("other");
    expect(JSON.stringify(stale)).not.toContain("shared-id");
    // …and a replacement aimed at Alice's record, with her record's exact checksum, changes nothing of hers.
    const [aliceRow] = await (await getDb()).select({ checksum: syncRecords.checksum }).from(syncRecords).where(eq(syncRecords.userId, alice.user.id));
    const ciphertext = `dp2.A256GCM.2.${"A".repeat(16)}.${"A".repeat(22)}`;
    const checksum = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ciphertext))), (b) => b.toString(16).padStart(2, "0")).join("");
    const replaced = await bobLaptop.client.sync.rotation.reencrypt.mutate({
      items: [{ kind: "record", collection: "projects", recordId: "shared-id", expectedChecksum: aliceRow!.checksum!, ciphertext, checksum, keyId: 2 }],
    });
    expect(replaced).toMatchObject({ records: 0, revisions: 0, conflicts: 0 });
    expect(await storedCiphertexts(alice.user.id)).toEqual(before);
  });

  it("after purging, nothing of the user's is under the old key: table by table (stored push results included) and, on Postgres, in a real pg_dump of the database (PGlite has no pg_dump)", async () => {
    const { user, device } = await newUser("purge");
    const laptop = await device("laptop");
    const desktop = await device("desktop", { projects: "manual" });
    await laptop.sync.unlock(PASSPHRASE);
    await desktop.sync.unlock(PASSPHRASE);
    for (let revision = 1; revision <= 3; revision++) {
      for (let i = 0; i < 6; i++) await laptop.sync.put("projects", `p${i}`, { i, revision });
      await laptop.sync.sync();
    }
    await desktop.sync.sync();
    // A conflict resolved before the rotation: its refused version stays in sync_conflicts (and in the push's stored result).
    await laptop.sync.put("projects", "p0", { i: 0, revision: "laptop" });
    await laptop.sync.sync();
    await desktop.sync.put("projects", "p0", { i: 0, revision: "desktop" });
    const { openConflicts } = await desktop.sync.sync();
    await desktop.sync.resolveConflict(openConflicts[0]!, "remote_wins");
    const oldKey = await unlockKeyBundle(PASSPHRASE, (await laptop.client.sync.keys.get.query()) as KeyBundle, user.id);
    const before = await storedCiphertexts(user.id);
    expect(before.filter((item) => item.source === "revision").length).toBeGreaterThan(6);

    const result = await rotateEncryptionKey({ client: laptop.client, passphrase: PASSPHRASE, sync: laptop.sync, purgeRevisions: true });
    expect(result.purged).toMatchObject({ revisions: expect.any(Number), conflicts: 1, pushes: expect.any(Number) });
    expect(result.purged!.revisions).toBeGreaterThan(0);

    const after = await storedCiphertexts(user.id);
    expect(after.length).toBeGreaterThan(0);
    for (const item of after) {
      expect(item.keyId).toBe(2);
      expect(item.ciphertext).toMatch(/^dp2\.A256GCM\.2\./);
      expect(await decryptsWith(oldKey, user.id, item)).toBe(false);
    }
    // Every envelope anywhere in the user's sync rows, stored push results and key bundle included: none under key 1.
    const dump = await selectRows<{ text: string }>(
      await getDb(),
      sql`select t::text as text from sync_records t where user_id = ${user.id}::uuid
          union all select t::text from sync_revisions t where user_id = ${user.id}::uuid
          union all select t::text from sync_conflicts t where user_id = ${user.id}::uuid
          union all select t::text from sync_pushes t where user_id = ${user.id}::uuid
          union all select t::text from sync_keys t where user_id = ${user.id}::uuid`,
    );
    const envelopes = dump.flatMap(({ text }) => text.match(/dp[0-9]\.A256GCM\.[0-9A-Za-z_.-]+/g) ?? []);
    expect(envelopes.length).toBeGreaterThan(0);
    expect(envelopes.filter((envelope) => !envelope.startsWith("dp2.A256GCM.2."))).toEqual([]);
    if (serverDatabaseUrl) {
      const dumped = await pgDump(serverDatabaseUrl);
      // The dump holds the user's data (under the new key), so what it lacks is meaningful.
      expect(dumped).toContain(after[0]!.ciphertext);
      // Not one of the ciphertexts the user had before the rotation is anywhere in the database…
      expect(before.map((item) => item.ciphertext).filter((ciphertext) => dumped.includes(ciphertext))).toEqual([]);
      // …and no row of theirs (every sync table has a user_id column) holds an envelope under key 1. The suite shares
      // one database, so other users' rows, still under their key 1, are left out by the user's id.
      const theirs = dumped.split("\n").filter((line) => line.includes(user.id)).flatMap((line) => line.match(/dp[0-9]\.A256GCM\.[0-9A-Za-z_.-]+/g) ?? []);
      expect(theirs.length).toBeGreaterThanOrEqual(after.length);
      expect(theirs.filter((envelope) => !envelope.startsWith("dp2.A256GCM.2."))).toEqual([]);
    }
    // History shows only what was re-encrypted: the current revisions.
    const history = await laptop.client.conflicts.history.query({ collection: "projects", recordId: "p1" });
    expect(history.revisions.map((r: { revision: number }) => r.revision)).toEqual([3]);
    // Everyone still reads everything.
    await desktop.sync.unlock(PASSPHRASE);
    await desktop.sync.sync();
    expect(await desktop.sync.get("projects", "p1")).toEqual({ i: 1, revision: 3 });
  });

  it("devpulse rotate-key: the CLI rotates over real HTTP, reports progress, and the next CLI sync simply unlocks with the new key", async () => {
    const { user, caller, device } = await newUser("cli");
    const laptop = await device("laptop");
    await laptop.sync.unlock(PASSPHRASE);
    for (const round of [1, 2]) {
      for (let i = 0; i < 12; i++) await laptop.sync.put("projects", `c${i}`, { i, round });
      await laptop.sync.sync();
    }

    const app = await startAppServer([
      { method: "GET", path: /^\/api\/trpc\//, handler: (request) => trpcGET(request) },
      { method: "POST", path: /^\/api\/trpc\//, handler: (request) => trpcPOST(request) },
    ]);
    const configDir = mkdtempSync(join(tmpdir(), "devpulse-cli-rotate-"));
    const saved = { dir: process.env.DEVPULSE_CONFIG_DIR, passphrase: process.env.DEVPULSE_PASSPHRASE };
    process.env.DEVPULSE_CONFIG_DIR = configDir;
    process.env.DEVPULSE_PASSPHRASE = PASSPHRASE;
    try {
      const cliDevice = await connectDevice(caller, "cli");
      await saveConfig({ url: app.url, token: cliDevice.token, deviceId: cliDevice.deviceId, deviceName: "cli" });
      const lines: Array<Record<string, unknown>> = [];
      await commands.rotateKey({ json: true, print: (text) => lines.push(JSON.parse(text) as Record<string, unknown>) }, { includeRevisions: true, purge: true });
      // 12 records and, with --include-revisions, their 12 earlier revisions; so --purge finds nothing left to delete.
      expect(lines.at(-1)).toMatchObject({ event: "rotated", keyId: 2, resumed: false, reencrypted: 24, purged: { revisions: 0 } });
      const history = await laptop.client.conflicts.history.query({ collection: "projects", recordId: "c3" });
      expect(history.revisions.map((r: { revision: number; ciphertext: string | null }) => [r.revision, r.ciphertext?.slice(0, 14)])).toEqual([
        [2, "dp2.A256GCM.2."],
        [1, "dp2.A256GCM.2."],
      ]);
      expect(lines.filter((line) => line.event === "progress").length).toBeGreaterThan(0);
      // The laptop's SDK, still on key 1, is refused; the CLI, which unlocks on every command, syncs on.
      await laptop.sync.put("projects", "c0", { i: "edited" });
      await expect(laptop.sync.sync()).rejects.toBeInstanceOf(KeyRotatedError);
      const synced: Array<Record<string, unknown>> = [];
      await commands.sync({ json: true, print: (text) => synced.push(JSON.parse(text) as Record<string, unknown>) }, {});
      expect(synced.at(-1)).toMatchObject({ pulled: 12 });
      expect((await storedCiphertexts(user.id)).every((item) => item.keyId === 2)).toBe(true);
    } finally {
      process.env.DEVPULSE_CONFIG_DIR = saved.dir;
      process.env.DEVPULSE_PASSPHRASE = saved.passphrase;
      if (saved.dir === undefined) delete process.env.DEVPULSE_CONFIG_DIR;
      if (saved.passphrase === undefined) delete process.env.DEVPULSE_PASSPHRASE;
      rmSync(configDir, { recursive: true, force: true });
      await app.close();
    }
  });
});
