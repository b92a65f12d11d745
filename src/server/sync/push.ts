import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { selectRows, type Db, type Tx } from "../db/client";
import { devices, type SyncConflictType } from "../db/schema";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { metrics } from "../metrics/registry";
import { jobs } from "../jobs/send";
import { logger } from "../logger";
import { publishSafely } from "../realtime/publisher";
import type { ProcessingEntry } from "../privacy/processing-log";
import { privacySettingsFrom } from "../privacy/settings";
import { acceptedKeyIdSql, assertKeyIdsAccepted, claimedKeyId } from "./key-rotation";
import { assertCollectionsAllowed } from "./policy";
import type { TPushChange, TPushInput, ZChangeResult, ZPushResult } from "./schemas";
import { lockSequence, revisionWrites, sequenceAdvance, type RecordVersion, type RevisionRow } from "./sequence";

/** The server's current version of a record, handed back with a conflict so the device can resolve it. */
export type RemoteRecord = RecordVersion;

/** remote is null when the record was deleted and its tombstone removed by retention. */
export type ChangeResult = z.infer<typeof ZChangeResult>;

export type PushResult = z.infer<typeof ZPushResult>;

type Decision = { kind: "apply"; revision: number } | { kind: "unchanged"; revision: number } | { kind: "conflict"; type: SyncConflictType };

/**
 * Optimistic concurrency per record: a change applies only on top of the revision
 * it was made from. Otherwise both versions are kept and the conflict recorded —
 * never last-writer-wins.
 */
function decide(change: TPushChange, stored: RemoteRecord | undefined, trimmedDeletion: TrimmedDeletion | undefined): Decision {
  type Current = Pick<RemoteRecord, "revision" | "deleted" | "schemaVersion">;
  // A deletion whose tombstone retention removed is decided as that tombstone would be: a device
  // that edited the record (or creates one under its id) meets a delete_conflict, not a fresh create.
  const current: Current | undefined = stored ?? (trimmedDeletion && { revision: trimmedDeletion.revision, deleted: true, schemaVersion: change.schemaVersion });
  // No row: a new record, or one the server dropped (retention, a deleted collection) that a device still
  // edits. Numbering continues from the device's base, so devices holding that revision see the edit as newer.
  if (!current) return { kind: "apply", revision: (change.baseRevision ?? 0) + 1 };
  if (change.baseRevision === current.revision) return { kind: "apply", revision: current.revision + 1 };
  if (change.deleted && current.deleted) return { kind: "unchanged", revision: current.revision };
  // The very version stored (envelopes have a random IV, so an equal checksum is that upload): a
  // device that never learnt its push landed (the answer lost, the app closed) sends it again on
  // its old base. It is already there; a conflict with itself would duplicate or hold it for a person.
  if (stored && !change.deleted && !stored.deleted && change.checksum === stored.checksum && change.schemaVersion === stored.schemaVersion) {
    return { kind: "unchanged", revision: stored.revision };
  }
  if (change.deleted !== current.deleted) return { kind: "conflict", type: "delete_conflict" };
  if (change.schemaVersion !== current.schemaVersion) return { kind: "conflict", type: "schema_conflict" };
  return { kind: "conflict", type: "update_conflict" };
}

const recordKey = (collection: string, id: string) => `${collection}\u0000${id}`;

/** The device a push speaks for: one of the caller's own, active devices (and the token's own device, if it used one). */
export async function assertPushDevice(db: Db, userId: string, deviceId: string, tokenDeviceId: string | null): Promise<void> {
  if (tokenDeviceId && tokenDeviceId !== deviceId) {
    throw new AppError("FORBIDDEN", "deviceId does not match the device this token belongs to.");
  }
  // Authenticating the token already proved this device is the user's and not revoked.
  if (tokenDeviceId === deviceId) return;
  const [device] = await db
    .select({ revokedAt: devices.revokedAt })
    .from(devices)
    .where(and(eq(devices.id, deviceId), eq(devices.userId, userId)));
  if (!device || device.revokedAt) throw new AppError("NOT_FOUND", "Unknown or revoked device: sign the device in again.");
}

