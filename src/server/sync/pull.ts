import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { SyncCollection } from "~/lib/schemas/collections";
import type { Db } from "../db/client";
import { devices, syncRecords, syncState } from "../db/schema";
import type { TPullInput } from "./schemas";
import { recordVersionColumns, type RecordVersion } from "./sequence";

export type PulledChange = RecordVersion & { collection: SyncCollection; id: string };

export type PullResult = { changes: PulledChange[]; cursor: number; hasMore: boolean; latestSeq: number };

/**
 * Changes after the cursor in sequence order: the current state of every record
 * changed since (deletions as tombstones), one page at a time. The next cursor is
 * the last returned sequence number.
 */
export async function pullChanges(db: Db, userId: string, input: TPullInput, deviceId: string | null): Promise<PullResult> {
  const rows = await db
    .select({ collection: syncRecords.collection, id: syncRecords.recordId, ...recordVersionColumns })
    .from(syncRecords)
    .where(
      and(
        eq(syncRecords.userId, userId),
        gt(syncRecords.seq, input.cursor),
        input.collections ? inArray(syncRecords.collection, input.collections) : undefined,
      ),
    )
    .orderBy(asc(syncRecords.seq))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const changes = (hasMore ? rows.slice(0, input.limit) : rows) as PulledChange[];
  const [state] = await db.select({ lastSeq: syncState.lastSeq }).from(syncState).where(eq(syncState.userId, userId));
  // A device has synced once it has read to the end, not on every page.
  if (deviceId && !hasMore) await db.update(devices).set({ lastSyncAt: new Date() }).where(eq(devices.id, deviceId));
  return { changes, cursor: changes.at(-1)?.seq ?? input.cursor, hasMore, latestSeq: state?.lastSeq ?? 0 };
}
