/**
 * The desktop app's sync engine, built only on the public tRPC client: keeps a
 * local copy in a SyncStore, encrypts every value before it leaves the device,
 * verifies and decrypts everything it receives, and resolves conflicts by the
 * strategy chosen per collection. The server sees ciphertext only.
 */
import { TRPCClientError } from "@trpc/client";
import {
  createKeyBundle,
  failedVerification,
  openRecord,
  rewrapKeyBundle,
  sealRecord,
  singleKeyRing,
  unlockKeyRing,
  type KeyBundle,
  type KeyRing,
  type RecordIdentity,
  type StoredVersion,
  UnknownKeyError,
} from "../lib/crypto";
import { threeWayMerge } from "../lib/merge";
import type { UnreadableRecord } from "../lib/sync/decrypt-all";
import type { Json } from "../lib/merge/json";
import { ZRecordId, type SyncCollection } from "../lib/schemas/collections";
import type { MergeRuleStrategy } from "../lib/schemas/merge-rules";
import type { DevPulseClient } from "./index";
import { refusalDetails, trpcCode } from "./api-errors";
import { KeyRotatedError, keyRotatedErrorOf } from "./key-rotation";
import { pipelined } from "./pipelined";
import { followTrimmedDeletion, pullPageOrReconcile } from "./reconcile";
import { createSchemaRegistry, NewerSchemaError, type CollectionSchemas, type RecordView } from "./schemas";
import type { LocalRecord, SyncSnapshot, SyncStore } from "./store";

/** How this device resolves a conflict: see MERGE_RULE_STRATEGIES (append_only keeps both versions as separate records). */
export type ConflictStrategy = MergeRuleStrategy;

export type SyncClientOptions = {
  client: DevPulseClient;
  /** This device's id (returned by the device authorization flow). */
  deviceId: string;
  store: SyncStore;
  /** Per-collection conflict strategy; collections not named follow the user's merge rules (conflicts.rules), else `merge`. */
  strategies?: Partial<Record<SyncCollection, ConflictStrategy>>;
  /** Schema version written with each collection's records (default 1), without migrations; `schemas` supersedes it. */
  schemaVersions?: Partial<Record<SyncCollection, number>>;
  /** Per collection: the schema version this app writes and the steps that upgrade older records on read (see ./schemas). */
  schemas?: CollectionSchemas;
  /** Changes per push request (the server accepts at most 500). */
  batchSize?: number;
  /** Test hook: PBKDF2 iterations when creating keys (never below the crypto minimum). */
  kdfIterations?: number;
};

/** `heldBack`: collections whose cloud sync the user turned off (privacy settings): their edits stay on this device, pending. */
export type PushSummary = { applied: number; conflicts: number; autoResolved: number; openConflicts: string[]; heldBack: SyncCollection[] };
/** `unreadable`: the records whose latest version this device could not open (see `pull`), until a readable one comes. */
export type PullSummary = { received: number; cursor: number; unreadable: UnreadableRecord[] };
export type SyncSummary = { rounds: number; pulled: number; pushed: number; conflicts: number; autoResolved: number; openConflicts: string[]; unreadable: UnreadableRecord[]; heldBack: SyncCollection[] };

export class SyncLockedError extends Error {
  constructor() {
    super("Sync is locked: unlock with your sync passphrase first.");
    this.name = "SyncLockedError";
  }
}

type PushResultItem = Awaited<ReturnType<DevPulseClient["sync"]["push"]["mutate"]>>["results"][number];
type ConflictItem = Extract<PushResultItem, { status: "conflict" }>;

const MAX_SYNC_ROUNDS = 6;
/**
 * Push requests in flight at once: the next batch is encrypted and sent while the
 * server writes the previous one (each batch is its own atomic, idempotent push of
 * different records, so they may land in either order).
 */
export const PUSHES_IN_FLIGHT = 2;

function isNetworkError(error: unknown): boolean {
  return error instanceof TRPCClientError && !(error.data as { httpStatus?: number } | undefined)?.httpStatus;
}

/** Where a snapshot keeps a record's unreadable entry (SyncSnapshot.unreadable). */
const unreadableKey = (collection: string, id: string) => `${collection}/${id}`;

