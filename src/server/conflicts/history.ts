import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { ZRevision } from "~/lib/schemas/primitives";
import { ZRecordId, ZSyncCollection } from "~/lib/schemas/collections";
import type { Db, DbOrTx } from "../db/client";
import { devices, syncRevisions } from "../db/schema";
import { AppError } from "../errors";
import { publishSafely } from "../realtime/publisher";
import { currentRevision, lockSequence, writeNextRevision } from "../sync/sequence";

export const ZRecordRef = z.object({ collection: ZSyncCollection, recordId: ZRecordId });
export const ZRollbackInput = ZRecordRef.extend({
  /** The revision to restore. */
  revision: ZRevision,
  /** The revision the user was looking at; refused if the record moved on since. */
  expectedCurrentRevision: ZRevision.optional(),
});

const recordWhere = (userId: string, ref: z.infer<typeof ZRecordRef>) =>
  and(eq(syncRevisions.userId, userId), eq(syncRevisions.collection, ref.collection), eq(syncRevisions.recordId, ref.recordId));

/** Every kept revision of one of the user's records, newest first, as ciphertext for the client to decrypt. */
export async function getRecordHistory(db: DbOrTx, userId: string, ref: z.infer<typeof ZRecordRef>) {
  const revisions = await db
    .select({
      revision: syncRevisions.revision,
      seq: syncRevisions.seq,
      ciphertext: syncRevisions.ciphertext,
      checksum: syncRevisions.checksum,
      schemaVersion: syncRevisions.schemaVersion,
      deleted: syncRevisions.deleted,
      deviceId: syncRevisions.deviceId,
      deviceName: devices.name,
      createdAt: syncRevisions.createdAt,
    })
    .from(syncRevisions)
    .leftJoin(devices, eq(devices.id, syncRevisions.deviceId))
    .where(recordWhere(userId, ref))
    .orderBy(desc(syncRevisions.revision));
  if (revisions.length === 0) throw new AppError("NOT_FOUND", `No history for ${ref.collection}/${ref.recordId}.`);
  return { ...ref, currentRevision: revisions[0]!.revision, revisions };
}

/**
 * Restores an earlier revision as a new revision on top of the current one: nothing
 * is destroyed, and rolling back the rollback is just another rollback.
 */
export async function rollbackRecord(db: Db, userId: string, input: z.infer<typeof ZRollbackInput>, deviceId: string | null) {
  const result = await db.transaction(async (tx) => {
    const lastSeq = await lockSequence(tx, userId);
    const current = await currentRevision(tx, userId, input);
    if (current === null) throw new AppError("NOT_FOUND", `No such record ${input.collection}/${input.recordId}.`);
    if (input.expectedCurrentRevision !== undefined && input.expectedCurrentRevision !== current) {
      throw new AppError("PRECONDITION_FAILED", "The record changed since you opened its history: reload and try again.");
    }
    const [target] = await tx.select().from(syncRevisions).where(and(recordWhere(userId, input), eq(syncRevisions.revision, input.revision)));
    if (!target) throw new AppError("NOT_FOUND", `Revision ${input.revision} of ${input.collection}/${input.recordId} does not exist (or was trimmed by retention).`);
    if (target.revision === current) throw new AppError("BAD_REQUEST", "That revision is already the current one.");
    const { revision, seq } = await writeNextRevision(tx, userId, { collection: input.collection, recordId: input.recordId, current, lastSeq, value: target, deviceId });
    return { revision, restoredRevision: target.revision, cursor: seq };
  });
  await publishSafely(userId, "sync:changed", { cursor: result.cursor, changes: 1, sourceDeviceId: deviceId });
  return result;
}
