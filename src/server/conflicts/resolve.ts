import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { ZRevision, ZStrictBoolean, ZText } from "~/lib/schemas/primitives";
import type { Db, Tx } from "../db/client";
import { conflictStrategies, syncConflicts } from "../db/schema";
import { AppError } from "../errors";
import { encodeCursor, openConflictsBetween, ZConflictFilter } from "./queries";
import { sha256Hex } from "../hash";
import { publishSafely } from "../realtime/publisher";
import { KEY_ID_MISMATCH, keyIdMatchesEnvelope, ZEncryptedValue, ZKeyId, ZSchemaVersion } from "../sync/schemas";
import { assertKeyIdsAcceptedNow, claimedKeyId } from "../sync/key-rotation";
import { currentRevision, lockSequence, writeNextRevision } from "../sync/sequence";

export const ZResolveConflictInput = z
  .object({
    id: z.uuid("Not a conflict id"),
    strategy: z.enum(conflictStrategies),
    /**
     * The server revision the decision was made against (conflicts.get's remote.revision;
     * null if the record did not exist). Defaults to the revision when the conflict arose.
     */
    expectedRevision: ZRevision.nullable().optional(),
    /** For merge and manual: the chosen result, encrypted on the client. */
    resolved: ZEncryptedValue.extend({ schemaVersion: ZSchemaVersion, deleted: ZStrictBoolean.default(false), keyId: ZKeyId.optional() })
      .refine(keyIdMatchesEnvelope, KEY_ID_MISMATCH)
      .optional(),
  })
  .refine((input) => input.strategy === "local_wins" || input.strategy === "remote_wins" || input.resolved, {
    message: "merge and manual resolutions need the resolved value (encrypted on your device)",
    path: ["resolved"],
  });
export type TResolveConflictInput = z.infer<typeof ZResolveConflictInput>;

export const ZResolveManyInput = z.object({
  ids: z.array(z.uuid("Not a conflict id")).min(1, "Choose at least one conflict").max(100, "Resolve at most 100 conflicts at once"),
  /** Bulk decisions need no new ciphertext: keep mine (local_wins) or keep theirs (remote_wins). */
  strategy: z.enum(["local_wins", "remote_wins"]),
});

/** Conflicts one bulk call resolves: one transaction of bounded size, however many match. */
export const BULK_BATCH_SIZE = 100;

const ZCursorText = ZText.min(1).max(200);

export const ZResolveMatchingInput = ZConflictFilter.extend({
  strategy: ZResolveManyInput.shape.strategy,
  /** conflicts.count's `through`: the newest conflict the person saw counted; newer ones are left alone. */
  through: ZCursorText,
  /** The previous batch's `next`, to continue after it. */
  after: ZCursorText.optional(),
});

type Resolution = { id: string; strategy: TResolveConflictInput["strategy"]; revision: number | null; wrote: boolean };

/**
 * Resolves one open conflict inside the caller's transaction (which holds the
 * user's sequence lock): local_wins re-applies the refused version, merge/manual
 * apply the value the client encrypted, remote_wins keeps the server's version.
 * Refused if the record has moved on since the conflict was recorded — never
 * applied over newer data. Returns the (possibly advanced) last sequence number.
 */
async function applyResolution(tx: Tx, userId: string, input: TResolveConflictInput, deviceId: string | null, lastSeq: number) {
  const [conflict] = await tx
    .select()
    .from(syncConflicts)
    .where(and(eq(syncConflicts.id, input.id), eq(syncConflicts.userId, userId)))
    .for("update");
  if (!conflict) throw new AppError("NOT_FOUND", `No such conflict (${input.id}).`);
  if (conflict.status !== "open") throw new AppError("CONFLICT", `Conflict ${input.id} was already resolved.`);
  return applyToConflict(tx, userId, conflict, input, deviceId, lastSeq);
}

/** applyResolution for a conflict the caller already holds locked and knows to be open. */
async function applyToConflict(tx: Tx, userId: string, conflict: typeof syncConflicts.$inferSelect, input: TResolveConflictInput, deviceId: string | null, lastSeq: number) {
  const current = await currentRevision(tx, userId, conflict);
  const expected = input.expectedRevision === undefined ? conflict.remoteRevision : input.expectedRevision;
  if (current !== expected) {
    throw new AppError(
      "PRECONDITION_FAILED",
      `${conflict.collection}/${conflict.recordId} changed since you looked at it: reload and resolve again.`,
    );
  }

  const value =
    input.strategy === "remote_wins"
      ? null
      : input.strategy === "local_wins"
        ? { ciphertext: conflict.localCiphertext, checksum: conflict.localChecksum, schemaVersion: conflict.localSchemaVersion, deleted: conflict.localDeleted, keyId: conflict.localKeyId }
        : { ...input.resolved!, keyId: claimedKeyId(input.resolved!) };
  const written = value ? await writeNextRevision(tx, userId, { collection: conflict.collection, recordId: conflict.recordId, current, lastSeq, value, deviceId }) : null;
  const revision = written?.revision ?? current;
  await tx
    .update(syncConflicts)
    .set({ status: "resolved", resolution: input.strategy, resolvedAt: new Date(), resolvedRevision: revision })
    .where(eq(syncConflicts.id, conflict.id));
  return { seq: written?.seq ?? lastSeq, resolution: { id: conflict.id, strategy: input.strategy, revision, wrote: Boolean(written) } satisfies Resolution };
}