function assertChecksums(changes: TPushChange[]): void {
  const bad = changes.filter((change) => change.ciphertext !== null && sha256Hex(change.ciphertext) !== change.checksum);
  if (bad.length > 0) {
    const names = bad.slice(0, 5).map((change) => `${change.collection}/${change.id}`);
    throw new AppError("BAD_REQUEST", `Checksum mismatch for ${names.join(", ")}${bad.length > 5 ? ` and ${bad.length - 5} more` : ""}: the ciphertext was altered in transit. Nothing was applied.`);
  }
}

type TrimmedDeletion = { revision: number };
function assertKeysAccepted(changes: TPushChange[], state: PushState): void {
  if (state.acceptedKeyId === null || state.currentKeyId === null) return;
  // Deletions carry no ciphertext, so no key to refuse.
  assertKeyIdsAccepted(changes.flatMap((change) => (change.deleted ? [] : [claimedKeyId(change)])), Number(state.acceptedKeyId), Number(state.currentKeyId));
}

type PushState = {
  settings: unknown;
  /** An earlier push with the same key: its answer, and what it was for (pushFingerprint; null for keys kept from before it was recorded). */
  replay: { result: PushResult; requestHash: string | null } | null;
  current: (RemoteRecord & { collection: string; recordId: string })[] | null;
  trimmed: (TrimmedDeletion & { collection: string; recordId: string })[] | null;
  /** The oldest data key pushes may still use (key-rotation.ts); null before keys are set up. */
  acceptedKeyId: number | null;
  currentKeyId: number | null;
};

/**
 * What a push needs to decide, in one round trip under the user's sequence lock:
 * the privacy settings, the result of an earlier push with the same idempotency
 * key, the current version of exactly the batch's records and the deletions
 * among them that retention trimmed (primary-key
 * probes: a plain record_id IN (…) scans all of the user's records once they
 * number in the tens of thousands).
 */
export async function readPushState(tx: Tx, userId: string, input: TPushInput): Promise<PushState> {
  const keys = JSON.stringify(input.changes.map((change) => ({ collection: change.collection, record_id: change.id })));
  const [state] = await selectRows<PushState>(
    tx,
    sql`select
      (select settings from privacy_settings where user_id = ${userId}::uuid) as settings,
      (select json_build_object('result', result, 'requestHash', request_hash) from sync_pushes where user_id = ${userId}::uuid and idempotency_key = ${input.idempotencyKey}) as replay,
      ${acceptedKeyIdSql(userId)} as "acceptedKeyId",
      (select key_id from sync_keys where user_id = ${userId}::uuid) as "currentKeyId",
      (select json_agg(json_build_object(
          'collection', r.collection, 'recordId', r.record_id, 'revision', r.revision, 'seq', r.seq, 'ciphertext', r.ciphertext,
          'checksum', r.checksum, 'schemaVersion', r.schema_version, 'deleted', r.deleted, 'keyId', r.key_id))
        from sync_records r
        where r.user_id = ${userId}::uuid
          and (r.collection, r.record_id) in (select collection, record_id from json_to_recordset(${keys}::json) as t(collection text, record_id text))
      ) as current,
      (select json_agg(json_build_object('collection', d.collection, 'recordId', d.record_id, 'revision', d.revision))
        from sync_trimmed_deletions d
        where d.user_id = ${userId}::uuid
          and (d.collection, d.record_id) in (select collection, record_id from json_to_recordset(${keys}::json) as t(collection text, record_id text))
      ) as trimmed`,
  );
  return state!;
}

/**
 * What an idempotency key stands for: the device and every change, its content by the checksum
 * assertChecksums verified (so hashing a few hundred bytes covers a batch of megabytes).
 */
function pushFingerprint(input: TPushInput): string {
  const changes = input.changes.map((change) => [change.collection, change.id, change.baseRevision, change.deleted, change.schemaVersion, change.checksum, change.keyId ?? null]);
  return sha256Hex(JSON.stringify([input.deviceId, changes]));
}

