import { getDb } from "../../db/client";
import { eq } from "drizzle-orm";
import { ZIntegrationPrivacy } from "~/lib/schemas/privacy";
import { externalDataCache } from "../../db/schema";
import { trimExternalData } from "../../integrations/external-data";
import { cloudRetentionDays } from "../../privacy/retention";
import { getPrivacySettings } from "../../privacy/settings";
import { trimSyncHistory, usersWithSyncHistory } from "../../sync/history-retention";
import { defineJob } from "../define-job";
import type { JobEvent } from "../events";

const DEFAULT_PROVIDER_RETENTION_DAYS = ZIntegrationPrivacy.parse({}).retentionDays;

/** Inngest accepts up to this many events per send: fan out in chunks. */
const FAN_OUT_CHUNK = 500;

/** Daily: asks for one trim run per user who has synced, so each user's run is small, retried on its own and visible to them. */
export const scheduleSyncHistoryTrim = defineJob(
  { id: "schedule-sync-history-trim", name: "Schedule sync history trimming", cron: "30 3 * * *", retries: 2 },
  async ({ step }) => {
    const userIds = await step.run("find-users-with-history", async () => usersWithSyncHistory(await getDb()));
    for (let start = 0; start < userIds.length; start += FAN_OUT_CHUNK) {
      const events: JobEvent[] = userIds
        .slice(start, start + FAN_OUT_CHUNK)
        .map((userId) => ({ name: "sync/history.trim-requested", data: { userId } }));
      await step.sendEvent(`request-trims-${start}`, events);
    }
    return { users: userIds.length };
  },
);

/** Trims one user's sync history to their retention setting (the current revision and open conflicts' revisions stay). */
export const trimUserSyncHistory = defineJob(
  {
    id: "trim-sync-history",
    name: "Trim sync history and provider data to your retention settings",
    events: ["sync/history.trim-requested"],
    retries: 3,
    concurrency: { key: "event.data.userId", limit: 1 },
  },
  async ({ event, step }) => {
    const { userId } = event.data;
    const days = await step.run("read-retention-setting", async () => cloudRetentionDays(await getDb(), userId));
    const trimmed = await step.run("delete-old-revisions", async () => trimSyncHistory(await getDb(), userId, days));
    const externalData = await step.run("delete-old-provider-data", async () => {
      const db = await getDb();
      const { integrations } = await getPrivacySettings(db, userId);
      // Every connected provider has a retention: the user's choice, or the default.
      const connected = await db.selectDistinct({ provider: externalDataCache.provider }).from(externalDataCache).where(eq(externalDataCache.userId, userId));
      const retention = Object.fromEntries(connected.map(({ provider }) => [provider, integrations[provider as keyof typeof integrations]?.retentionDays ?? DEFAULT_PROVIDER_RETENTION_DAYS]));
      return trimExternalData(db, userId, retention);
    });
    return { retentionDays: days, ...trimmed, deletedProviderItems: externalData };
  },
);
