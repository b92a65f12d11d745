import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { envelopeKeyId } from "~/lib/crypto/records";
import { INITIAL_KEY_ID } from "~/lib/crypto/keys";
import { ZText } from "~/lib/schemas/primitives";
import { ZRecordId, ZSyncCollection } from "~/lib/schemas/collections";
import { selectRows, type Db, type DbOrTx, type Tx } from "../db/client";
import { syncKeyRotations, syncKeys } from "../db/schema";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { KEY_ID_MISMATCH, keyIdMatchesEnvelope, ZEncryptedValue, ZKeyBundle, ZKeyId } from "./schemas";
import { lockSequence } from "./sequence";

/**
 * Key rotation, server side. The server cannot re-encrypt anything: one unlocked device
 * does (src/client/key-rotation.ts). The server publishes the new key bundle, lists what
 * is still under an older key (the key_id each record was pushed with), swaps in the
 * re-encrypted ciphertexts when nothing changed meanwhile, and on finishing refuses the
 * old key. Progress lives in the data itself (key_id), so an interrupted rotation
 * resumes wherever it stopped, from any device that has the passphrase.
 */

/** Details of the error a device gets when it writes under a key that was rotated away. */
export const KEY_ROTATED = "KEY_ROTATED";

export const ZStartKeyRotationInput = z.object({
  /** The new bundle: next key id, the previous keys encrypted under the new key. */
  bundle: ZKeyBundle,
  /** sync.keys.get's version when the device read the bundle it rotated from. */
  expectedVersion: z.number().int().min(1),
  /** Re-encrypt kept revisions too (otherwise they stay under the old key until purged or trimmed). */
  includeRevisions: z.boolean().default(false),
});

const staleKinds = ["record", "conflict", "revision"] as const;

export const ZStaleItemsInput = z.object({ limit: z.number().int().min(1).max(500).default(100) });

export const ZReencryptInput = z.object({
  items: z
    .array(
      z.object({
        kind: z.enum(staleKinds),
        collection: ZSyncCollection,
        recordId: ZRecordId,
        /** For a revision: which one. */
        revision: z.number().int().min(1).nullable().default(null),
        /** For a conflict: its id. */
        conflictId: z.uuid().nullable().default(null),
        /** The checksum of the ciphertext that was re-encrypted: nothing is replaced if it changed meanwhile. */
        expectedChecksum: ZText.regex(/^[0-9a-f]{64}$/),
        ciphertext: ZEncryptedValue.shape.ciphertext,
        checksum: ZEncryptedValue.shape.checksum,
        keyId: ZKeyId,
      }).refine(keyIdMatchesEnvelope, KEY_ID_MISMATCH),
    )
    .min(1)
    .max(500, "At most 500 items per call"),
});

export const ZFinishKeyRotationInput = z.object({
  /** Delete kept revisions (and resolved conflicts) still under an older key. */
  purgeRevisions: z.boolean().default(false),
});

/**
 * The key id a ciphertext is under, as the client says: the field it sent, else the key id
 * its envelope names (1 for a version 1 envelope or anything unparsable). Not verified: the
 * server cannot, and a wrong claim only hurts the client's own rotation bookkeeping.
 */
export function claimedKeyId(value: { keyId?: number; ciphertext: string | null }): number {
  return value.keyId ?? (value.ciphertext === null ? null : envelopeKeyId(value.ciphertext)) ?? INITIAL_KEY_ID;
}

/** The oldest key id a write may use: the rotation's old key while one runs, else the current key. */
export function acceptedKeyIdSql(userId: string): SQL {
  return sql`coalesce(
    (select min(from_key_id) from sync_key_rotations where user_id = ${userId}::uuid and status = 'running'),
    (select key_id from sync_keys where user_id = ${userId}::uuid))`;
}

/** Refuses ciphertexts under a key rotated away (the device must unlock again) or under a key that does not exist yet. */
export function assertKeyIdsAccepted(keyIds: readonly number[], acceptedKeyId: number, currentKeyId: number): void {
  const stale = keyIds.filter((keyId) => keyId < acceptedKeyId);
  if (stale.length > 0) {
    throw new AppError(
      "PRECONDITION_FAILED",
      `Your encryption key was rotated (key ${Math.max(...stale)} is retired, the current key is ${currentKeyId}): unlock again with your sync passphrase to fetch the new key, then sync. Nothing was applied.`,
      { reason: KEY_ROTATED, currentKeyId },
    );
  }
  if (keyIds.some((keyId) => keyId > currentKeyId)) {
    throw new AppError("BAD_REQUEST", `Unknown encryption key id: the current key is ${currentKeyId}. Nothing was applied.`);
  }
}