/** The IETF idempotency-key draft's answer to a key reused for a different request: 422, and nothing applied. */
const keyReused = () =>
  new AppError("UNPROCESSABLE_CONTENT", "This idempotency key was already used for a different batch: nothing was applied. Use a new key for every new batch (and the same key only to retry the same batch).");

/**
 * Applies a batch atomically: every change is either applied as a new revision or
 * recorded as a conflict, in one transaction. A retry with the same idempotency
 * key returns the first result and applies nothing. The transaction is three
 * round trips — take the lock, read, write everything — because the user's
 * pushes queue on that lock: every round trip inside it delays the next push.
 */
export async function pushChanges(db: Db, userId: string, input: TPushInput): Promise<PushResult> {
  assertChecksums(input.changes);

  const outcome = await db.transaction(async (tx) => {
    let seq = await lockSequence(tx, userId);
    const state = await readPushState(tx, userId, input);
    assertCollectionsAllowed(privacySettingsFrom(state.settings), new Set(input.changes.map((change) => change.collection)));
    if (state.replay) {
      if (state.replay.requestHash !== null && state.replay.requestHash !== pushFingerprint(input)) throw keyReused();
      return { replayed: true, result: state.replay.result };
    }
    assertKeysAccepted(input.changes, state);
    const current = new Map((state.current ?? []).map(({ collection, recordId, ...record }) => [recordKey(collection, recordId), record]));
    const trimmed = new Map((state.trimmed ?? []).map(({ collection, recordId, ...deletion }) => [recordKey(collection, recordId), deletion]));

    const revisions: RevisionRow[] = [];
    const conflicts: ConflictRow[] = [];
    const results: ChangeResult[] = input.changes.map((change) => {
      const remote = current.get(recordKey(change.collection, change.id));
      const decision = decide(change, remote, trimmed.get(recordKey(change.collection, change.id)));
      const { collection, id } = change;
      if (decision.kind === "apply") {
        seq += 1;
        revisions.push({
          collection,
          recordId: id,
          revision: decision.revision,
          seq,
          ciphertext: change.deleted ? null : change.ciphertext,
          checksum: change.deleted ? null : change.checksum,
          schemaVersion: change.schemaVersion,
          deleted: change.deleted,
          deviceId: input.deviceId,
          keyId: change.deleted ? null : claimedKeyId(change),
        });
        return { collection, id, status: "applied", revision: decision.revision, seq };
      }
      if (decision.kind === "unchanged") return { collection, id, status: "unchanged", revision: decision.revision };
      const conflictId = randomUUID();
      conflicts.push({
        id: conflictId,
        collection,
        record_id: id,
        type: decision.type,
        base_revision: change.baseRevision,
        remote_revision: remote?.revision ?? null,
        local_ciphertext: change.deleted ? null : change.ciphertext,
        local_checksum: change.deleted ? null : change.checksum,
        local_schema_version: change.schemaVersion,
        local_deleted: change.deleted,
        local_key_id: change.deleted ? null : claimedKeyId(change),
      });
      return { collection, id, status: "conflict", conflictId, type: decision.type, remote: remote ?? null };
    });

    const result: PushResult = { cursor: seq, applied: revisions.length, conflicts: conflicts.length, results };
    await tx.execute(pushWrite(userId, input, revisions, conflicts, result));
    return { replayed: false, result };
  });
  countPush(outcome.replayed, outcome.result);

  if (!outcome.replayed) await announcePush(userId, input.deviceId, outcome.result);
  return outcome.result;
}

function countPush(replayed: boolean, result: PushResult) {
  metrics.syncPushes.inc({ outcome: replayed ? "replayed" : "applied" });
  if (replayed) return;
  metrics.syncRecordsPushed.inc(result.applied);
  metrics.syncConflicts.inc(result.conflicts);
}

