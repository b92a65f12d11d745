import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { syncKeys } from "../db/schema";
import { AppError } from "../errors";
import type { TKeyBundle } from "./schemas";

/**
 * The user's key bundle: derivation parameters, the wrapped data key and a key-check
 * value. The server only stores and returns it; derivation and unwrapping happen on
 * the client, which also refuses parameters weaker than its own minimum.
 */
export async function getSyncKeys(db: DbOrTx, userId: string) {
  const [row] = await db
    .select({
      params: syncKeys.params,
      wrappedKey: syncKeys.wrappedKey,
      keyCheck: syncKeys.keyCheck,
      version: syncKeys.version,
      keyId: syncKeys.keyId,
      previousKeys: syncKeys.previousKeys,
    })
    .from(syncKeys)
    .where(eq(syncKeys.userId, userId));
  return row ?? null;
}

export async function setupSyncKeys(db: DbOrTx, userId: string, bundle: TKeyBundle) {
  const [created] = await db
    .insert(syncKeys)
    .values({ userId, ...bundle })
    .onConflictDoNothing()
    .returning({ version: syncKeys.version });
  if (!created) throw new AppError("CONFLICT", "Sync keys are already set up for this account: unlock with your sync passphrase.");
  return created;
}

/** Replaces the wrapping after a passphrase change; the data key (and every record) stays the same. */
export async function rotateSyncPassphrase(db: DbOrTx, userId: string, input: { bundle: TKeyBundle; expectedVersion: number }) {
  const [rotated] = await db
    .update(syncKeys)
    .set({ ...input.bundle, version: sql`${syncKeys.version} + 1`, updatedAt: new Date() })
    // Same key id: a passphrase change re-wraps the current key, it never swaps in another one.
    .where(and(eq(syncKeys.userId, userId), eq(syncKeys.version, input.expectedVersion), eq(syncKeys.keyId, input.bundle.keyId)))
    .returning({ version: syncKeys.version });
  if (rotated) return rotated;
  const existing = await getSyncKeys(db, userId);
  if (!existing) throw new AppError("NOT_FOUND", "Sync keys are not set up yet: unlock once to create them.");
  throw new AppError("PRECONDITION_FAILED", "The passphrase was changed on another device meanwhile: unlock again and retry.");
}
