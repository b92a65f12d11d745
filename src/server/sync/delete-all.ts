import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { syncConflicts, syncKeyRotations, syncKeys, syncPushes, syncRecords, syncRevisions, syncTrimmedDeletions } from "../db/schema";
import { recordProcessing } from "../privacy/processing-log";
import { lockSequence } from "./sequence";

/**
 * Removes every synced record, revision, conflict, idempotency record and the key
 * bundle of the user. The sequence counter is kept, so cursors devices hold stay
 * valid (they simply find nothing newer).
 */
export async function deleteAllSyncData(db: Db, userId: string) {
  return db.transaction(async (tx) => {
    await lockSequence(tx, userId);
    const records = await tx.delete(syncRecords).where(eq(syncRecords.userId, userId)).returning({ id: syncRecords.recordId });
    await tx.delete(syncRevisions).where(eq(syncRevisions.userId, userId));
    await tx.delete(syncTrimmedDeletions).where(eq(syncTrimmedDeletions.userId, userId));
    await tx.delete(syncConflicts).where(eq(syncConflicts.userId, userId));
    await tx.delete(syncPushes).where(eq(syncPushes.userId, userId));
    await tx.delete(syncKeys).where(eq(syncKeys.userId, userId));
    await tx.delete(syncKeyRotations).where(eq(syncKeyRotations.userId, userId));
    await recordProcessing(tx, userId, { activity: "deletion", purpose: "Delete all your synced data, as you asked", legalBasis: "consent", details: { records: records.length } });
    return { deletedRecords: records.length };
  });
}