/** assertKeyIdsAccepted for writers other than push (conflict resolution), inside their transaction. */
export async function assertKeyIdsAcceptedNow(tx: Tx, userId: string, keyIds: readonly number[]): Promise<void> {
  if (keyIds.length === 0) return;
  const [row] = await selectRows<{ accepted: number | null; current: number | null }>(
    tx,
    sql`select ${acceptedKeyIdSql(userId)} as accepted, (select key_id from sync_keys where user_id = ${userId}::uuid) as current`,
  );
  if (row?.accepted == null || row.current == null) return;
  assertKeyIdsAccepted(keyIds, Number(row.accepted), Number(row.current));
}

async function latestRotation(db: DbOrTx, userId: string) {
  const [rotation] = await db.select().from(syncKeyRotations).where(eq(syncKeyRotations.userId, userId)).orderBy(desc(syncKeyRotations.toKeyId)).limit(1);
  return rotation ?? null;
}

type Remaining = { records: number; conflicts: number; revisions: number };

/** What is still under a key older than `toKeyId` (tombstones carry no ciphertext and never count). */
async function countRemaining(db: DbOrTx, userId: string, toKeyId: number): Promise<Remaining> {
  const [row] = await selectRows<Remaining>(
    db,
    sql`select
      (select count(*)::int from sync_records where user_id = ${userId}::uuid and ciphertext is not null and key_id < ${toKeyId}) as records,
      (select count(*)::int from sync_conflicts where user_id = ${userId}::uuid and status = 'open' and local_ciphertext is not null and local_key_id < ${toKeyId}) as conflicts,
      (select count(*)::int from sync_revisions where user_id = ${userId}::uuid and ciphertext is not null and key_id < ${toKeyId}) as revisions`,
  );
  return { records: Number(row?.records ?? 0), conflicts: Number(row?.conflicts ?? 0), revisions: Number(row?.revisions ?? 0) };
}

/** The current key id, the latest rotation and what it still has to re-encrypt. */
export async function getKeyRotationStatus(db: DbOrTx, userId: string) {
  const [keys] = await db.select({ keyId: syncKeys.keyId, version: syncKeys.version }).from(syncKeys).where(eq(syncKeys.userId, userId));
  const rotation = await latestRotation(db, userId);
  const remaining = rotation ? await countRemaining(db, userId, rotation.toKeyId) : null;
  return { currentKeyId: keys?.keyId ?? null, keysVersion: keys?.version ?? null, rotation, remaining };
}

/**
 * Publishes the new key bundle and opens the rotation, atomically. From here on other
 * devices unlocking get the new key (and the old ones, to read what is not re-encrypted yet).
 */
export async function startKeyRotation(db: Db, userId: string, deviceId: string | null, input: z.infer<typeof ZStartKeyRotationInput>) {
  return db.transaction(async (tx) => {
    await lockSequence(tx, userId);
    const [keys] = await tx.select({ keyId: syncKeys.keyId, version: syncKeys.version }).from(syncKeys).where(eq(syncKeys.userId, userId)).for("update");
    if (!keys) throw new AppError("NOT_FOUND", "Sync keys are not set up yet: there is no key to rotate.");
    const running = await latestRotation(tx, userId);
    if (running?.status === "running") {
      throw new AppError("CONFLICT", `A key rotation (key ${running.fromKeyId} → ${running.toKeyId}) is already running: resume it.`, { toKeyId: running.toKeyId });
    }
    if (keys.version !== input.expectedVersion || input.bundle.keyId !== keys.keyId + 1) {
      throw new AppError("PRECONDITION_FAILED", "The key bundle changed on another device meanwhile: unlock again and retry.");
    }
    if (!input.bundle.previousKeys.some((previous) => previous.keyId === keys.keyId)) {
      throw new AppError("BAD_REQUEST", `The new bundle must keep key ${keys.keyId} (encrypted under the new key), or nothing written so far could be read.`);
    }
    const [updated] = await tx
      .update(syncKeys)
      .set({ ...input.bundle, version: sql`${syncKeys.version} + 1`, updatedAt: new Date() })
      .where(eq(syncKeys.userId, userId))
      .returning({ version: syncKeys.version, keyId: syncKeys.keyId });
    const [rotation] = await tx
      .insert(syncKeyRotations)
      .values({ userId, fromKeyId: keys.keyId, toKeyId: input.bundle.keyId, includeRevisions: input.includeRevisions, deviceId })
      .returning();
    return { keyId: updated!.keyId, version: updated!.version, rotation: rotation! };
  });
}

