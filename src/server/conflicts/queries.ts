import { and, desc, eq, lt, or } from "drizzle-orm";
import { z } from "zod";
import { isInDateRange, ZText } from "~/lib/schemas/primitives";
import { ZSyncCollection } from "~/lib/schemas/collections";
import type { DbOrTx } from "../db/client";
import { devices, syncConflicts, syncRecords, syncRevisions } from "../db/schema";
import { AppError } from "../errors";

export const ZListConflictsInput = z.object({
  status: z.enum(["open", "resolved"]).default("open"),
  collection: ZSyncCollection.optional(),
  /** Opaque cursor from the previous page. */
  cursor: ZText.max(200).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type TListConflictsInput = z.infer<typeof ZListConflictsInput>;

const summaryColumns = {
  id: syncConflicts.id,
  collection: syncConflicts.collection,
  recordId: syncConflicts.recordId,
  type: syncConflicts.type,
  status: syncConflicts.status,
  baseRevision: syncConflicts.baseRevision,
  remoteRevision: syncConflicts.remoteRevision,
  deviceId: syncConflicts.deviceId,
  deviceName: devices.name,
  createdAt: syncConflicts.createdAt,
  resolvedAt: syncConflicts.resolvedAt,
  resolution: syncConflicts.resolution,
  resolvedRevision: syncConflicts.resolvedRevision,
};

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return `${row.createdAt.toISOString()}|${row.id}`;
}

/** Validates all it decodes (a time the database holds, a uuid): a forged cursor is a 400, never a query error. */
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id, ...rest] = cursor.split("|");
  const createdAt = new Date(time ?? "");
  if (rest.length > 0 || !z.uuid().safeParse(id).success || !isInDateRange(createdAt)) {
    throw new AppError("BAD_REQUEST", "Invalid cursor: pass the nextCursor of the previous page.");
  }
  return { createdAt, id: id! };
}

/** The user's conflicts, newest first, one page at a time. */
export async function listConflicts(db: DbOrTx, userId: string, input: TListConflictsInput) {
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await db
    .select(summaryColumns)
    .from(syncConflicts)
    .leftJoin(devices, eq(devices.id, syncConflicts.deviceId))
    .where(
      and(
        eq(syncConflicts.userId, userId),
        eq(syncConflicts.status, input.status),
        input.collection ? eq(syncConflicts.collection, input.collection) : undefined,
        after
          ? or(lt(syncConflicts.createdAt, after.createdAt), and(eq(syncConflicts.createdAt, after.createdAt), lt(syncConflicts.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(syncConflicts.createdAt), desc(syncConflicts.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page, nextCursor: rows.length > input.limit ? encodeCursor(page.at(-1)!) : null };
}

async function revisionOf(db: DbOrTx, userId: string, collection: string, recordId: string, revision: number | null) {
  if (revision === null) return null;
  const [row] = await db
    .select({
      revision: syncRevisions.revision,
      ciphertext: syncRevisions.ciphertext,
      checksum: syncRevisions.checksum,
      schemaVersion: syncRevisions.schemaVersion,
      deleted: syncRevisions.deleted,
      deviceId: syncRevisions.deviceId,
      createdAt: syncRevisions.createdAt,
    })
    .from(syncRevisions)
    .where(
      and(
        eq(syncRevisions.userId, userId),
        eq(syncRevisions.collection, collection),
        eq(syncRevisions.recordId, recordId),
        eq(syncRevisions.revision, revision),
      ),
    );
  return row ?? null;
}

/**
 * One conflict with its three versions as ciphertext: base (what the device edited),
 * local (the refused version) and remote — the server's version now, which is what a
 * resolution will be written on top of (it may have moved on since the conflict arose).
 */
export async function getConflict(db: DbOrTx, userId: string, id: string) {
  const [conflict] = await db
    .select({
      ...summaryColumns,
      localCiphertext: syncConflicts.localCiphertext,
      localChecksum: syncConflicts.localChecksum,
      localSchemaVersion: syncConflicts.localSchemaVersion,
      localDeleted: syncConflicts.localDeleted,
    })
    .from(syncConflicts)
    .leftJoin(devices, eq(devices.id, syncConflicts.deviceId))
    .where(and(eq(syncConflicts.id, id), eq(syncConflicts.userId, userId)));
  // Another user's conflict is indistinguishable from a missing one.
  if (!conflict) throw new AppError("NOT_FOUND", "No such conflict.");
  const { localCiphertext, localChecksum, localSchemaVersion, localDeleted, ...summary } = conflict;
  const [current] = await db
    .select({ revision: syncRecords.revision })
    .from(syncRecords)
    .where(and(eq(syncRecords.userId, userId), eq(syncRecords.collection, conflict.collection), eq(syncRecords.recordId, conflict.recordId)));
  const [base, remote] = await Promise.all([
    revisionOf(db, userId, conflict.collection, conflict.recordId, conflict.baseRevision),
    revisionOf(db, userId, conflict.collection, conflict.recordId, current?.revision ?? null),
  ]);
  return {
    ...summary,
    base,
    local: { ciphertext: localCiphertext, checksum: localChecksum, schemaVersion: localSchemaVersion, deleted: localDeleted, deviceId: conflict.deviceId, createdAt: conflict.createdAt },
    remote,
  };
}
