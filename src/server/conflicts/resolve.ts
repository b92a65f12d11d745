import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { conflictStrategies, syncConflicts, syncRecords } from "../db/schema";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { publishSafely } from "../realtime/publisher";
import { ZEncryptedValue, ZSchemaVersion } from "../sync/schemas";
import { advanceSequence, lockSequence, writeRevisions } from "../sync/sequence";

export const ZResolveConflictInput = z
  .object({
    id: z.uuid("Not a conflict id"),
    strategy: z.enum(conflictStrategies),
    /** For merge and manual: the chosen result, encrypted on the client. */
    resolved: ZEncryptedValue.extend({ schemaVersion: ZSchemaVersion, deleted: z.boolean().default(false) }).optional(),
  })
  .refine((input) => input.strategy === "local_wins" || input.strategy === "remote_wins" || input.resolved, {
    message: "merge and manual resolutions need the resolved value (encrypted on your device)",
    path: ["resolved"],
  });
export type TResolveConflictInput = z.infer<typeof ZResolveConflictInput>;

/**
 * Resolves an open conflict by writing a new revision on top of the current one:
 * local_wins re-applies the refused version, merge/manual apply the value the
 * client encrypted, remote_wins keeps the server's version. Refused if the record
 * has moved on since the conflict was recorded — never applied over newer data.
 */
export async function resolveConflict(db: Db, userId: string, input: TResolveConflictInput, deviceId: string | null) {
  if (input.resolved && sha256Hex(input.resolved.ciphertext) !== input.resolved.checksum) {
    throw new AppError("BAD_REQUEST", "Checksum mismatch: the resolved ciphertext was altered in transit. Nothing was applied.");
  }
  const outcome = await db.transaction(async (tx) => {
    const lastSeq = await lockSequence(tx, userId);
    const [conflict] = await tx
      .select()
      .from(syncConflicts)
      .where(and(eq(syncConflicts.id, input.id), eq(syncConflicts.userId, userId)))
      .for("update");
    if (!conflict) throw new AppError("NOT_FOUND", "No such conflict.");
    if (conflict.status !== "open") throw new AppError("CONFLICT", "This conflict was already resolved.");

    const [current] = await tx
      .select({ revision: syncRecords.revision })
      .from(syncRecords)
      .where(and(eq(syncRecords.userId, userId), eq(syncRecords.collection, conflict.collection), eq(syncRecords.recordId, conflict.recordId)));
    if ((current?.revision ?? null) !== conflict.remoteRevision) {
      throw new AppError("PRECONDITION_FAILED", "The record changed since this conflict was recorded: reload and resolve again.");
    }

    let resolvedRevision = current?.revision ?? null;
    let seq = lastSeq;
    const written =
      input.strategy === "remote_wins"
        ? null
        : input.strategy === "local_wins"
          ? { ciphertext: conflict.localCiphertext, checksum: conflict.localChecksum, schemaVersion: conflict.localSchemaVersion, deleted: conflict.localDeleted }
          : input.resolved!;
    if (written) {
      seq += 1;
      resolvedRevision = (current?.revision ?? 0) + 1;
      await writeRevisions(tx, userId, [
        {
          collection: conflict.collection,
          recordId: conflict.recordId,
          revision: resolvedRevision,
          seq,
          ciphertext: written.deleted ? null : written.ciphertext,
          checksum: written.deleted ? null : written.checksum,
          schemaVersion: written.schemaVersion,
          deleted: written.deleted,
          deviceId,
        },
      ]);
      await advanceSequence(tx, userId, seq);
    }
    await tx
      .update(syncConflicts)
      .set({ status: "resolved", resolution: input.strategy, resolvedAt: new Date(), resolvedRevision })
      .where(eq(syncConflicts.id, conflict.id));
    return { conflictId: conflict.id, strategy: input.strategy, revision: resolvedRevision, cursor: seq, wrote: Boolean(written) };
  });
  if (outcome.wrote) await publishSafely(userId, "sync:changed", { cursor: outcome.cursor, changes: 1, sourceDeviceId: deviceId });
  await publishSafely(userId, "sync:conflict_resolved", { conflictId: outcome.conflictId, strategy: outcome.strategy, revision: outcome.revision });
  return { id: outcome.conflictId, strategy: outcome.strategy, revision: outcome.revision, cursor: outcome.cursor };
}
