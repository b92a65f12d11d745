import { and, count, eq, max } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { devices, syncConflicts, syncKeys, syncRecords } from "../db/schema";

/** Counts for the dashboard: is sync set up, how much is stored (as ciphertext), what needs attention. */
export async function getSyncOverview(db: DbOrTx, userId: string) {
  const [[keys], [records], [conflicts], [lastSync]] = await Promise.all([
    db.select({ version: syncKeys.version }).from(syncKeys).where(eq(syncKeys.userId, userId)),
    db.select({ count: count() }).from(syncRecords).where(and(eq(syncRecords.userId, userId), eq(syncRecords.deleted, false))),
    db.select({ count: count() }).from(syncConflicts).where(and(eq(syncConflicts.userId, userId), eq(syncConflicts.status, "open"))),
    db.select({ at: max(devices.lastSyncAt) }).from(devices).where(eq(devices.userId, userId)),
  ]);
  return {
    keysSetUp: Boolean(keys),
    records: records?.count ?? 0,
    openConflicts: conflicts?.count ?? 0,
    lastSyncAt: lastSync?.at ?? null,
  };
}