async function announce(userId: string, deviceId: string | null, cursor: number, resolutions: Resolution[]) {
  const writes = resolutions.filter((r) => r.wrote).length;
  if (writes > 0) await publishSafely(userId, "sync:changed", { cursor, changes: writes, sourceDeviceId: deviceId });
  for (const r of resolutions) await publishSafely(userId, "sync:conflict_resolved", { conflictId: r.id, strategy: r.strategy, revision: r.revision });
}

export async function resolveConflict(db: Db, userId: string, input: TResolveConflictInput, deviceId: string | null) {
  if (input.resolved && sha256Hex(input.resolved.ciphertext) !== input.resolved.checksum) {
    throw new AppError("BAD_REQUEST", "Checksum mismatch: the resolved ciphertext was altered in transit. Nothing was applied.");
  }
  const { seq, resolution } = await db.transaction(async (tx) => {
    const lastSeq = await lockSequence(tx, userId);
    // A value encrypted under a key rotated away is refused like a push under it.
    if (input.resolved && !input.resolved.deleted) await assertKeyIdsAcceptedNow(tx, userId, [claimedKeyId(input.resolved)]);
    return applyResolution(tx, userId, input, deviceId, lastSeq);
  });
  await announce(userId, deviceId, seq, [resolution]);
  return { id: resolution.id, strategy: resolution.strategy, revision: resolution.revision, cursor: seq };
}

/** Bulk "keep mine" / "keep theirs": all listed conflicts are resolved, or none is (the error names the first that could not be). */
export async function resolveConflicts(db: Db, userId: string, input: z.infer<typeof ZResolveManyInput>, deviceId: string | null) {
  const { seq, resolutions } = await db.transaction(async (tx) => {
    let seq = await lockSequence(tx, userId);
    const resolutions: Resolution[] = [];
    for (const id of new Set(input.ids)) {
      const outcome = await applyResolution(tx, userId, { id, strategy: input.strategy }, deviceId, seq);
      seq = outcome.seq;
      resolutions.push(outcome.resolution);
    }
    return { seq, resolutions };
  });
  await announce(userId, deviceId, seq, resolutions);
  return { resolved: resolutions.map(({ id, revision }) => ({ id, revision })), cursor: seq };
}

/**
 * Bulk keep mine / keep theirs for every open conflict matching a filter, one batch per
 * call: the browser never needs every id, each call is one short transaction, and the
 * caller reports progress between calls (`next` continues; null when done). A conflict
 * whose record moved on since it arose is skipped, left open for a person, and named,
 * never applied over the newer data.
 */
export async function resolveMatchingConflicts(db: Db, userId: string, input: z.infer<typeof ZResolveMatchingInput>, deviceId: string | null) {
  const { seq, resolutions, skipped, next } = await db.transaction(async (tx) => {
    let seq = await lockSequence(tx, userId);
    const batch = await openConflictsBetween(tx, userId, input, input, BULK_BATCH_SIZE);
    const resolutions: Resolution[] = [];
    const skipped: Array<{ id: string; collection: string; recordId: string }> = [];
    for (const conflict of batch) {
      try {
        // The batch is already locked and open: no second read per conflict.
        const outcome = await applyToConflict(tx, userId, conflict, { id: conflict.id, strategy: input.strategy }, deviceId, seq);
        seq = outcome.seq;
        resolutions.push(outcome.resolution);
      } catch (error) {
        // Thrown before anything was written for this conflict, so the transaction stays usable.
        if (!(error instanceof AppError && error.code === "PRECONDITION_FAILED")) throw error;
        skipped.push({ id: conflict.id, collection: conflict.collection, recordId: conflict.recordId });
      }
    }
    const last = batch.at(-1);
    return { seq, resolutions, skipped, next: batch.length === BULK_BATCH_SIZE && last ? encodeCursor(last) : null };
  });
  await announce(userId, deviceId, seq, resolutions);
  return { resolved: resolutions.length, skipped, next, cursor: seq };
}
