import type { Job } from "../define-job";
import { buildDataExport } from "./build-data-export";
import { calendarJobs } from "./calendar";
import { chatStatusJobs } from "./chat-status";
import { cleanupExpired } from "./cleanup-expired";
import { reviewInactiveAccount, scheduleInactivityReviews } from "./inactive-accounts";
import { notificationJobs } from "./notifications";
import { processGitPush, scheduleIntegrationSyncs, syncIntegration } from "./sync-integrations";
import { scheduleSyncHistoryTrim, trimUserSyncHistory } from "./trim-sync-history";
import { deliverWebhook } from "./webhooks";

/** Every background job, registered with Inngest at /api/inngest and with the in-process runner. Add new jobs here. */
export const jobFunctions: readonly Job[] = [
  cleanupExpired,
  scheduleSyncHistoryTrim,
  trimUserSyncHistory,
  syncIntegration,
  scheduleIntegrationSyncs,
  processGitPush,
  buildDataExport,
  scheduleInactivityReviews,
  reviewInactiveAccount,
  ...chatStatusJobs,
  ...calendarJobs,
  deliverWebhook,
  ...notificationJobs,
];
