import { and, count, eq } from "drizzle-orm";
import { z } from "zod";
import { ZText } from "~/lib/schemas/primitives";
import { collectionLabel, ZSyncCollection, type SyncCollection } from "~/lib/schemas/collections";
import type { Db } from "../db/client";
import { anonymousAggregates, devices, externalDataCache, integrations, loginAttempts, syncConflicts, syncRecords, syncRevisions, syncTrimmedDeletions, users } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { passwordTypedAgainMatches } from "../auth/sign-in";
import { disconnectIntegration } from "../integrations/connections";
import { isRegisteredProvider } from "../integrations/registry";
import { logger } from "../logger";
import { lockSequence } from "../sync/sequence";
import { recordProcessing } from "./processing-log";

export const ZReauthentication = z.object({
  password: ZText.min(1).max(1000).optional(),
  /** For accounts without a password (GitHub/Google sign-in only): the account's email, typed. */
  confirmEmail: ZText.max(320).optional(),
});
export type Reauthentication = z.infer<typeof ZReauthentication>;

/** Destructive rights ask again who is there: the password (wrong guesses count as failed sign-ins), or the email for accounts without one. */
async function reauthenticate(db: Db, userId: string, proof: Reauthentication, ip: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  if (user.passwordHash) {
    if (!(await passwordTypedAgainMatches(db, { email: user.email, passwordHash: user.passwordHash }, proof.password, ip))) throw new AppError("UNAUTHORIZED", "That password is not right: nothing was deleted.");
  } else if (proof.confirmEmail?.trim().toLowerCase() !== user.email) {
    throw new AppError("UNAUTHORIZED", "Type your account's email address exactly to confirm: nothing was deleted.");
  }
  return user;
}

/** Turning a collection off offers this: everything the server holds of it (records, history, conflicts). */
export async function deleteCollection(db: Db, userId: string, collection: SyncCollection) {
  const deleted = await db.transaction(async (tx) => {
    await lockSequence(tx, userId);
    const records = await tx.delete(syncRecords).where(and(eq(syncRecords.userId, userId), eq(syncRecords.collection, collection))).returning({ id: syncRecords.recordId });
    await tx.delete(syncRevisions).where(and(eq(syncRevisions.userId, userId), eq(syncRevisions.collection, collection)));
    await tx.delete(syncConflicts).where(and(eq(syncConflicts.userId, userId), eq(syncConflicts.collection, collection)));
    await tx.delete(syncTrimmedDeletions).where(and(eq(syncTrimmedDeletions.userId, userId), eq(syncTrimmedDeletions.collection, collection)));
    return records.length;
  });
  await recordProcessing(db, userId, { activity: "deletion", purpose: `Delete the ${collectionLabel(collection).toLowerCase()} the server held, as you asked`, legalBasis: "consent", details: { collection, records: deleted } });
  return { collection, deleted };
}
export const ZDeleteCollectionInput = z.object({ collection: ZSyncCollection });

/**
 * Deletes the account and everything that belongs to it: revokes provider grants and
 * webhooks first (best effort, at the providers), then the user row, which every
 * user-owned table references with ON DELETE CASCADE (sessions end with it: a session
 * resolves to no user), and the sign-in attempts kept by email.
 */
export async function deleteAccount(db: Db, env: Env, userId: string, proof: Reauthentication, ip: string) {
  const user = await reauthenticate(db, userId, proof, ip);
  return eraseAccount(db, env, user, "at its owner's request");
}

/** The deletion itself, once it is established that it must happen (the owner re-authenticated, or the inactivity policy ran out). */
export async function eraseAccount(db: Db, env: Env, user: { id: string; email: string }, why: string) {
  const connected = await db.select({ provider: integrations.provider }).from(integrations).where(eq(integrations.userId, user.id));
  for (const { provider } of connected) {
    if (!isRegisteredProvider(provider)) continue;
    await disconnectIntegration(db, env, user.id, provider).catch((error: unknown) => logger.warn("could not disconnect an integration during account deletion", { provider, error }));
  }
  await db.transaction(async (tx) => {
    await tx.delete(loginAttempts).where(eq(loginAttempts.email, user.email));
    await tx.delete(users).where(eq(users.id, user.id));
  });
  // No identifier in this line: the account is gone.
  logger.info(`an account was deleted ${why}`, { integrationsDisconnected: connected.length });
  return { deleted: true as const };
}

/** Keeps only non-identifying counts (no user id, no email, the month only), then deletes the account. */
export async function anonymizeAccount(db: Db, env: Env, userId: string, proof: Reauthentication, ip: string) {
  const user = await reauthenticate(db, userId, proof, ip);
  const [deviceCount] = await db.select({ n: count() }).from(devices).where(eq(devices.userId, userId));
  const perCollection = await db
    .select({ collection: syncRecords.collection, n: count() })
    .from(syncRecords)
    .where(and(eq(syncRecords.userId, userId), eq(syncRecords.deleted, false)))
    .groupBy(syncRecords.collection);
  const connected = await db.select({ provider: integrations.provider }).from(integrations).where(eq(integrations.userId, userId));
  const [commits] = await db.select({ n: count() }).from(externalDataCache).where(and(eq(externalDataCache.userId, userId), eq(externalDataCache.dataType, "commit")));
  const now = new Date();
  const ageMonths = Math.max(0, Math.floor((now.getTime() - user.createdAt.getTime()) / (30 * 86_400_000)));
  await db.insert(anonymousAggregates).values({
    month: now.toISOString().slice(0, 7),
    accountAgeMonths: ageMonths,
    devices: deviceCount?.n ?? 0,
    syncedRecords: Object.fromEntries(perCollection.map((row) => [row.collection, row.n])),
    integrations: [...new Set(connected.map((row) => row.provider))].sort(),
    commits: commits?.n ?? 0,
  });
  await eraseAccount(db, env, user, "after anonymization at its owner's request");
  return { anonymized: true as const };
}

