import type { AnyNotification } from "~/lib/notifications/catalog";
import type { Db } from "../db/client";

/**
 * CONTRACT between the notification layer and outbound webhooks (issue 18). The notification
 * layer calls `queueWebhookDeliveries` for a notification decided for the webhook channel; the
 * webhooks module finds the user's enabled endpoints subscribed to its kind, records one
 * delivery per endpoint and hands each to a durable job (signed, retried for 24 h). It returns
 * how many endpoints will receive it (0: the user has none for this kind).
 * This first version knows no endpoints yet; the webhooks module replaces the body.
 */
export type WebhookNotification = AnyNotification & { id: string; createdAt: string };

export async function queueWebhookDeliveries(db: Db, userId: string, notification: WebhookNotification): Promise<{ endpoints: number }> {
  void db;
  void userId;
  void notification;
  return { endpoints: 0 };
}
