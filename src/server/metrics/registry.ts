import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Every Prometheus metric the server exports, defined once here and incremented where the
 * thing happens (`metrics.emailSends.inc({ provider, outcome })`). `/api/metrics` serves the
 * registry (src/server/metrics/endpoint.ts). Label values are short fixed codes, never user
 * data or free text, so a series count stays bounded whatever users do.
 *
 * Kept on globalThis: Next's dev server re-evaluates modules on reload, and a second
 * registration of the same name (or of the default Node metrics) would throw.
 */

/** Why a notification was sent, held or dropped on one channel: the decision's reason as a label. */
export const NOTIFICATION_DECISION_REASONS = [
  "immediate",
  "urgent",
  "digest",
  "folded",
  "quiet_hours",
  "do_not_disturb",
  "in_focus",
  "rate_limited",
  "category_off",
  "channel_off",
  "no_endpoint",
  "suppressed_address",
  "read",
  "unread_delay",
  "past_moment",
] as const;
export type NotificationDecisionReason = (typeof NOTIFICATION_DECISION_REASONS)[number];

function createMetrics() {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const registers = [register];
  return {
    register,
    notificationsDecided: new Counter({
      name: "devpulse_notifications_decided_total",
      help: "Notification decisions per channel: sent now, held (digest, quiet hours, focus, rate limit) or dropped.",
      labelNames: ["channel", "outcome", "reason"] as const,
      registers,
    }),
    notificationsDelivered: new Counter({
      name: "devpulse_notifications_delivered_total",
      help: "Messages that left per channel (a digest counts once, however many notifications it carries).",
      labelNames: ["channel", "form"] as const,
      registers,
    }),
    notificationDecisionSeconds: new Histogram({
      name: "devpulse_notification_decision_seconds",
      help: "Time to decide one notification across its channels.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    emailSends: new Counter({
      name: "devpulse_email_sends_total",
      help: "Email send attempts by provider and outcome (sent, failed, skipped because the circuit is open).",
      labelNames: ["provider", "outcome"] as const,
      registers,
    }),
    emailCircuitState: new Gauge({
      name: "devpulse_email_circuit_state",
      help: "Each email provider's circuit breaker: 0 closed, 1 half-open, 2 open.",
      labelNames: ["provider"] as const,
      registers,
    }),
    emailBounces: new Counter({ name: "devpulse_email_bounces_total", help: "Bounces and complaints reported by provider webhooks.", labelNames: ["provider", "type"] as const, registers }),
    webhookDeliveries: new Counter({
      name: "devpulse_webhook_deliveries_total",
      help: "Outbound webhook delivery attempts by outcome (delivered, failed, refused before sending).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    webhookDeliverySeconds: new Histogram({
      name: "devpulse_webhook_delivery_seconds",
      help: "Time from sending an outbound webhook to its endpoint's answer.",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    jobRuns: new Counter({ name: "devpulse_job_runs_total", help: "Background job runs finished, by job and outcome.", labelNames: ["job", "outcome"] as const, registers }),
    realtimeConnections: new Gauge({ name: "devpulse_realtime_connections", help: "Open realtime streams on this instance.", registers }),
    realtimeEvents: new Counter({ name: "devpulse_realtime_events_total", help: "Realtime events published, by event name.", labelNames: ["event"] as const, registers }),
    syncPushes: new Counter({ name: "devpulse_sync_pushes_total", help: "Sync pushes by outcome.", labelNames: ["outcome"] as const, registers }),
    syncRecordsPushed: new Counter({ name: "devpulse_sync_records_pushed_total", help: "Records written by sync pushes.", registers }),
    syncConflicts: new Counter({ name: "devpulse_sync_conflicts_total", help: "Conflicts raised by sync pushes.", registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const holder = globalThis as typeof globalThis & { __devpulseMetrics?: Metrics };
export const metrics: Metrics = (holder.__devpulseMetrics ??= createMetrics());
