import { and, eq, lt, sql } from "drizzle-orm";
import { selectRows, type DbOrTx } from "../db/client";
import { syncConflicts, syncRevisions, syncState } from "../db/schema";
import { lockSequence } from "./sequence";

const DAY_MS = 24 * 60 * 60 * 1000;

const cutoffFor = (retentionDays: number, now: Date) => new Date(now.getTime() - retentionDays * DAY_MS);

/**
 * Deletes the user's revisions older than the retention period, except those
 * still needed: each record's current revision, and the base and remote
 * revisions of open conflicts (the conflict page shows them). Resolved conflicts
 * older than the period go too: they hold a refused version's ciphertext.
 */
export async function trimSyncHistory(db: DbOrTx, userId: string, retentionDays: number, now = new Date()) {
  const cutoff = cutoffFor(retentionDays, now);
  const deleted = await db
    .delete(syncRevisions)
    .where(
      and(
        eq(syncRevisions.userId, userId),
        lt(syncRevisions.createdAt, cutoff),
        sql`not exists (
          select 1 from sync_records current
          where current.user_id = ${syncRevisions.userId} and current.collection = ${syncRevisions.collection}
            and current.record_id = ${syncRevisions.recordId} and current.revision = ${syncRevisions.revision})`,
        sql`not exists (
          select 1 from sync_conflicts open_conflict
          where open_conflict.user_id = ${syncRevisions.userId} and open_conflict.status = 'open'
            and open_conflict.collection = ${syncRevisions.collection} and open_conflict.record_id = ${syncRevisions.recordId}
            and ${syncRevisions.revision} in (open_conflict.base_revision, open_conflict.remote_revision))`,
      ),
    )
    .returning({ revision: syncRevisions.revision });
  const resolved = await db
    .delete(syncConflicts)
    .where(and(eq(syncConflicts.userId, userId), eq(syncConflicts.status, "resolved"), sql`coalesce(${syncConflicts.resolvedAt}, ${syncConflicts.createdAt}) < ${cutoff.toISOString()}::timestamptz`))
    .returning({ id: syncConflicts.id });
  return { deletedRevisions: deleted.length, deletedResolvedConflicts: resolved.length, cutoff: cutoff.toISOString() };
}

/**
 * The server keeps a synced record only while it changes within the retention
 * period: a record (or tombstone) last written before it is deleted with all its
 * revisions. Devices keep their own copies (local retention is theirs); an edit
 * from one later stores the record again. Records with an open conflict stay
 * until the conflict is resolved.
 *
 * In the same transaction, under the user's sequence lock (pushes take it first
 * too, so the two cannot deadlock), it moves the user's horizon up to the highest
 * sequence number deleted, and remembers each expired tombstone's id and revision
 * (sync_trimmed_deletions): a device that comes back from before the horizon must
 * tell "deleted elsewhere" from "expired while unchanged", which it keeps.
 */
export async function expireSyncedRecords(db: DbOrTx, userId: string, retentionDays: number, now = new Date()) {
  const cutoff = cutoffFor(retentionDays, now).toISOString();
  const [counts] = await db.transaction(async (tx) => {
    await lockSequence(tx, userId);
    const counted = await selectRows<{ records: number; tombstones: number; revisions: number }>(tx, sql`
    with expired as (
      delete from sync_records record
      where record.user_id = ${userId}::uuid and record.updated_at < ${cutoff}::timestamptz
        and not exists (
          select 1 from sync_conflicts open_conflict
          where open_conflict.user_id = record.user_id and open_conflict.status = 'open'
            and open_conflict.collection = record.collection and open_conflict.record_id = record.record_id)
      returning record.collection, record.record_id, record.deleted, record.revision, record.seq
    ), history as (
      delete from sync_revisions revision using expired
      where revision.user_id = ${userId}::uuid and revision.collection = expired.collection and revision.record_id = expired.record_id
      returning 1
    ), remembered as (
      insert into sync_trimmed_deletions (user_id, collection, record_id, revision, seq)
      select ${userId}::uuid, collection, record_id, revision, seq from expired where deleted
      on conflict (user_id, collection, record_id) do update set revision = excluded.revision, seq = excluded.seq
    ), forgotten as (
      -- a record deleted long ago, stored again since, and now expired alive: no longer a deletion
      delete from sync_trimmed_deletions trimmed using expired
      where trimmed.user_id = ${userId}::uuid and trimmed.collection = expired.collection
        and trimmed.record_id = expired.record_id and not expired.deleted
    ), horizon as (
      update sync_state set trimmed_seq = greatest(trimmed_seq, (select max(seq) from expired))
      where user_id = ${userId}::uuid and exists (select 1 from expired)
    )
    select (select count(*) from expired where not deleted)::int as records,
           (select count(*) from expired where deleted)::int as tombstones,
           (select count(*) from history)::int as revisions`);
    await tx.execute(renumberBelowHorizon(userId));
    return counted;
  });
  return { expiredRecords: counts?.records ?? 0, expiredTombstones: counts?.tombstones ?? 0, expiredRevisions: counts?.revisions ?? 0 };
}

/**
 * Records that survive at or below the new horizon (kept by an open conflict, or written in a
 * transaction that committed after a later one) get new sequence numbers after the end, in their
 * order: a device that comes back from before the horizon pulls from it, and would never see them
 * otherwise. Their revisions are unchanged, so a device that holds them already skips them.
 */
function renumberBelowHorizon(userId: string) {
  return sql`
    with state as (select trimmed_seq, last_seq from sync_state where user_id = ${userId}::uuid),
    stranded as (
      select record.collection, record.record_id, state.last_seq + row_number() over (order by record.seq) as seq
      from sync_records record, state
      where record.user_id = ${userId}::uuid and record.seq <= state.trimmed_seq
    ), moved as (
      update sync_records record set seq = stranded.seq from stranded
      where record.user_id = ${userId}::uuid and record.collection = stranded.collection and record.record_id = stranded.record_id
      returning record.seq
    )
    update sync_state set last_seq = (select max(seq) from moved)
    where user_id = ${userId}::uuid and exists (select 1 from moved)`;
}

/** Users who have synced anything: the ones whose history may need trimming. */
export async function usersWithSyncHistory(db: DbOrTx): Promise<string[]> {
  const rows = await db.select({ userId: syncState.userId }).from(syncState);
  return rows.map((row) => row.userId);
}
