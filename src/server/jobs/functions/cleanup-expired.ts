import { deleteExpiredAccountTokens } from "../../auth/account-tokens";
import { trimExpiredEvents } from "../../calendar/cache";
import { getDb } from "../../db/client";
import {
  deleteExpiredDeviceCodes,
  deleteExpiredExternalData,
  deleteExpiredOAuthStates,
  deleteOldExports,
  deleteOldIdempotencyKeys,
  deleteOldJobEvents,
  deleteOldJobRuns,
  deleteOldLoginAttempts,
  deleteOldWebhookDeliveries,
  deleteStaleConcurrencySlots,
} from "../../maintenance/cleanup";
import { expireExports, failOverdueExports } from "../../privacy/export";
import { defineJob } from "../define-job";

/** Every 15 minutes (or on request): removes short-lived rows past their use, and ends exports stuck or past their link. One step per table, so a retry redoes only what failed. */
export const cleanupExpired = defineJob(
  {
    id: "cleanup-expired",
    name: "Clean up expired codes and keys",
    events: ["maintenance/cleanup.requested"],
    cron: "*/15 * * * *",
    retries: 3,
    concurrency: { limit: 1 },
  },
  async ({ step }) => {
    const db = await getDb();
    return {
      deviceCodes: await step.run("delete-expired-device-codes", () => deleteExpiredDeviceCodes(db)),
      oauthStates: await step.run("delete-expired-oauth-states", () => deleteExpiredOAuthStates(db)),
      idempotencyKeys: await step.run("delete-old-idempotency-keys", () => deleteOldIdempotencyKeys(db)),
      loginAttempts: await step.run("delete-old-login-attempts", () => deleteOldLoginAttempts(db)),
      jobRuns: await step.run("delete-old-job-runs", () => deleteOldJobRuns(db)),
      jobEvents: await step.run("delete-old-job-events", () => deleteOldJobEvents(db)),
      concurrencySlots: await step.run("delete-stale-concurrency-slots", () => deleteStaleConcurrencySlots(db)),
      webhookDeliveries: await step.run("delete-old-webhook-deliveries", () => deleteOldWebhookDeliveries(db)),
      externalData: await step.run("delete-expired-external-data", () => deleteExpiredExternalData(db)),
      calendarEvents: await step.run("delete-expired-calendar-events", () => trimExpiredEvents(db)),
      // In this order: a build past its deadline fails, an expired link loses its content (logged), then old rows go.
      overdueExports: await step.run("fail-overdue-exports", () => failOverdueExports(db)),
      expiredExports: await step.run("delete-expired-export-content", () => expireExports(db)),
      oldExports: await step.run("delete-old-exports", () => deleteOldExports(db)),
      accountTokens: await step.run("delete-expired-account-tokens", () => deleteExpiredAccountTokens(db)),
    };
  },
);
