import { and, isNotNull, isNull, lt } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { dataExports, deviceAuthorizations, externalDataCache, jobConcurrencySlots, jobEvents, jobRuns, loginAttempts, oauthStates, syncPushes, webhookDeliveries } from "../db/schema";

const HOUR_MS = 60 * 60 * 1000;

/** How long each kind of short-lived row outlives its use. */
export const RETENTION = {
  /** Past expiry, a polling device still deserves "expired_token" rather than "invalid_grant" for a while. */
  expiredDeviceCodeGraceMs: 24 * HOUR_MS,
  /** A device retries a push with the same idempotency key within minutes; a day is generous. */
  idempotencyKeyMs: 24 * HOUR_MS,
  /** Far longer than any sign-in lockout window. */
  loginAttemptMs: 7 * 24 * HOUR_MS,
  /** A finished run (and its steps) stays visible this long after it finished; an unfinished one stays however old. */
  jobRunMs: 30 * 24 * HOUR_MS,
  /** An accepted event id is refused again for 24 hours (Inngest's deduplication window); past it the row has no use. */
  jobEventMs: 24 * HOUR_MS,
  /** A concurrency slot is released by its run; one whose lease ran out this long ago was left by a crashed instance. */
  staleConcurrencySlotMs: HOUR_MS,
  /** Providers redeliver within days at most: remembering delivery ids for a week catches every replay that matters. */
  webhookDeliveryMs: 7 * 24 * HOUR_MS,
  /** An export's row, once its content is gone (at the link's expiry): the page says "Link expired" or "Failed" for a week. */
  exportRowMs: 7 * 24 * HOUR_MS,
} as const;

const before = (now: Date, ms: number) => new Date(now.getTime() - ms);

export async function deleteExpiredDeviceCodes(db: DbOrTx, now = new Date()) {
  const rows = await db
    .delete(deviceAuthorizations)
    .where(lt(deviceAuthorizations.expiresAt, before(now, RETENTION.expiredDeviceCodeGraceMs)))
    .returning({ id: deviceAuthorizations.id });
  return rows.length;
}

export async function deleteExpiredOAuthStates(db: DbOrTx, now = new Date()) {
  const rows = await db.delete(oauthStates).where(lt(oauthStates.expiresAt, now)).returning({ stateHash: oauthStates.stateHash });
  return rows.length;
}

export async function deleteOldIdempotencyKeys(db: DbOrTx, now = new Date()) {
  const rows = await db
    .delete(syncPushes)
    .where(lt(syncPushes.createdAt, before(now, RETENTION.idempotencyKeyMs)))
    .returning({ key: syncPushes.idempotencyKey });
  return rows.length;
}

export async function deleteOldLoginAttempts(db: DbOrTx, now = new Date()) {
  const rows = await db
    .delete(loginAttempts)
    .where(lt(loginAttempts.createdAt, before(now, RETENTION.loginAttemptMs)))
    .returning({ id: loginAttempts.id });
  return rows.length;
}

/**
 * Runs that finished more than 30 days ago, with their steps (ON DELETE CASCADE). Never an
 * unfinished run, however old: it may sleep or wait for weeks, and deleting it would lose it.
 * (The started_at condition follows from the other, as a run finishes after it starts: it lets
 * the query use the started_at index.)
 */
export async function deleteOldJobRuns(db: DbOrTx, now = new Date()) {
  const cutoff = before(now, RETENTION.jobRunMs);
  const rows = await db
    .delete(jobRuns)
    .where(and(isNotNull(jobRuns.finishedAt), lt(jobRuns.finishedAt, cutoff), lt(jobRuns.startedAt, cutoff)))
    .returning({ runId: jobRuns.runId });
  return rows.length;
}

/** Accepted events past the deduplication window: their runs hold the event they need. */
export async function deleteOldJobEvents(db: DbOrTx, now = new Date()) {
  const rows = await db.delete(jobEvents).where(lt(jobEvents.receivedAt, before(now, RETENTION.jobEventMs))).returning({ id: jobEvents.id });
  return rows.length;
}

/** Concurrency slots whose lease ran out an hour ago: a live run renews its lease long before that. */
export async function deleteStaleConcurrencySlots(db: DbOrTx, now = new Date()) {
  const rows = await db
    .delete(jobConcurrencySlots)
    .where(lt(jobConcurrencySlots.leaseUntil, before(now, RETENTION.staleConcurrencySlotMs)))
    .returning({ runId: jobConcurrencySlots.runId });
  return rows.length;
}

export async function deleteOldWebhookDeliveries(db: DbOrTx, now = new Date()) {
  const rows = await db
    .delete(webhookDeliveries)
    .where(lt(webhookDeliveries.receivedAt, before(now, RETENTION.webhookDeliveryMs)))
    .returning({ deliveryId: webhookDeliveries.deliveryId });
  return rows.length;
}

/** Cached provider data past its expiry (the next sync fetches it again if it is still wanted). */
export async function deleteExpiredExternalData(db: DbOrTx, now = new Date()) {
  const rows = await db.delete(externalDataCache).where(lt(externalDataCache.expiresAt, now)).returning({ id: externalDataCache.id });
  return rows.length;
}

/**
 * Export rows past their week: only those without content, because content is deleted
 * by expireExports (src/server/privacy/export.ts), which logs it; the cleanup job runs
 * that first, so by now every old export has lost its content.
 */
export async function deleteOldExports(db: DbOrTx, now = new Date()) {
  const rows = await db
    .delete(dataExports)
    .where(and(lt(dataExports.createdAt, before(now, RETENTION.exportRowMs)), isNull(dataExports.content)))
    .returning({ id: dataExports.id });
  return rows.length;
}
