import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Tx } from "../db/client";
import { syncRecords, syncState, syncTrimmedDeletions } from "../db/schema";
import type { z } from "zod";
import { INITIAL_KEY_ID } from "~/lib/crypto/keys";
import type { ZRecordVersion } from "./schemas";

/**
 * Locks the user's change sequence for the rest of the transaction and returns its
 * last value. Every writer of synced records goes through here first, so one
 * user's writes are serialised (no lost updates) and sequence numbers are
 * assigned without gaps; other users are not blocked.
 */
export async function lockSequence(tx: Tx, userId: string): Promise<number> {
  const [state] = await tx
    .insert(syncState)
    .values({ userId, lastSeq: 0 })
    .onConflictDoUpdate({ target: syncState.userId, set: { lastSeq: sql`${syncState.lastSeq}` } })
    .returning({ lastSeq: syncState.lastSeq });
  return state!.lastSeq;
}

/** The common table expression that moves the end of the user's sequence to `lastSeq` (the caller holds its lock). */
export function sequenceAdvance(userId: string, lastSeq: number): SQL {
  return sql`sequence_advance as (update sync_state set last_seq = ${lastSeq} where user_id = ${userId}::uuid)`;
}

/** The columns of one stored version of a record, as push, pull and conflicts hand it to clients. */
export const recordVersionColumns = {
  revision: syncRecords.revision,
  seq: syncRecords.seq,
  ciphertext: syncRecords.ciphertext,
  checksum: syncRecords.checksum,
  schemaVersion: syncRecords.schemaVersion,
  deleted: syncRecords.deleted,
  keyId: syncRecords.keyId,
};

export type RecordVersion = z.infer<typeof ZRecordVersion>;

/** keyId may be left out by writers that predate key rotation: key 1 for a value, none for a tombstone. */
export type RevisionRow = Omit<RecordVersion, "keyId"> & { collection: string; recordId: string; deviceId: string | null; keyId?: number | null };

/**
 * The common table expressions that write new revisions — each record's current
 * state and its history row — for a whole batch, to be composed into one
 * statement (`with ${revisionWrites(…)} …`). The rows travel as a single JSON
 * parameter expanded by json_to_recordset: the same on PGlite and postgres.js,
 * and far cheaper than building two VALUES lists (bench/PROFILE.md: 145 → ~60 ms
 * per 500 records). Data-modifying CTEs run to completion even when nothing
 * reads them, so a caller writes its revisions and its bookkeeping (sequenceAdvance,
 * …) in the same round trip.
 */
export function revisionWrites(userId: string, rows: readonly RevisionRow[]): SQL {
  const batch = JSON.stringify(
    rows.map((row) => ({
      collection: row.collection,
      record_id: row.recordId,
      revision: row.revision,
      seq: row.seq,
      ciphertext: row.ciphertext,
      checksum: row.checksum,
      schema_version: row.schemaVersion,
      deleted: row.deleted,
      device_id: row.deviceId,
      key_id: row.deleted ? null : (row.keyId ?? INITIAL_KEY_ID),
    })),
  );
  return sql`
    revision_input as (
      select * from json_to_recordset(${batch}::json) as t(
        collection text, record_id text, revision integer, seq bigint, ciphertext text,
        checksum text, schema_version integer, deleted boolean, device_id uuid, key_id integer)
    ), current_state as (
      insert into sync_records (user_id, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id, key_id, updated_at)
      select ${userId}::uuid, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id, key_id, now() from revision_input
      on conflict (user_id, collection, record_id) do update set
        revision = excluded.revision, seq = excluded.seq, ciphertext = excluded.ciphertext, checksum = excluded.checksum,
        schema_version = excluded.schema_version, deleted = excluded.deleted, device_id = excluded.device_id, key_id = excluded.key_id, updated_at = excluded.updated_at
    ), revision_history as (
      insert into sync_revisions (user_id, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id, key_id)
      select ${userId}::uuid, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id, key_id from revision_input
    )`;
}

/** A record's current revision (null if it has none), read under the caller's sequence lock. */
export async function currentRevision(tx: Tx, userId: string, ref: { collection: string; recordId: string }): Promise<number | null> {
  const [row] = await tx
    .select({ revision: syncRecords.revision })
    .from(syncRecords)
    .where(and(eq(syncRecords.userId, userId), eq(syncRecords.collection, ref.collection), eq(syncRecords.recordId, ref.recordId)));
  return row?.revision ?? null;
}

/** The revision of a record's deletion that retention trimmed (null if none is remembered). */
export async function trimmedDeletionRevision(tx: Tx, userId: string, ref: { collection: string; recordId: string }): Promise<number | null> {
  const [row] = await tx
    .select({ revision: syncTrimmedDeletions.revision })
    .from(syncTrimmedDeletions)
    .where(and(eq(syncTrimmedDeletions.userId, userId), eq(syncTrimmedDeletions.collection, ref.collection), eq(syncTrimmedDeletions.recordId, ref.recordId)));
  return row?.revision ?? null;
}

export type StoredValue = { ciphertext: string | null; checksum: string | null; schemaVersion: number; deleted: boolean; keyId?: number | null };

/**
 * Writes `value` as the next revision of one record on top of `current`, with the
 * next sequence number, and advances the sequence, in one statement (the caller
 * holds the lock). Used by conflict resolution and rollback; pushes write whole
 * batches instead.
 */
export async function writeNextRevision(
  tx: Tx,
  userId: string,
  write: { collection: string; recordId: string; current: number | null; lastSeq: number; value: StoredValue; deviceId: string | null },
): Promise<{ revision: number; seq: number }> {
  // A record whose deletion retention trimmed numbers on from that tombstone, so devices that saw it see this as newer.
  const revision = (write.current ?? (await trimmedDeletionRevision(tx, userId, write)) ?? 0) + 1;
  const seq = write.lastSeq + 1;
  const { deleted } = write.value;
  const row: RevisionRow = {
    collection: write.collection,
    recordId: write.recordId,
    revision,
    seq,
    // tombstones carry no value
    ciphertext: deleted ? null : write.value.ciphertext,
    checksum: deleted ? null : write.value.checksum,
    schemaVersion: write.value.schemaVersion,
    deleted,
    deviceId: write.deviceId,
    keyId: deleted ? null : (write.value.keyId ?? INITIAL_KEY_ID),
  };
  await tx.execute(sql`with ${revisionWrites(userId, [row])}, ${sequenceAdvance(userId, seq)} select 1`);
  return { revision, seq };
}
