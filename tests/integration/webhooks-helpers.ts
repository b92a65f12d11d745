import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { WebhookNotification } from "~/server/webhooks/payload";
import { startStandardWebhooksReceiver, type StandardWebhooksReceiver } from "../doubles/standard-webhooks-receiver/server";
import { useEnv } from "../support/env";

/**
 * Shared by the webhooks test files: the database opened, a receiver double for the file, private addresses allowed
 * (it listens on loopback), attempts a few milliseconds apart instead of minutes, and a short
 * per-attempt timeout so a hanging endpoint costs half a second.
 */
export function useWebhookReceiver(schedule = "30ms,30ms") {
  const holder: { receiver?: StandardWebhooksReceiver } = {};
  beforeAll(async () => {
    holder.receiver = await startStandardWebhooksReceiver();
  });
  useEnv(() => ({ ALLOW_PRIVATE_WEBHOOKS: "1", WEBHOOK_RETRY_SCHEDULE: schedule, WEBHOOK_TIMEOUT_MS: "500" }));
  afterAll(async () => holder.receiver?.close());
  return () => holder.receiver!;
}

/** A catalog notification as the notification layer hands it over. */
export function conflictNotification(count = 1): WebhookNotification {
  return { id: randomUUID(), createdAt: new Date().toISOString(), kind: "sync.conflict_detected", data: { count, conflictIds: [randomUUID()] } };
}

export const uniquePath = (label: string) => `/hooks/${label}-${randomUUID().slice(0, 8)}`;
