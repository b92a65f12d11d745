import { eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client";
import { syncRecords, syncRevisions, syncState } from "../db/schema";

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

export async function advanceSequence(tx: Tx, userId: string, lastSeq: number): Promise<void> {
  await tx.update(syncState).set({ lastSeq }).where(eq(syncState.userId, userId));
}

export type RevisionRow = {
  collection: string;
  recordId: string;
  revision: number;
  seq: number;
  ciphertext: string | null;
  checksum: string | null;
  schemaVersion: number;
  deleted: boolean;
  deviceId: string | null;
};

/** Writes new revisions: the record's current state and its history row, in bulk. */
export async function writeRevisions(tx: Tx, userId: string, rows: RevisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row) => ({ userId, ...row }));
  await tx
    .insert(syncRecords)
    .values(values)
    .onConflictDoUpdate({
      target: [syncRecords.userId, syncRecords.collection, syncRecords.recordId],
      set: {
        revision: sql`excluded.revision`,
        seq: sql`excluded.seq`,
        ciphertext: sql`excluded.ciphertext`,
        checksum: sql`excluded.checksum`,
        schemaVersion: sql`excluded.schema_version`,
        deleted: sql`excluded.deleted`,
        deviceId: sql`excluded.device_id`,
        updatedAt: sql`now()`,
      },
    });
  await tx.insert(syncRevisions).values(values);
}