async function runningRotation(db: DbOrTx, userId: string) {
  const rotation = await latestRotation(db, userId);
  if (!rotation || rotation.status !== "running") throw new AppError("NOT_FOUND", "No key rotation is running.");
  return rotation;
}

export type StaleItem = {
  kind: (typeof staleKinds)[number];
  collection: string;
  recordId: string;
  revision: number | null;
  conflictId: string | null;
  schemaVersion: number;
  ciphertext: string;
  checksum: string;
};

/**
 * The next ciphertexts still under an older key: current records first, then open
 * conflicts' refused versions, then (if chosen) kept revisions. Whatever is re-encrypted
 * drops out of the list, so the device simply asks again until it is empty.
 */
export async function listStaleItems(db: DbOrTx, userId: string, input: z.infer<typeof ZStaleItemsInput>) {
  const rotation = await runningRotation(db, userId);
  const to = rotation.toKeyId;
  const items = await selectRows<StaleItem>(
    db,
    sql`(select 'record' as kind, collection, record_id as "recordId", null::int as revision, null::uuid as "conflictId",
          schema_version as "schemaVersion", ciphertext, checksum, 1 as part, seq as position
        from sync_records where user_id = ${userId}::uuid and ciphertext is not null and key_id < ${to}
        order by seq limit ${input.limit})
      union all
      (select 'conflict', collection, record_id, null, id, local_schema_version, local_ciphertext, local_checksum, 2, 0
        from sync_conflicts where user_id = ${userId}::uuid and status = 'open' and local_ciphertext is not null and local_key_id < ${to}
        order by created_at, id limit ${input.limit})
      union all
      (select 'revision', collection, record_id, revision, null, schema_version, ciphertext, checksum, 3, seq
        from sync_revisions v where user_id = ${userId}::uuid and ${rotation.includeRevisions} and ciphertext is not null and key_id < ${to}
          -- a record's current revision row is rewritten together with the record
          and not exists (select 1 from sync_records r where r.user_id = v.user_id and r.collection = v.collection
            and r.record_id = v.record_id and r.checksum = v.checksum)
        order by seq limit ${input.limit})
      order by part, position
      limit ${input.limit}`,
  );
  return {
    fromKeyId: rotation.fromKeyId,
    toKeyId: to,
    items: items.map(({ kind, collection, recordId, revision, conflictId, schemaVersion, ciphertext, checksum }) => ({
      kind,
      collection,
      recordId,
      revision: revision === null ? null : Number(revision),
      conflictId,
      schemaVersion: Number(schemaVersion),
      ciphertext,
      checksum,
    })),
  };
}

/**
 * Swaps in re-encrypted ciphertexts, each only if the stored one is still the one that
 * was re-encrypted (same checksum): an edit that landed meanwhile is never overwritten. A
 * record's current revision row is rewritten with it. Revisions and sequence numbers do
 * not move: the plaintext is unchanged, so devices have nothing to pull.
 */