/** A conflict as the push's write statement takes it (sync_conflicts' column names; user and device are the push's). */
export type ConflictRow = {
  id: string;
  collection: string;
  record_id: string;
  type: SyncConflictType;
  base_revision: number | null;
  remote_revision: number | null;
  local_ciphertext: string | null;
  local_checksum: string | null;
  local_schema_version: number;
  local_deleted: boolean;
  local_key_id: number | null;
};

/**
 * Everything a push writes, in ONE statement (this is the hot path, under the
 * user's lock): the new revisions, the conflicts, the new end of the sequence,
 * the device's last sync, the processing-log entry (what recordProcessing writes
 * elsewhere) and the result kept for retries.
 */
export function pushWrite(userId: string, input: TPushInput, revisions: RevisionRow[], conflicts: ConflictRow[], result: PushResult): SQL {
  const upload = uploadLogEntry(input, result);
  const writes: SQL[] = [];
  if (revisions.length > 0) writes.push(revisionWrites(userId, revisions));
  if (conflicts.length > 0) {
    writes.push(sql`new_conflicts as (
      insert into sync_conflicts (id, user_id, collection, record_id, type, base_revision, remote_revision, local_ciphertext, local_checksum, local_schema_version, local_deleted, local_key_id, device_id)
      select id, ${userId}::uuid, collection, record_id, type, base_revision, remote_revision, local_ciphertext, local_checksum, local_schema_version, local_deleted, local_key_id, ${input.deviceId}::uuid
      from json_to_recordset(${JSON.stringify(conflicts)}::json) as t(
        id uuid, collection text, record_id text, type text, base_revision integer, remote_revision integer,
        local_ciphertext text, local_checksum text, local_schema_version integer, local_deleted boolean, local_key_id integer))`);
  }
  writes.push(
    sequenceAdvance(userId, result.cursor),
    sql`synced as (update devices set last_sync_at = now() where id = ${input.deviceId}::uuid)`,
    sql`logged as (insert into processing_log (user_id, activity, purpose, legal_basis, details)
      values (${userId}::uuid, ${upload.activity}, ${upload.purpose}, ${upload.legalBasis}, ${JSON.stringify(upload.details)}::jsonb))`,
  );
  return sql`with ${sql.join(writes, sql`, `)}
    insert into sync_pushes (user_id, idempotency_key, result, request_hash) values (${userId}::uuid, ${input.idempotencyKey}, ${JSON.stringify(result)}::jsonb, ${pushFingerprint(input)})`;
}

function uploadLogEntry(input: TPushInput, result: PushResult): ProcessingEntry {
  return {
    activity: "sync_upload",
    purpose: "Store your end-to-end encrypted changes so your other devices can pull them",
    legalBasis: "consent",
    details: { device: input.deviceId, changes: input.changes.length, applied: result.applied, conflicts: result.conflicts },
  };
}

async function announcePush(userId: string, deviceId: string, result: PushResult): Promise<void> {
  if (result.applied > 0) {
    await publishSafely(userId, "sync:changed", { cursor: result.cursor, changes: result.applied, sourceDeviceId: deviceId });
  }
  const conflictIds = result.results.flatMap((r) => (r.status === "conflict" ? [r.conflictId] : []));
  if (conflictIds.length > 0) {
    await publishSafely(userId, "sync:conflict", { conflictIds: conflictIds.slice(0, 100), count: conflictIds.length, sourceDeviceId: deviceId });
    // One notification for the whole push, with its count (a later push's conflicts fold into it while unread),
    // made by a job (jobs/functions/notifications.ts): the push only records the durable event. Its id is
    // the push's first conflict, so a repeated send is one notice; a failure to send never fails the push.
    await jobs
      .send({ name: "sync/conflicts.detected", data: { userId, count: conflictIds.length, conflictIds: conflictIds.slice(0, 100) }, id: `sync-conflicts:${conflictIds[0]}` })
      .catch((error: unknown) => logger.warn("the sync conflict notification could not be queued", { userId, error }));
  }
}
