import { getDb } from "../../db/client";
import { ZIntegrationPrivacy } from "~/lib/schemas/privacy";
import { cachedProviders, trimExternalData } from "../../integrations/external-data";
import { cloudRetentionDays } from "../../privacy/retention";
import { getPrivacySettings } from "../../privacy/settings";
import { recordProcessingOnce } from "../../privacy/processing-log";
import { expireSyncedRecords, trimSyncHistory, usersWithSyncHistory } from "../../sync/history-retention";
import { defineJob, fanOut } from "../define-job";

const DEFAULT_PROVIDER_RETENTION_DAYS = ZIntegrationPrivacy.parse({}).retentionDays;

/** Daily: asks for one trim run per user who has synced, so each user's run is small, retried on its own and visible to them. */
export const scheduleSyncHistoryTrim = defineJob(
  { id: "schedule-sync-history-trim", name: "Schedule sync history trimming", cron: "30 3 * * *", retries: 2 },
  async ({ step }) => {
    const userIds = await step.run("find-users-with-history", async () => usersWithSyncHistory(await getDb()));
    return { users: await fanOut(step, "request-trims", userIds.map((userId) => ({ name: "sync/history.trim-requested", data: { userId } }))) };
  },
);

/**
 * Applies one user's retention settings: sync history and synced records older
 * than the cloud retention period (open conflicts stay), and each provider's
 * cached data older than that provider's retention.
 */
export const trimUserSyncHistory = defineJob(
  {
    id: "trim-sync-history",
    name: "Delete synced data and provider data older than your retention settings",
    events: ["sync/history.trim-requested"],
    retries: 3,
    concurrency: { key: "event.data.userId", limit: 1 },
  },
  async ({ event, step, runId }) => {
    const { userId } = event.data;
    const days = await step.run("read-retention-setting", async () => cloudRetentionDays(await getDb(), userId));
    const trimmed = await step.run("delete-old-revisions", async () => trimSyncHistory(await getDb(), userId, days));
    const expired = await step.run("delete-old-records", async () => expireSyncedRecords(await getDb(), userId, days));
    const externalData = await step.run("delete-old-provider-data", async () => {
      const db = await getDb();
      const { integrations } = await getPrivacySettings(db, userId);
      // Every connected provider has a retention: the user's choice, or the default.
      const retention = Object.fromEntries((await cachedProviders(db, userId)).map((provider) => [provider, integrations[provider as keyof typeof integrations]?.retentionDays ?? DEFAULT_PROVIDER_RETENTION_DAYS]));
      return trimExternalData(db, userId, retention);
    });
    const deletedSomething = trimmed.deletedRevisions + trimmed.deletedResolvedConflicts + expired.expiredRecords + expired.expiredTombstones + externalData > 0;
    if (deletedSomething) {
      await step.run("record-processing", async () =>
        recordProcessingOnce(await getDb(), userId, { jobRun: runId }, {
          activity: "deletion",
          purpose: `Delete what is older than your retention settings (${days} days for synced data)`,
          legalBasis: "consent",
          details: { revisions: trimmed.deletedRevisions + expired.expiredRevisions, records: expired.expiredRecords + expired.expiredTombstones, providerItems: externalData },
        }),
      );
    }
    return { retentionDays: days, ...trimmed, ...expired, deletedProviderItems: externalData };
  },
);
