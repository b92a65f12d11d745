import { and, eq, inArray } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevPulseClient, createMemoryStore, createSyncClient, type SyncClient } from "~/client";
import { getDb } from "~/server/db/client";
import { syncConflicts, syncRecords, syncRevisions } from "~/server/db/schema";
import { setRateLimits } from "~/server/security/rate-limits";
import { connectDevice, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { measured, scaled } from "./support/figures";

/**
 * Model-based convergence (fast-check commands): three devices of one user, each with its own
 * store and the real SDK, do random puts, deletes, offline spells, reconnects, passphrase
 * rotations and syncs against the real server (its route handler). Checked against the model:
 * - every change a device pushed is, by the server's answer, applied (a revision with its
 *   checksum exists) or a conflict (a conflict holds its checksum): nothing acknowledged is lost;
 * - after all three come online and sync, and the conflicts left for a person are resolved,
 *   the three hold the same records;
 * - every value they hold is one a device wrote (nothing invented), and a record is absent on
 *   the devices exactly when the server's current version is a deletion (nothing resurrected).
 */

const SEQUENCES = scaled(500, 50);
const DEVICES = 3;
const RECORDS = 2;
const COLLECTIONS = ["projects", "settings"] as const;
const MAX_COMMANDS = 30;
type Collection = (typeof COLLECTIONS)[number];

type PushedChange = { collection: string; id: string; checksum: string | null; status: string };

/** A device with its SDK, the pushes it saw answered, and whether it is online. */
type Device = { sync: SyncClient; pushed: PushedChange[] };
type Real = { devices: Device[]; sequence: number; written: Map<string, Set<string>>; passphrase: { current: string; rotations: number } };
/** Which devices are online, and how many passphrase rotations this sequence may still do (each costs two key derivations). */
type Model = { online: boolean[]; rotationsLeft: number };

const recordId = (sequence: number, record: number) => `s${sequence}-r${record}`;
const writtenKey = (collection: string, id: string) => `${collection}/${id}`;

let counter = 0;
class Put implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number, readonly collection: Collection, readonly record: number) {}
  check = () => true;
  async run(_: Model, real: Real) {
    const id = recordId(real.sequence, this.record);
    const value = `d${this.device}-${++counter}`;
    const key = writtenKey(this.collection, id);
    real.written.set(key, (real.written.get(key) ?? new Set()).add(value));
    await real.devices[this.device]!.sync.put(this.collection, id, { v: value });
  }
  toString = () => `put(d${this.device}, ${this.collection}, r${this.record})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number, readonly collection: Collection, readonly record: number) {}
  check = () => true;
  async run(_: Model, real: Real) {
    await real.devices[this.device]!.sync.delete(this.collection, recordId(real.sequence, this.record));
  }
  toString = () => `delete(d${this.device}, ${this.collection}, r${this.record})`;
}

class Sync implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number) {}
  check = (model: Readonly<Model>) => model.online[this.device]!;
  async run(_: Model, real: Real) {
    await real.devices[this.device]!.sync.sync();
  }
  toString = () => `sync(d${this.device})`;
}

class GoOffline implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number) {}
  check = (model: Readonly<Model>) => model.online[this.device]!;
  async run(model: Model) {
    model.online[this.device] = false;
  }
  toString = () => `offline(d${this.device})`;
}

class Reconnect implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number) {}
  check = (model: Readonly<Model>) => !model.online[this.device];
  async run(model: Model, real: Real) {
    model.online[this.device] = true;
    await real.devices[this.device]!.sync.sync();
  }
  toString = () => `reconnect(d${this.device})`;
}

/** A new passphrase for the same data key: the other devices keep syncing with the key they hold. */
class RotatePassphrase implements fc.AsyncCommand<Model, Real> {
  constructor(readonly device: number) {}
  check = (model: Readonly<Model>) => model.online[this.device]! && model.rotationsLeft > 0;
  async run(model: Model, real: Real) {
    model.rotationsLeft -= 1;
    const next = `convergence passphrase number ${real.passphrase.rotations + 1}`;
    await real.devices[this.device]!.sync.rotatePassphrase(real.passphrase.current, next);
    real.passphrase.current = next;
    real.passphrase.rotations += 1;
  }
  toString = () => `rotatePassphrase(d${this.device})`;
}

const device = fc.integer({ min: 0, max: DEVICES - 1 });
const collection = fc.constantFrom(...COLLECTIONS);
const record = fc.integer({ min: 0, max: RECORDS - 1 });
const put = fc.tuple(device, collection, record).map(([d, c, r]) => new Put(d, c, r));
const remove = fc.tuple(device, collection, record).map(([d, c, r]) => new Delete(d, c, r));
const sync = device.map((d) => new Sync(d));
// Repeated entries weigh the draw: mostly edits and syncs, so deletions meet records that exist.
const commands = fc.commands([put, put, put, remove, remove, sync, sync, sync, device.map((d) => new GoOffline(d)), device.map((d) => new Reconnect(d)), device.map((d) => new RotatePassphrase(d))], { maxCommands: MAX_COMMANDS, size: "max" });

/** Every push a device makes, with the server's answer to each change, read off the wire. */
function recordingFetch(pushed: PushedChange[]): typeof fetch {
  const viaRoute = routeFetch();
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.url.includes("/api/trpc/sync.push") ? await request.clone().text() : null;
    const response = await viaRoute(request);
    if (body !== null && response.ok) {
      const sent = (JSON.parse(body) as { json: { changes: Array<{ collection: string; id: string; checksum: string | null }> } }).json.changes;
      const answer = (await response.clone().json()) as { result: { data: { json: { results: Array<{ status: string }> } } } };
      sent.forEach((change, index) => pushed.push({ collection: change.collection, id: change.id, checksum: change.checksum, status: answer.result.data.json.results[index]!.status }));
    }
    return response;
  };
}

// The trial's calls are many and quick: the per-device allowance would refuse them.
beforeAll(() => setRateLimits({ calls: { points: 1_000_000_000 }, requests: { points: 1_000_000_000 } }));
afterAll(() => setRateLimits(null));

describe("model-based convergence of three devices", () => {
  it(`converges, loses no acknowledged change and resurrects nothing: ${SEQUENCES} sequences`, { timeout: 60 * 60_000 }, async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("convergence");
    await caller.privacy.recordConsent({ type: "cloud_sync", granted: true });
    const passphrase = { current: "convergence passphrase number 0", rotations: 0 };
    const devices: Device[] = [];
    for (let index = 0; index < DEVICES; index += 1) {
      const pushed: PushedChange[] = [];
      const { token, deviceId } = await connectDevice(caller, `convergence-${index}`);
      const client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: recordingFetch(pushed) });
      // A true conflict (both changed the value) is left for a person on projects; settings take the device's own.
      const sync = createSyncClient({ client, deviceId, store: createMemoryStore(), strategies: { projects: "merge", settings: "local_wins" } });
      await sync.unlock(passphrase.current);
      devices.push({ sync, pushed });
    }

    let sequence = 0;
    const counterexamples: string[] = [];
    const figure = await measured({ area: "Sync and conflicts", check: "Model-based convergence: three devices, random puts, deletes, offline spells, reconnects, passphrase rotations and syncs (fast-check commands)", trials: "command sequences" }, async () => {
      const property = fc.asyncProperty(commands, async (cmds) => {
        sequence += 1;
        const real: Real = { devices, sequence, written: new Map(), passphrase };
        for (const each of devices) each.pushed.length = 0;
        // A rotation in one sequence of ten: PBKDF2 at 600,000 iterations twice is most of a sequence's time.
        const model: Model = { online: Array.from({ length: DEVICES }, () => true), rotationsLeft: sequence % 10 === 1 ? 1 : 0 };
        await fc.asyncModelRun(() => ({ model, real }), cmds);

        // Everyone online and synced; what is left for a person is resolved (the server's version kept), then synced again.
        for (let round = 0; round < 2; round += 1) for (const each of devices) await each.sync.sync();
        const ids = Array.from({ length: RECORDS }, (_, index) => recordId(sequence, index));
        const open = await db.select({ id: syncConflicts.id }).from(syncConflicts).where(and(eq(syncConflicts.userId, user.id), eq(syncConflicts.status, "open"), inArray(syncConflicts.recordId, ids)));
        for (const conflict of open) await devices[0]!.sync.resolveConflict(conflict.id, "remote_wins");
        for (let round = 0; round < 2; round += 1) for (const each of devices) await each.sync.sync();

        // Nothing acknowledged is lost: each applied change is a revision with its checksum, each conflict holds it.
        const pushed = devices.flatMap((each) => each.pushed);
        const revisions = await db.select({ recordId: syncRevisions.recordId, checksum: syncRevisions.checksum, deleted: syncRevisions.deleted }).from(syncRevisions).where(and(eq(syncRevisions.userId, user.id), inArray(syncRevisions.recordId, ids)));
        const conflicts = await db.select({ recordId: syncConflicts.recordId, checksum: syncConflicts.localChecksum, deleted: syncConflicts.localDeleted }).from(syncConflicts).where(and(eq(syncConflicts.userId, user.id), inArray(syncConflicts.recordId, ids)));
        for (const change of pushed) {
          const kept = change.status === "applied" ? revisions : change.status === "conflict" ? conflicts : null;
          if (kept && !kept.some((row) => row.recordId === change.id && (change.checksum === null ? row.deleted : row.checksum === change.checksum))) throw new Error(`a ${change.status} change of ${change.collection}/${change.id} is not on the server`);
        }

        // Converged, nothing invented, nothing resurrected.
        const current = await db.select({ collection: syncRecords.collection, recordId: syncRecords.recordId, deleted: syncRecords.deleted }).from(syncRecords).where(and(eq(syncRecords.userId, user.id), inArray(syncRecords.recordId, ids)));
        for (const name of COLLECTIONS)
          for (const id of ids) {
            const held = await Promise.all(devices.map((each) => each.sync.get(name, id)));
            expect(held[1], `${name}/${id}: device 1 against device 0`).toEqual(held[0]);
            expect(held[2], `${name}/${id}: device 2 against device 0`).toEqual(held[0]);
            const value = held[0] as { v?: string } | undefined;
            if (value !== undefined) expect(real.written.get(writtenKey(name, id))?.has(value.v ?? ""), `${name}/${id} holds ${JSON.stringify(value)}, which no device wrote`).toBe(true);
            const onServer = current.find((row) => row.collection === name && row.recordId === id);
            expect(value === undefined, `${name}/${id}: absent on the devices exactly when the server's version is a deletion`).toBe(!onServer || onServer.deleted);
          }
      });
      const result = await fc.check(property, { numRuns: SEQUENCES });
      if (result.failed) counterexamples.push(`${fc.stringify(result.counterexample)}: ${String(result.errorInstance)}`);
      return {
        tried: result.numRuns,
        lost: result.failed ? 1 : 0,
        detail: `up to ${MAX_COMMANDS} commands a sequence over ${RECORDS} records in each of ${COLLECTIONS.length} collections (projects merged field by field, a true conflict left for a person; settings: the device's own wins); ${passphrase.rotations} passphrase rotations in all; a lost sequence is one where an acknowledged change was missing from the server, the devices disagreed after syncing, a device held a value no one wrote, or a deleted record came back${counterexamples.length ? `: shrunk counterexample ${counterexamples[0]}` : ""}`,
      };
    });
    expect(counterexamples).toEqual([]);
    expect(figure.lost).toBe(0);
  });
});
