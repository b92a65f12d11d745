import { and, arrayContains, eq } from "drizzle-orm";
import type { NotificationKind } from "~/lib/notifications/catalog";
import type { Db, DbOrTx } from "../db/client";
import { webhookEndpoints } from "../db/schema";
import { getEnv } from "../env";
import { queueDeliveries } from "./deliveries";
import { buildWebhookPayload, type WebhookNotification } from "./payload";

/**
 * CONTRACT between the notification layer and outbound webhooks (issue 18). The notification
 * layer calls `queueWebhookDeliveries` for a notification decided for the webhook channel; the
 * webhooks module finds the user's enabled endpoints subscribed to its kind, records one
 * delivery per endpoint and hands each to a durable job (signed, retried for about a day). It
 * returns how many endpoints will receive it (0: the user has none for this kind).
 * Safe to call again for the same notification (a retried step): its id is the message's
 * `webhook-id`, and an endpoint gets one delivery per message.
 */

/** The user's enabled endpoints that receive this kind. */
const receivingEndpoints = (userId: string, kind: NotificationKind) =>
  and(eq(webhookEndpoints.userId, userId), eq(webhookEndpoints.enabled, true), arrayContains(webhookEndpoints.kinds, [kind]));

/** Whether any of the user's endpoints receives this kind: the notification layer decides the webhook channel with it. */
export async function hasWebhookEndpointFor(db: DbOrTx, userId: string, kind: NotificationKind): Promise<boolean> {
  const [found] = await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(receivingEndpoints(userId, kind)).limit(1);
  return found !== undefined;
}

/**
 * `messageId` (the Standard Webhooks `webhook-id`, what receivers dedupe on and we queue once per
 * endpoint) names the message, not the notification: a burst's update carries the same
 * notification id as its first message and must still be delivered. The notification layer passes
 * one derived from the decisions the message carries, the same on a retry of the same message.
 */
export async function queueWebhookDeliveries(db: Db, userId: string, notification: WebhookNotification, messageId = `msg_${notification.id}`): Promise<{ endpoints: number }> {
  const endpoints = await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(receivingEndpoints(userId, notification.kind));
  if (endpoints.length === 0) return { endpoints: 0 };
  const body = JSON.stringify(buildWebhookPayload(notification, getEnv().appUrl));
  await queueDeliveries(
    db,
    endpoints.map((endpoint) => ({ userId, endpointId: endpoint.id, messageId, eventType: notification.kind, body })),
  );
  return { endpoints: endpoints.length };
}
