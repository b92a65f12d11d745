import type { z } from "zod";
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { devices, syncRecords, syncState } from "../db/schema";
import { assertCursorUsable } from "./horizon";
import type { TPullInput, ZPulledChange, ZPullResult } from "./schemas";
import { recordVersionColumns } from "./sequence";

export type PulledChange = z.infer<typeof ZPulledChange>;

export type PullResult = z.infer<typeof ZPullResult>;

/**
 * Changes after the cursor in sequence order: the current state of every record
 * changed since (deletions as tombstones), one page at a time. The next cursor is
 * the last returned sequence number. A cursor older than the retention horizon,
 * or past the end of the sequence, gets ResyncRequiredError, never a page that
 * may have lost deletions or skip changes.
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
  // Read after the page: a trim that committed before the page was read has moved the horizon by now.
  const [state] = await db.select({ lastSeq: syncState.lastSeq, trimmedSeq: syncState.trimmedSeq }).from(syncState).where(eq(syncState.userId, userId));
  assertCursorUsable(input.cursor, state);
  if (!hasMore) await recordReadToTheEnd(db, deviceId);
  return { changes, cursor: changes.at(-1)?.seq ?? input.cursor, hasMore, latestSeq: state?.lastSeq ?? 0 };
}

/** A device has synced once it has read to the end, not on every page. */
export async function recordReadToTheEnd(db: Db, deviceId: string | null): Promise<void> {
  if (deviceId) await db.update(devices).set({ lastSyncAt: new Date() }).where(eq(devices.id, deviceId));
}
