import { getDb } from "../../db/client";
import { cloudRetentionDays } from "../../privacy/retention";
import { trimSyncHistory, usersWithSyncHistory } from "../../sync/history-retention";
import { defineJob } from "../define-job";
import type { JobEvent } from "../events";

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
    name: "Trim sync history to your retention setting",
    events: ["sync/history.trim-requested"],
    retries: 3,
    concurrency: { key: "event.data.userId", limit: 1 },
  },
  async ({ event, step }) => {
    const { userId } = event.data;
    const days = await step.run("read-retention-setting", async () => cloudRetentionDays(await getDb(), userId));
    const trimmed = await step.run("delete-old-revisions", async () => trimSyncHistory(await getDb(), userId, days));
    return { retentionDays: days, ...trimmed };
  },
);