/** The collections a push was refused for because the user turned their cloud sync off, or null for any other error. */
function collectionsTurnedOff(error: unknown): SyncCollection[] | null {
  const details = refusalDetails(error);
  if (trpcCode(error) !== "FORBIDDEN" || details?.reason !== "collection_off" || typeof details.collections !== "string") return null;
  return details.collections.split(",") as SyncCollection[];
}

export function createSyncClient(options: SyncClientOptions) {
  const { client, deviceId, store } = options;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 200, 500));
  // The key ring: records are written under its current key and read under whichever key they name.
  let unlocked: { dataKey: KeyRing; userId: string } | undefined;
  let snapshot: SyncSnapshot | undefined;
  let userRules: Partial<Record<SyncCollection, ConflictStrategy>> = {};

  const strategyFor = (collection: string): ConflictStrategy =>
    options.strategies?.[collection as SyncCollection] ?? userRules[collection as SyncCollection] ?? "merge";
  const schemas = createSchemaRegistry(options.schemas, options.schemaVersions);
  const schemaVersionFor = (collection: string) => schemas.versionOf(collection);

  async function state(): Promise<SyncSnapshot> {
    snapshot ??= await store.load();
    return snapshot;
  }
  const persist = async () => store.save(await state());

  function keys() {
    if (!unlocked) throw new SyncLockedError();
    return unlocked;
  }

  const identity = (collection: string, recordId: string, schemaVersion: number): RecordIdentity => ({
    userId: keys().userId,
    collection,
    recordId,
    schemaVersion,
  });

  const encryptValue = (collection: string, id: string, schemaVersion: number, value: Json) =>
    sealRecord(keys().dataKey, identity(collection, id, schemaVersion), value);

  const openValue = async (collection: string, id: string, version: StoredVersion & { schemaVersion: number }) =>
    (await openRecord(keys().dataKey, identity(collection, id, version.schemaVersion), version).catch((error: unknown) => {
      throw lockIfRotated(error);
    })) as Json | null;

  /** A key rotated elsewhere (a record under a newer key, or a push refused): lock, so the app asks for the passphrase again. */
  function lockIfRotated(error: unknown): unknown {
    const rotated = error instanceof UnknownKeyError ? new KeyRotatedError(error.keyId, { cause: error }) : keyRotatedErrorOf(error);
    if (!rotated) return error;
    unlocked = undefined;
    return rotated;
  }

  /** Notes a record whose version at `revision` failed verification (reported by pull and sync until a readable version comes). */
  function markUnreadable(snap: SyncSnapshot, record: UnreadableRecord) {
    (snap.unreadable ??= {})[unreadableKey(record.collection, record.id)] = record;
  }

  function records(snap: SyncSnapshot, collection: string) {
    snap.records[collection] ??= {};
    return snap.records[collection];
  }

  function adopt(record: LocalRecord | undefined, revision: number, value: Json | null, deleted: boolean, schemaVersion: number): LocalRecord {
    return { ...record, value, deleted, schemaVersion, revision, base: value, baseDeleted: deleted, baseSchemaVersion: schemaVersion, dirty: false };
  }

  async function resolveByStrategy(conflict: ConflictItem, record: LocalRecord): Promise<{ record: LocalRecord; resolved: boolean }> {
    const remote = conflict.remote;
    // Deleted elsewhere, tombstone trimmed by retention: only a person may bring it back.
    if (!remote) return { record: followTrimmedDeletion(record), resolved: false };
    let remoteValue: Json | null;
    try {
      remoteValue = await openValue(conflict.collection, conflict.id, remote);
    } catch (error) {
      if (!failedVerification(error)) throw error;
      // Nothing to merge with or follow: this device keeps its own value (also kept in the conflict) and a
      // person chooses, as for any conflict left open; the record is reported as unreadable meanwhile.
      markUnreadable(await state(), { collection: conflict.collection, id: conflict.id, revision: remote.revision, reason: error.message });
      return { record: { ...record, dirty: false }, resolved: false };
    }
    const followRemote = () => adopt(record, remote.revision, remoteValue, remote.deleted, remote.schemaVersion);
    const keepRemote = () => ({ record: followRemote(), resolved: false });
    let strategy = strategyFor(conflict.collection);
    // An older app never overwrites a newer app's record: at most it merges into it, keeping the fields it does not know.
    if (strategy === "local_wins" && schemas.isNewer(conflict.collection, remote.schemaVersion)) strategy = "merge";
    // A field merge needs both sides present (their schemas are aligned below).
    if (strategy === "merge" && conflict.type === "delete_conflict") strategy = "manual";
    try {
      if (strategy === "append_only") {
        // Keep both: the server's version stays under this id, ours becomes a new record —
        // stored (and persisted) before the server is told, so a crash in between loses nothing.
        if (!record.deleted && record.value !== null) {
          const copyId = `${conflict.id.slice(0, 100)}:copy-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
          records(await state(), conflict.collection)[copyId] = {
            value: record.value,
            deleted: false,
            schemaVersion: record.schemaVersion,
            revision: null,
            base: null,
            baseDeleted: false,
            dirty: true,
          };
          await persist();
        }
        await client.conflicts.resolve.mutate({ id: conflict.conflictId, strategy: "remote_wins" });
        return { record: followRemote(), resolved: true };
      }
      if (strategy === "local_wins") {
        const done = await client.conflicts.resolve.mutate({ id: conflict.conflictId, strategy });
        return { record: adopt(record, done.revision ?? remote.revision, record.value, record.deleted, record.schemaVersion), resolved: true };
      }
      if (strategy === "remote_wins") {
        await client.conflicts.resolve.mutate({ id: conflict.conflictId, strategy });
        return { record: followRemote(), resolved: true };
      }
      if (strategy === "merge") {
        const aligned = schemas.align(conflict.collection, {
          base: { value: record.baseDeleted ? undefined : (record.base ?? undefined), schemaVersion: record.baseSchemaVersion ?? record.schemaVersion },
          local: { value: record.value ?? undefined, schemaVersion: record.schemaVersion },
          remote: { value: remoteValue ?? undefined, schemaVersion: remote.schemaVersion },
        });
        const result = threeWayMerge(aligned.base, aligned.local, aligned.remote);
        if (!result.clean || result.merged === undefined) return keepRemote();
        const merged = result.merged;
        const encrypted = await encryptValue(conflict.collection, conflict.id, aligned.schemaVersion, merged);
        const done = await client.conflicts.resolve.mutate({
          id: conflict.conflictId,
          strategy: "merge",
          resolved: { ...encrypted, schemaVersion: aligned.schemaVersion, deleted: false },
        });
        return { record: adopt(record, done.revision ?? remote.revision + 1, merged, false, aligned.schemaVersion), resolved: true };
      }
    } catch (error) {
      // Another device moved the record on meanwhile: leave the conflict for the conflict page.
      if (trpcCode(error) !== "PRECONDITION_FAILED") throw error;
    }
    // manual (or not resolvable here): the refused local version is kept in the
    // server's conflict record until a person decides; this device follows the server.
    return keepRemote();
  }

  /**
   * Records the outcome of pushing `sent` — unless the record was edited while the push was in
   * flight. Then the newer edit stays pending: on top of the new revision when `sent` was written
   * as it was (the edit was made on it), and on the revision it was made on when `sent` met a
   * conflict, so that its push meets the server's version as a conflict too. Moved onto the
   * conflict's outcome instead, it would be written over the other device's version unseen.
   */
  function settle(local: Record<string, LocalRecord>, id: string, sent: LocalRecord, next: LocalRecord, { conflicted }: { conflicted: boolean }) {
    const now = local[id];
    if (now === sent || !now?.dirty) local[id] = next;
    else if (!conflicted) local[id] = { ...now, revision: next.revision, base: next.base, baseDeleted: next.baseDeleted, baseSchemaVersion: next.baseSchemaVersion };
  }

  type DirtyRecord = [collection: string, id: string, record: LocalRecord];

  /** Encrypts a batch and sends it, retrying network errors under the same idempotency key. */
  async function sendBatch(batch: DirtyRecord[]) {
    const changes = await Promise.all(
      batch.map(async ([collection, id, record]) => {
        const encrypted = record.deleted || record.value === null ? null : await encryptValue(collection, id, record.schemaVersion, record.value);
        return {
          collection: collection as SyncCollection,
          id,
          baseRevision: record.revision,
          ciphertext: encrypted?.ciphertext ?? null,
          checksum: encrypted?.checksum ?? null,
          schemaVersion: record.schemaVersion,
          deleted: record.deleted,
          keyId: keys().dataKey.keyId,
        };
      }),
    );
    const idempotencyKey = crypto.randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.sync.push.mutate({ idempotencyKey, deviceId, changes });
      } catch (error) {
        const rotated = lockIfRotated(error);
        if (rotated !== error) throw rotated;
        // Same key on retry: if the first attempt did land, the server answers its result again.
        if (!isNetworkError(error) || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }

  /** Records what the server did with each change of a batch, resolving conflicts by strategy. */
  async function settleBatch(batch: DirtyRecord[], result: Awaited<ReturnType<typeof sendBatch>>, summary: PushSummary) {
    const snap = await state();
    for (const [index, item] of result.results.entries()) {
      const [collection, id, record] = batch[index]!;
      const local = records(snap, collection);
      if (item.status === "applied" || item.status === "unchanged") {
        settle(local, id, record, adopt(record, item.revision, record.value, record.deleted, record.schemaVersion), { conflicted: false });
        if (item.status === "applied") summary.applied += 1;
      } else {
        summary.conflicts += 1;
        const { record: next, resolved } = await resolveByStrategy(item, record);
        settle(local, id, record, next, { conflicted: true });
        if (resolved) summary.autoResolved += 1;
        else summary.openConflicts.push(item.conflictId);
      }
    }
    await persist();
  }

  /** Sends a resolution decided against the conflict's current server version; `chosen` (merge, manual) is encrypted here first. */
  async function submitResolution(conflict: { id: string; collection: string; recordId: string; remote: { revision: number } | null }, strategy: Exclude<ConflictStrategy, "append_only">, chosen?: { value: Json; schemaVersion: number }) {
    const resolved = chosen && { ...(await encryptValue(conflict.collection, conflict.recordId, chosen.schemaVersion, chosen.value)), schemaVersion: chosen.schemaVersion, deleted: false };
    return client.conflicts.resolve.mutate({ id: conflict.id, strategy, resolved, expectedRevision: conflict.remote?.revision ?? null });
  }

  const api = {
    /** Derives the key-encryption key from the passphrase and unwraps the data key; creates keys on first use. */
    async unlock(passphrase: string): Promise<{ created: boolean }> {
      const [me, existing, rules] = await Promise.all([client.auth.me.query(), client.sync.keys.get.query(), client.conflicts.rules.get.query()]);
      userRules = rules;
      if (existing) {
        const dataKey = await unlockKeyRing(passphrase, existing as KeyBundle, me.id);
        unlocked = { dataKey, userId: me.id };
        return { created: false };
      }
      const { bundle, dataKey } = await createKeyBundle(passphrase, me.id, { iterations: options.kdfIterations });
      try {
        await client.sync.keys.setup.mutate(bundle);
      } catch (error) {
        // Another device set keys up at the same moment: use those.
        if (trpcCode(error) !== "CONFLICT") throw error;
        return api.unlock(passphrase);
      }
      unlocked = { dataKey: singleKeyRing(dataKey), userId: me.id };
      return { created: true };
    },

    lock() {
      unlocked = undefined;
    },

    get isUnlocked() {
      return unlocked !== undefined;
    },

    /** Re-wraps the same data key under a new passphrase; records stay as they are. */
    async rotatePassphrase(oldPassphrase: string, newPassphrase: string) {
      const me = await client.auth.me.query();
      const existing = await client.sync.keys.get.query();
      if (!existing) throw new Error("Sync keys are not set up yet: unlock first.");
      const bundle = await rewrapKeyBundle(oldPassphrase, newPassphrase, existing as KeyBundle, me.id);
      await client.sync.keys.rotatePassphrase.mutate({ bundle, expectedVersion: existing.version });
    },

    async put(collection: SyncCollection, id: string, value: Json) {
      ZRecordId.parse(id); // the server refuses other ids, which would block every later push
      const local = records(await state(), collection);
      const current = local[id];
      schemas.assertWritable(collection, id, current);
      local[id] = {
        value,
        deleted: false,
        schemaVersion: schemaVersionFor(collection),
        revision: current?.revision ?? null,
        base: current?.base ?? null,
        baseDeleted: current?.baseDeleted ?? false,
        baseSchemaVersion: current?.baseSchemaVersion ?? current?.schemaVersion,
        dirty: true,
      };
      await persist();
    },

    async delete(collection: SyncCollection, id: string) {
      const local = records(await state(), collection);
      const current = local[id];
      if (!current || current.deleted) return;
      schemas.assertWritable(collection, id, current);
      local[id] = { ...current, value: null, deleted: true, dirty: true };
      await persist();
    },

    /** The record's value, upgraded to this app's schema (a newer app's record as it is: see getRecord). */
    async get(collection: SyncCollection, id: string): Promise<Json | undefined> {
      return (await api.getRecord(collection, id))?.value;
    },

    /** The record's value with its schema version, and whether this app may write it (not when a newer app wrote it). */
    async getRecord(collection: SyncCollection, id: string): Promise<RecordView | undefined> {
      const record = (await state()).records[collection]?.[id];
      return record ? schemas.view(collection, record) : undefined;
    },

    async list(collection: SyncCollection): Promise<Array<{ id: string; value: Json }>> {
      const local = (await state()).records[collection] ?? {};
      return Object.entries(local)
        .flatMap(([id, record]) => {
          const view = schemas.view(collection, record);
          return view ? [{ id, value: view.value }] : [];
        })
        .sort((a, b) => a.id.localeCompare(b.id));
    },

    /**
     * Sends every local edit, encrypted, in batches; conflicts are resolved per strategy. A collection
     * whose cloud sync the user turned off refuses the whole batch it is in: its edits are held back
     * (still pending, sent once it is on again) and the rest are sent again without them.
     */
    async push(): Promise<PushSummary> {
      keys();
      const summary: PushSummary = { applied: 0, conflicts: 0, autoResolved: 0, openConflicts: [], heldBack: [] };
      for (;;) {
        const dirty = Object.entries((await state()).records).flatMap(([collection, local]) =>
          summary.heldBack.includes(collection as SyncCollection)
            ? []
            : Object.entries(local)
                .filter(([, record]) => record.dirty)
                .map(([id, record]): DirtyRecord => [collection, id, record]),
        );
        const batches: DirtyRecord[][] = [];
        for (let start = 0; start < dirty.length; start += batchSize) batches.push(dirty.slice(start, start + batchSize));
        try {
          await pipelined(batches, PUSHES_IN_FLIGHT, sendBatch, (batch, result) => settleBatch(batch, result, summary));
          return summary;
        } catch (error) {
          // Batches that landed were settled; those refused are sent again, without what is turned off.
          const turnedOff = collectionsTurnedOff(error)?.filter((collection) => !summary.heldBack.includes(collection));
          if (!turnedOff?.length) throw error;
          summary.heldBack.push(...turnedOff);
        }
      }
    },

    /**
     * Fetches every change since the cursor, verifies and decrypts it; local edits not yet pushed are kept.
     * A version that fails verification is not adopted and does not stop the pull: the device keeps what it
     * had for that record, and the record is reported in `unreadable` (kept in the store) until a version
     * that opens arrives. Stopping instead would leave every later change of every record unsynced for
     * good, since the same version comes first again on every pull.
     */
    async pull(): Promise<PullSummary> {
      keys();
      const snap = await state();
      let received = 0;
      for (;;) {
        const page = await pullPageOrReconcile(client, snap, persist, 500);
        for (const change of page.changes) {
          const local = records(snap, change.collection);
          const current = local[change.id];
          // A pending local edit meets the server at push time, where conflicts are detected.
          if (current?.dirty) continue;
          if (current?.revision != null && current.revision >= change.revision) continue;
          let value: Json | null;
          try {
            value = await openValue(change.collection, change.id, change);
          } catch (error) {
            if (!failedVerification(error)) throw error;
            markUnreadable(snap, { collection: change.collection, id: change.id, revision: change.revision, reason: error.message });
            continue;
          }
          if (local[change.id]?.dirty) continue; // edited while we were decrypting: the push will meet it
          local[change.id] = adopt(current, change.revision, value, change.deleted, change.schemaVersion);
          delete snap.unreadable?.[unreadableKey(change.collection, change.id)];
          received += 1;
        }
        snap.cursor = page.cursor;
        await persist();
        if (!page.hasMore) break;
      }
      return { received, cursor: snap.cursor, unreadable: Object.values(snap.unreadable ?? {}) };
    },

    /** Pull, merge, push until quiet. */
    async sync(): Promise<SyncSummary> {
      const summary: SyncSummary = { rounds: 0, pulled: 0, pushed: 0, conflicts: 0, autoResolved: 0, openConflicts: [], unreadable: [], heldBack: [] };
      while (summary.rounds < MAX_SYNC_ROUNDS) {
        summary.rounds += 1;
        const pulled = await api.pull();
        const pushed = await api.push();
        summary.pulled += pulled.received;
        summary.unreadable = pulled.unreadable;
        summary.pushed += pushed.applied;
        summary.heldBack = pushed.heldBack;
        summary.conflicts += pushed.conflicts;
        summary.autoResolved += pushed.autoResolved;
        summary.openConflicts.push(...pushed.openConflicts);
        if (pulled.received === 0 && pushed.applied === 0 && pushed.conflicts === 0) break;
      }
      return summary;
    },

    /** Local bookkeeping: cursor, how many edits wait to be pushed, and how many records' latest versions could not be opened. */
    async status() {
      const snap = await state();
      const all = Object.values(snap.records).flatMap((local) => Object.values(local));
      return {
        cursor: snap.cursor,
        pending: all.filter((record) => record.dirty).length,
        records: all.filter((r) => !r.deleted).length,
        unreadable: Object.keys(snap.unreadable ?? {}).length,
        unlocked: unlocked !== undefined,
      };
    },

    /**
     * Decrypts a conflict's three versions (for a CLI or UI to show or merge), upgraded to one
     * schema where this app knows how (`alignment`, `schemaVersion`, `olderSide`: see alignVersions).
     */
    async openConflict(conflictId: string) {
      const conflict = await client.conflicts.get.query({ id: conflictId });
      const open = (version: { ciphertext: string | null; checksum: string | null; schemaVersion: number; deleted: boolean } | null) =>
        version ? openValue(conflict.collection, conflict.recordId, version) : Promise.resolve(null);
      const [base, local, remote] = await Promise.all([open(conflict.base), open(conflict.local), open(conflict.remote)]);
      const versioned = (value: Json | null, version: { schemaVersion: number } | null) => (version ? { value: value ?? undefined, schemaVersion: version.schemaVersion } : null);
      const aligned = schemas.align(conflict.collection, {
        base: versioned(base, conflict.base),
        local: versioned(local, conflict.local)!,
        remote: versioned(remote, conflict.remote),
      });
      const orNull = (value: Json | undefined) => value ?? null;
      return { ...aligned, conflict, base: orNull(aligned.base), local: orNull(aligned.local), remote: orNull(aligned.remote) };
    },

    /**
     * Resolves an open conflict: by strategy, or with a chosen value (`manual`). Only a merge opens
     * the versions: keeping a side or a chosen value needs none of them, so a side that does not open
     * (written wrongly by another client) can still be replaced by keeping the other.
     */
    async resolveConflict(conflictId: string, strategy: Exclude<ConflictStrategy, "append_only">, value?: Json) {
      if (strategy === "merge") {
        const { conflict, base, local, remote, schemaVersion } = await api.openConflict(conflictId);
        const result = threeWayMerge(base ?? undefined, local ?? undefined, remote ?? undefined);
        if (result.clean && result.merged === undefined) {
          throw new Error("The merge result is a deletion: resolve with local_wins or remote_wins to keep a side.");
        }
        if (!result.clean || result.merged === undefined) {
          const fields = result.conflicts.map((c) => c.path.join(".") || "(whole record)");
          throw new Error(`Cannot merge automatically: ${fields.join(", ")} changed on both sides. Choose a value (manual) or a side.`);
        }
        return submitResolution(conflict, "merge", { value: result.merged, schemaVersion });
      }
      const conflict = await client.conflicts.get.query({ id: conflictId });
      // Keeping this side, or a value this app made, would drop the fields of a newer app's version.
      const newer = [conflict.remote, ...(strategy === "manual" ? [conflict.local] : [])].find((v) => v && !v.deleted && schemas.isNewer(conflict.collection, v.schemaVersion));
      if (newer && (strategy === "manual" || strategy === "local_wins")) {
        throw new NewerSchemaError(conflict.collection, conflict.recordId, newer.schemaVersion, schemaVersionFor(conflict.collection));
      }
      if (strategy !== "manual") return submitResolution(conflict, strategy);
      if (value === undefined) throw new Error("A manual resolution needs the chosen value.");
      // never move a record back to an older schema than either side (or this app) uses
      return submitResolution(conflict, "manual", { value, schemaVersion: Math.max(conflict.local.schemaVersion, conflict.remote?.schemaVersion ?? 0, schemaVersionFor(conflict.collection)) });
    },
  };
  return api;
}

export type SyncClient = ReturnType<typeof createSyncClient>;
