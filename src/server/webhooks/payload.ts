import { presentNotification, type AnyNotification } from "~/lib/notifications/catalog";

/**
 * What leaves the server in a webhook body, built in this one place for every sender (a
 * notification now, a digest later): an allowlist, field by field. The notification's data has
 * already passed its catalog schema (ids and short summaries, never secrets or plaintext of
 * encrypted records); the rest is its presentation. `href` becomes an absolute link to the app.
 *
 *   { type, timestamp, data: { id, kind, title, body?, href?, level, data } }
 */
type WebhookPayload = {
  type: string;
  timestamp: string;
  data: { id: string; kind: string; title: string; body?: string; href?: string; level: string; data: Record<string, unknown> };
};

/** The event type of the test message the settings page sends. */
export const TEST_EVENT_TYPE = "webhook.test";

/** A notification as the notification layer hands it to webhooks: catalog kind and data, with its id and when it was raised. */
export type WebhookNotification = AnyNotification & { id: string; createdAt: string };

export function buildWebhookPayload(notification: WebhookNotification, appUrl: string): WebhookPayload {
  const shown = presentNotification(notification);
  return {
    type: notification.kind,
    timestamp: notification.createdAt,
    data: {
      id: notification.id,
      kind: notification.kind,
      title: shown.title,
      ...(shown.body ? { body: shown.body } : {}),
      ...(shown.href ? { href: `${appUrl}${shown.href}` } : {}),
      level: shown.level,
      data: { ...notification.data },
    },
  };
}

export function buildTestPayload(id: string, at: Date, appUrl: string): WebhookPayload {
  return {
    type: TEST_EVENT_TYPE,
    timestamp: at.toISOString(),
    data: {
      id,
      kind: TEST_EVENT_TYPE,
      title: "Test delivery from DevPulse Cloud",
      body: "Your endpoint received and can verify DevPulse webhooks.",
      href: `${appUrl}/settings/webhooks`,
      level: "info",
      data: {},
    },
  };
}
