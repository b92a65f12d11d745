import { and, desc, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { ZText, ZTimestamp } from "~/lib/schemas/primitives";
import { ZSyncCollection } from "~/lib/schemas/collections";
import type { DbOrTx } from "../db/client";
import { conflictStrategies, devices, syncConflicts, syncConflictTypes, syncRecords, syncRevisions } from "../db/schema";
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

/**
 * A conflict's place in the newest-first order, as an opaque cursor "time|id". The
 * time keeps Postgres's microseconds: every conflict of one push shares its
 * transaction's created_at, and a millisecond cursor would skip the rest of them.
 */
const position = sql<string>`to_char(${syncConflicts.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ZCursor = z.object({
  time: z.iso.datetime({ precision: 6 }).or(z.iso.datetime({ precision: 3 })).refine((time) => time >= "1970", "out of range"),
  id: z.uuid(),
});
type Cursor = z.infer<typeof ZCursor>;

export const encodeCursor = (row: { position: string; id: string }) => `${row.position}|${row.id}`;

/** Validates what it decodes: a cursor the server did not issue is a clear 400, never a database error. */
function decodeCursor(cursor: string): Cursor {
  const [time, id, ...rest] = cursor.split("|");
  const parsed = ZCursor.safeParse({ time, id });
  if (!parsed.success || rest.length > 0) throw new AppError("BAD_REQUEST", "Invalid cursor: pass the nextCursor of the previous page.");
  return parsed.data;
}

/** Conflicts strictly after `cursor` in the newest-first order (or at it too, with `inclusive`). */
function beyond(cursor: Cursor, inclusive = false): SQL {
  const at = sql`(${cursor.time}::timestamptz, ${cursor.id}::uuid)`;
  return inclusive ? sql`(${syncConflicts.createdAt}, ${syncConflicts.id}) <= ${at}` : sql`(${syncConflicts.createdAt}, ${syncConflicts.id}) < ${at}`;
}

export const ZConflictFilter = z.object({ collection: ZSyncCollection.optional() });
export type TConflictFilter = z.infer<typeof ZConflictFilter>;

const matching = (userId: string, status: "open" | "resolved", filter: TConflictFilter) =>
  and(eq(syncConflicts.userId, userId), eq(syncConflicts.status, status), filter.collection ? eq(syncConflicts.collection, filter.collection) : undefined);

/** A conflict as listed (no ciphertext: conflicts.get has the versions). */
export const ZConflictSummary = z.object({
  id: z.string(),
  collection: z.string(),
  recordId: z.string(),
  type: z.enum(syncConflictTypes),
  status: z.enum(["open", "resolved"]),
  baseRevision: z.number().int().nullable(),
  remoteRevision: z.number().int().nullable(),
  deviceId: z.string().nullable(),
  deviceName: z.string().nullable(),
  createdAt: ZTimestamp,
  resolvedAt: ZTimestamp.nullable(),
  resolution: z.enum(conflictStrategies).nullable(),
  resolvedRevision: z.number().int().nullable(),
});

export const ZConflictPage = z.object({
  items: z.array(ZConflictSummary),
  /** Pass it as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});

/** The user's conflicts, newest first, one page at a time. */
export async function listConflicts(db: DbOrTx, userId: string, input: TListConflictsInput) {
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await db
    .select({ ...summaryColumns, position })
    .from(syncConflicts)
    .leftJoin(devices, eq(devices.id, syncConflicts.deviceId))
    .where(and(matching(userId, input.status, input), after ? beyond(after) : undefined))
    .orderBy(desc(syncConflicts.createdAt), desc(syncConflicts.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page.map(({ position: _, ...item }) => item), nextCursor: rows.length > input.limit ? encodeCursor(page.at(-1)!) : null };
}

export const ZCountConflictsInput = ZConflictFilter.extend({ status: z.enum(["open", "resolved"]).default("open") });

/**
 * How many of the user's conflicts match, and `through`: the newest of them, so a bulk
 * action confirmed for "all 137" covers those 137 and not one that arrives meanwhile.
 */
export async function countConflicts(db: DbOrTx, userId: string, input: z.infer<typeof ZCountConflictsInput>) {
  // One query: the newest row carries the count of all matching rows (no row: none match).
  const [newest] = await db
    .select({ position, id: syncConflicts.id, count: sql<number>`count(*) over ()`.mapWith(Number) })
    .from(syncConflicts)
    .where(matching(userId, input.status, input))
    .orderBy(desc(syncConflicts.createdAt), desc(syncConflicts.id))
    .limit(1);
  return { count: newest?.count ?? 0, through: newest ? encodeCursor(newest) : null };
}

/**
 * Up to `limit` open conflicts matching `filter`, newest first, no newer than `through`
 * and strictly older than `after`, whole rows locked for the caller's transaction.
 */
export async function openConflictsBetween(db: DbOrTx, userId: string, filter: TConflictFilter, range: { through: string; after?: string }, limit: number) {
  const through = decodeCursor(range.through);
  const after = range.after ? decodeCursor(range.after) : undefined;
  return db
    .select({ ...getTableColumns(syncConflicts), position })
    .from(syncConflicts)
    .where(and(matching(userId, "open", filter), beyond(through, true), after ? beyond(after) : undefined))
    .orderBy(desc(syncConflicts.createdAt), desc(syncConflicts.id))
    .limit(limit)
    .for("update");
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

/** A version of the record in a conflict, as ciphertext (null for a deletion). */
const ZConflictVersion = z.object({
  ciphertext: z.string().nullable(),
  checksum: z.string().nullable(),
  schemaVersion: z.number().int(),
  deleted: z.boolean(),
  /** The device that wrote it (null: removed since, or the web). */
  deviceId: z.string().nullable(),
  createdAt: ZTimestamp,
});

export const ZConflictDetail = ZConflictSummary.extend({
  /** The revision the device's edit was made on (null: created on both sides, or no longer kept). */
  base: ZConflictVersion.extend({ revision: z.number().int() }).nullable(),
  /** The device's refused version. */
  local: ZConflictVersion,
  /** The server's version now, which a resolution is written on top of (null: no record any more). */
  remote: ZConflictVersion.extend({ revision: z.number().int() }).nullable(),
});

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