export async function reencryptItems(db: Db, userId: string, input: z.infer<typeof ZReencryptInput>) {
  const rotation = await runningRotation(db, userId);
  const wrongKey = input.items.find((item) => item.keyId !== rotation.toKeyId);
  if (wrongKey) throw new AppError("BAD_REQUEST", `Re-encrypt under the new key ${rotation.toKeyId}, not key ${wrongKey.keyId}.`);
  const altered = input.items.find((item) => sha256Hex(item.ciphertext) !== item.checksum);
  if (altered) throw new AppError("BAD_REQUEST", `Checksum mismatch for ${altered.collection}/${altered.recordId}: nothing was replaced.`);
  const batch = JSON.stringify(
    input.items.map((item) => ({
      kind: item.kind,
      collection: item.collection,
      record_id: item.recordId,
      revision: item.revision,
      conflict_id: item.conflictId,
      expected_checksum: item.expectedChecksum,
      ciphertext: item.ciphertext,
      checksum: item.checksum,
      key_id: item.keyId,
    })),
  );
  const [counts] = await selectRows<Remaining>(
    db,
    sql`with input as (
        select * from json_to_recordset(${batch}::json) as t(
          kind text, collection text, record_id text, revision integer, conflict_id uuid,
          expected_checksum text, ciphertext text, checksum text, key_id integer)
      ), records as (
        update sync_records r set ciphertext = i.ciphertext, checksum = i.checksum, key_id = i.key_id
        from input i
        where i.kind = 'record' and r.user_id = ${userId}::uuid and r.collection = i.collection and r.record_id = i.record_id
          and r.checksum = i.expected_checksum
        returning 1
      ), revisions as (
        update sync_revisions v set ciphertext = i.ciphertext, checksum = i.checksum, key_id = i.key_id
        from input i
        where i.kind in ('record', 'revision') and v.user_id = ${userId}::uuid and v.collection = i.collection and v.record_id = i.record_id
          and (i.kind = 'record' or v.revision = i.revision) and v.checksum = i.expected_checksum
        returning 1
      ), conflicts as (
        update sync_conflicts c set local_ciphertext = i.ciphertext, local_checksum = i.checksum, local_key_id = i.key_id
        from input i
        where i.kind = 'conflict' and c.id = i.conflict_id and c.user_id = ${userId}::uuid and c.status = 'open'
          and c.local_checksum = i.expected_checksum
        returning 1
      )
      select (select count(*)::int from records) as records, (select count(*)::int from conflicts) as conflicts,
        (select count(*)::int from revisions) as revisions`,
  );
  const replaced = { records: Number(counts?.records ?? 0), conflicts: Number(counts?.conflicts ?? 0), revisions: Number(counts?.revisions ?? 0) };
  return { ...replaced, remaining: await countRemaining(db, userId, rotation.toKeyId) };
}

/**
 * Finishes the running rotation once nothing current is under an older key, and from then
 * on refuses writes under it (push answers KEY_ROTATED). Under the sequence lock, so no
 * push can slip an old-key record in between the check and the switch. With
 * `purgeRevisions`, also deletes what is still under an older key: kept revisions,
 * resolved conflicts' refused versions, and the idempotency records of earlier pushes
 * (whose stored results hold copies of conflicting versions). Purging again later is allowed.
 */
export async function finishKeyRotation(db: Db, userId: string, input: z.infer<typeof ZFinishKeyRotationInput>) {
  return db.transaction(async (tx) => {
    await lockSequence(tx, userId);
    const rotation = await latestRotation(tx, userId);
    if (!rotation) throw new AppError("NOT_FOUND", "No key rotation to finish.");
    const to = rotation.toKeyId;
    let finishedAt = rotation.finishedAt;
    if (rotation.status === "running") {
      const remaining = await countRemaining(tx, userId, to);
      const left = remaining.records + remaining.conflicts + (rotation.includeRevisions ? remaining.revisions : 0);
      if (left > 0) {
        throw new AppError("PRECONDITION_FAILED", `${left} encrypted items are still under the old key: resume the rotation, then finish it.`, { remaining: left });
      }
      finishedAt = new Date();
      await tx
        .update(syncKeyRotations)
        .set({ status: "finished", finishedAt })
        .where(and(eq(syncKeyRotations.userId, userId), eq(syncKeyRotations.toKeyId, to)));
    }
    let purged = { revisions: 0, conflicts: 0, pushes: 0 };
    if (input.purgeRevisions) {
      const [row] = await selectRows<typeof purged>(
        tx,
        sql`with revisions as (
            delete from sync_revisions where user_id = ${userId}::uuid and ciphertext is not null and key_id < ${to} returning 1
          ), conflicts as (
            delete from sync_conflicts where user_id = ${userId}::uuid and status = 'resolved' and local_ciphertext is not null and local_key_id < ${to} returning 1
          ), pushes as (
            delete from sync_pushes where user_id = ${userId}::uuid and created_at <= ${finishedAt!.toISOString()}::timestamptz returning 1
          )
          select (select count(*)::int from revisions) as revisions, (select count(*)::int from conflicts) as conflicts,
            (select count(*)::int from pushes) as pushes`,
      );
      purged = { revisions: Number(row?.revisions ?? 0), conflicts: Number(row?.conflicts ?? 0), pushes: Number(row?.pushes ?? 0) };
      await tx
        .update(syncKeyRotations)
        .set({ purgedAt: new Date() })
        .where(and(eq(syncKeyRotations.userId, userId), eq(syncKeyRotations.toKeyId, to)));
    }
    return { keyId: to, finishedAt: finishedAt!, purged };
  });
}
