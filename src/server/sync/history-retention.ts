import { and, eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { syncRevisions, syncState } from "../db/schema";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes the user's revisions older than the retention period, except those
 * still needed: each record's current revision, and the base and remote
 * revisions of open conflicts (the conflict page shows them).
 */
export async function trimSyncHistory(db: DbOrTx, userId: string, retentionDays: number, now = new Date()) {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
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
  return { deletedRevisions: deleted.length, cutoff: cutoff.toISOString() };
}

/** Users who have synced anything: the ones whose history may need trimming. */
export async function usersWithSyncHistory(db: DbOrTx): Promise<string[]> {
  const rows = await db.select({ userId: syncState.userId }).from(syncState);
  return rows.map((row) => row.userId);
}
