import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { integrationAllows, ZPrivacySettings } from "~/lib/schemas/privacy";
import type { DbOrTx } from "../db/client";
import { startedBeforeDeadline } from "../jobs/deadlines";
import { integrations, privacySettings } from "../db/schema";
import { notifySafely } from "../notifications/notify";
import { publishSafely } from "../realtime/publisher";
import { isCalendarProvider, isGitProvider, isRegisteredProvider, type RegisteredProviderId } from "./registry";
import { providerName } from "./resilience";

/**
 * The life of a sync run as the integration shows it: "syncing" from the start, with a
 * deadline, then "connected" (or an error). A run that dies with its process (a crash, a
 * deploy, a lost job) cannot say so itself, so "syncing" past its deadline counts as an
 * error the user can retry, and the hourly scheduler picks the integration up again.
 */
export const SYNC_RUN = {
  /**
   * How long a run may take. A full sync of GIT_SYNC.maxRepositories repositories takes
   * minutes; the job engine's retries with backoff add some more. A wait for a rate
   * limit's reset moves the deadline (see noteSyncWaiting).
   */
  deadlineMs: 60 * 60 * 1000,
};

type Owner = { userId: string; provider: RegisteredProviderId };
const ownerIs = (owner: Owner) => and(eq(integrations.userId, owner.userId), eq(integrations.provider, owner.provider));

/** The run started: "syncing" until the deadline. False when the integration is gone (disconnected meanwhile). */
export async function markSyncing(db: DbOrTx, owner: Owner, now = new Date()) {
  const updated = await db
    .update(integrations)
    .set({ status: "syncing", syncDeadlineAt: new Date(now.getTime() + SYNC_RUN.deadlineMs), updatedAt: now })
    .where(ownerIs(owner))
    .returning({ id: integrations.id });
  return updated.length > 0;
}

/** The run waits for a rate limit's reset: shown on the integration, and the deadline moves past the wait. */
export async function noteSyncWaiting(db: DbOrTx, owner: Owner, message: string, retryAt: Date | null, now = new Date()) {
  const resumesAt = Math.max(retryAt?.getTime() ?? now.getTime(), now.getTime());
  await db
    .update(integrations)
    .set({ lastError: message, lastErrorAt: now, syncDeadlineAt: new Date(resumesAt + SYNC_RUN.deadlineMs), updatedAt: now })
    .where(ownerIs(owner));
}

/** The run finished. */
export async function markSynced(db: DbOrTx, owner: Owner, now = new Date()) {
  await db
    .update(integrations)
    .set({ status: "connected", lastSyncedAt: now, lastError: null, lastErrorAt: null, syncDeadlineAt: null, updatedAt: now })
    .where(ownerIs(owner));
}

/** The message of a run that passed its deadline. */
export const lostRunMessage = (provider: RegisteredProviderId) =>
  `The last ${providerName(provider)} sync did not finish in time and was stopped (the server may have restarted). Sync again; the hourly sync also retries it.`;

/**
 * Every "syncing" past its deadline (all users', or one user's) becomes an error, said live
 * to the user's open pages. A row without a deadline (written before deadlines existed) is
 * judged by when it last changed. Returns the integrations it changed.
 */
export async function expireLostSyncs(db: DbOrTx, options: { userId?: string; now?: Date } = {}) {
  const now = options.now ?? new Date();
  const lost = or(lt(integrations.syncDeadlineAt, now), and(isNull(integrations.syncDeadlineAt), startedBeforeDeadline(integrations.updatedAt, SYNC_RUN.deadlineMs, now)));
  const stuck = await db
    .select({ userId: integrations.userId, provider: integrations.provider })
    .from(integrations)
    .where(and(eq(integrations.status, "syncing"), lost, options.userId ? eq(integrations.userId, options.userId) : undefined));
  const expired: Owner[] = [];
  for (const row of stuck) {
    if (!isRegisteredProvider(row.provider)) continue;
    const owner = { userId: row.userId, provider: row.provider };
    const message = lostRunMessage(owner.provider);
    // Conditional on still being lost: a run that finished meanwhile keeps its "connected".
    const changed = await db
      .update(integrations)
      .set({ status: "error", lastError: message, lastErrorAt: now, syncDeadlineAt: null, updatedAt: now })
      .where(and(ownerIs(owner), eq(integrations.status, "syncing"), lost))
      .returning({ id: integrations.id });
    if (changed.length === 0) continue;
    expired.push(owner);
    await publishSafely(owner.userId, "integration:error", { provider: owner.provider, message, status: "error" });
    await notifySafely(db, owner.userId, "integration.failed", { provider: owner.provider, status: "error", message });
  }
  return expired;
}

/**
 * The integrations the hourly scheduler syncs: connected, or in error (an error may be
 * transient, and a lost run is one), with the integration and its automatic sync allowed
 * by the user's privacy settings.
 */
export async function integrationsDueForSync(db: DbOrTx): Promise<Owner[]> {
  const candidates = await db
    .select({ userId: integrations.userId, provider: integrations.provider, settings: privacySettings.settings })
    .from(integrations)
    .leftJoin(privacySettings, eq(privacySettings.userId, integrations.userId))
    .where(inArray(integrations.status, ["connected", "error"]));
  return candidates.flatMap((row) => {
    // Chat providers have nothing to fetch: their status is written when it changes.
    if (!isGitProvider(row.provider) && !isCalendarProvider(row.provider)) return [];
    const settings = ZPrivacySettings.parse(row.settings ?? {});
    const allowed = integrationAllows(settings, row.provider) && (settings.integrations[row.provider]?.autoSync ?? true);
    return allowed ? [{ userId: row.userId, provider: row.provider }] : [];
  });
}
