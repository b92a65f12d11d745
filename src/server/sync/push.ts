import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { SyncCollection } from "~/lib/schemas/collections";
import type { Db } from "../db/client";
import { devices, syncConflicts, syncPushes, syncRecords, type SyncConflictType } from "../db/schema";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { publishSafely } from "../realtime/publisher";
import type { ProcessingEntry } from "../privacy/processing-log";
import { assertCollectionsAllowed } from "./policy";
import type { TPushChange, TPushInput } from "./schemas";
import { lockSequence, recordVersionColumns, writeRevisions, type RecordVersion, type RevisionRow } from "./sequence";

/** The server's current version of a record, handed back with a conflict so the device can resolve it. */
export type RemoteRecord = RecordVersion;

export type ChangeResult =
  | { collection: SyncCollection; id: string; status: "applied"; revision: number; seq: number }
  | { collection: SyncCollection; id: string; status: "unchanged"; revision: number }
  | { collection: SyncCollection; id: string; status: "conflict"; conflictId: string; type: SyncConflictType; remote: RemoteRecord };

export type PushResult = { cursor: number; applied: number; conflicts: number; results: ChangeResult[] };

type Decision = { kind: "apply"; revision: number } | { kind: "unchanged"; revision: number } | { kind: "conflict"; type: SyncConflictType };

/**
 * Optimistic concurrency per record: a change applies only on top of the revision
 * it was made from. Otherwise both versions are kept and the conflict recorded —
 * never last-writer-wins.
 */
function decide(change: TPushChange, current: RemoteRecord | undefined): Decision {
  // No row: a new record, or one the server dropped (retention, a deleted collection) that a device still
  // edits. Numbering continues from the device's base, so devices holding that revision see the edit as newer.
  if (!current) return { kind: "apply", revision: (change.baseRevision ?? 0) + 1 };
  if (change.baseRevision === current.revision) return { kind: "apply", revision: current.revision + 1 };
  if (change.deleted && current.deleted) return { kind: "unchanged", revision: current.revision };
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

/**
 * Applies a batch atomically: every change is either applied as a new revision or
 * recorded as a conflict, in one transaction. A retry with the same idempotency
 * key returns the first result and applies nothing.
 */
export async function pushChanges(db: Db, userId: string, input: TPushInput): Promise<PushResult> {
  assertChecksums(input.changes);
  await assertCollectionsAllowed(db, userId, new Set(input.changes.map((change) => change.collection)));

  const outcome = await db.transaction(async (tx) => {
    let seq = await lockSequence(tx, userId);
    const [previous] = await tx
      .select({ result: syncPushes.result })
      .from(syncPushes)
      .where(and(eq(syncPushes.userId, userId), eq(syncPushes.idempotencyKey, input.idempotencyKey)));
    if (previous) return { replayed: true, result: previous.result as PushResult };

    // Primary-key lookups for exactly the batch's records (a plain record_id IN (…)
    // scans all of the user's records once they number in the tens of thousands).
    const keys = JSON.stringify(input.changes.map((change) => ({ collection: change.collection, record_id: change.id })));
    const currentRows = await tx
      .select({ collection: syncRecords.collection, recordId: syncRecords.recordId, ...recordVersionColumns })
      .from(syncRecords)
      .where(
        and(
          eq(syncRecords.userId, userId),
          sql`(${syncRecords.collection}, ${syncRecords.recordId}) in (select collection, record_id from json_to_recordset(${keys}::json) as t(collection text, record_id text))`,
        ),
      );
    const current = new Map(currentRows.map(({ collection, recordId, ...record }) => [recordKey(collection, recordId), record]));

    const revisions: RevisionRow[] = [];
    const conflicts: (typeof syncConflicts.$inferInsert)[] = [];
    const results: ChangeResult[] = input.changes.map((change) => {
      const remote = current.get(recordKey(change.collection, change.id));
      const decision = decide(change, remote);
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
        });
        return { collection, id, status: "applied", revision: decision.revision, seq };
      }
      if (decision.kind === "unchanged") return { collection, id, status: "unchanged", revision: decision.revision };
      const conflictId = randomUUID();
      conflicts.push({
        id: conflictId,
        userId,
        collection,
        recordId: id,
        type: decision.type,
        baseRevision: change.baseRevision,
        remoteRevision: remote!.revision,
        localCiphertext: change.deleted ? null : change.ciphertext,
        localChecksum: change.deleted ? null : change.checksum,
        localSchemaVersion: change.schemaVersion,
        localDeleted: change.deleted,
        deviceId: input.deviceId,
      });
      return { collection, id, status: "conflict", conflictId, type: decision.type, remote: remote! };
    });

    await writeRevisions(tx, userId, revisions);
    if (conflicts.length > 0) await tx.insert(syncConflicts).values(conflicts);
    const result: PushResult = { cursor: seq, applied: revisions.length, conflicts: conflicts.length, results };
    // The bookkeeping in one round trip (this is the hot path): new sequence end, the device's last sync,
    // the result kept for retries, and the processing-log entry (what recordProcessing writes elsewhere).
    const upload = uploadLogEntry(input, result);
    await tx.execute(sql`
      with advanced as (update sync_state set last_seq = ${seq} where user_id = ${userId}::uuid),
        synced as (update devices set last_sync_at = now() where id = ${input.deviceId}::uuid),
        logged as (insert into processing_log (user_id, activity, purpose, legal_basis, details)
          values (${userId}::uuid, ${upload.activity}, ${upload.purpose}, ${upload.legalBasis}, ${JSON.stringify(upload.details)}::jsonb))
      insert into sync_pushes (user_id, idempotency_key, result) values (${userId}::uuid, ${input.idempotencyKey}, ${JSON.stringify(result)}::jsonb)`);
    return { replayed: false, result };
  });

  if (!outcome.replayed) await announcePush(userId, input.deviceId, outcome.result);
  return outcome.result;
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
  }
}
