import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { webhookEndpointAttempts, webhookEndpointDeliveries, webhookEndpoints } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { jobs } from "../jobs/send";
import type { JobEvent } from "../jobs/events";
import { logger } from "../logger";
import { metrics } from "../metrics/registry";
import { notifySafely } from "../notifications/notify";
import { publishSafely } from "../realtime/publisher";
import { endpointForSending, ownedEndpoint } from "./endpoints";
import { buildTestPayload, TEST_EVENT_TYPE } from "./payload";
import { WEBHOOK_LIMITS } from "./policy";
import { sendWebhookRequest } from "./send";
import { signPayload } from "./signing";

/**
 * Deliveries and their attempts: recorded before anything is sent, one attempt row per HTTP
 * attempt, and the endpoint's health kept from them. The durable job (jobs/functions/webhooks.ts)
 * only says when: it calls `attemptDelivery` and sleeps between attempts.
 */

/** The job event for one delivery; its id makes a repeated queue of the same delivery one run. */
function deliveryRequested(userId: string, deliveryId: string): JobEvent {
  return { name: "webhook/delivery.requested", data: { userId, deliveryId }, id: `webhook-delivery:${deliveryId}` };
}

type NewDelivery = { userId: string; endpointId: string; messageId: string; eventType: string; body: string; redeliveryOf?: string };

/** Records deliveries (one per endpoint) and hands each to the delivery job. */
export async function queueDeliveries(db: DbOrTx, deliveries: NewDelivery[]): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const inserted = await db
    .insert(webhookEndpointDeliveries)
    .values(deliveries)
    // The same notification queued twice (its sender retried) is one delivery per endpoint.
    .onConflictDoNothing({ target: [webhookEndpointDeliveries.endpointId, webhookEndpointDeliveries.messageId], where: isNull(webhookEndpointDeliveries.redeliveryOf) })
    .returning({ id: webhookEndpointDeliveries.id, endpointId: webhookEndpointDeliveries.endpointId });
  const ids = inserted.map((row) => row.id);
  if (ids.length > 0) await jobs.send(ids.map((id) => deliveryRequested(deliveries[0]!.userId, id)));
  for (const row of inserted) await publishSafely(deliveries[0]!.userId, "webhook:delivery_updated", { endpointId: row.endpointId, deliveryId: row.id, status: "pending" });
  return ids;
}

const newMessageId = () => `msg_${randomUUID()}`;

/** "Send test": a signed test message to the endpoint, whether or not it is enabled (to check it before turning it back on). */
export async function sendTestDelivery(db: DbOrTx, env: Env, userId: string, endpointId: string) {
  await ownedEndpoint(db, userId, endpointId);
  const messageId = newMessageId();
  const body = JSON.stringify(buildTestPayload(messageId, new Date(), env.appUrl));
  const [deliveryId] = await queueDeliveries(db, [{ userId, endpointId, messageId, eventType: TEST_EVENT_TYPE, body }]);
  return { deliveryId: deliveryId! };
}

/** "Redeliver": the same message (same webhook-id and body, signed anew) as a new delivery with its own attempts. */
export async function redeliver(db: DbOrTx, userId: string, deliveryId: string) {
  const [original] = await db
    .select()
    .from(webhookEndpointDeliveries)
    .where(and(eq(webhookEndpointDeliveries.id, deliveryId), eq(webhookEndpointDeliveries.userId, userId)));
  if (!original) throw new AppError("NOT_FOUND", "No such webhook delivery");
  const [id] = await queueDeliveries(db, [
    { userId, endpointId: original.endpointId, messageId: original.messageId, eventType: original.eventType, body: original.body, redeliveryOf: original.id },
  ]);
  return { deliveryId: id! };
}

/** The endpoint's latest deliveries, newest first, each with its attempts in order. */
export async function listDeliveries(db: DbOrTx, userId: string, endpointId: string) {
  await ownedEndpoint(db, userId, endpointId);
  const deliveries = await db
    .select({
      id: webhookEndpointDeliveries.id,
      messageId: webhookEndpointDeliveries.messageId,
      eventType: webhookEndpointDeliveries.eventType,
      status: webhookEndpointDeliveries.status,
      attempts: webhookEndpointDeliveries.attempts,
      nextAttemptAt: webhookEndpointDeliveries.nextAttemptAt,
      redeliveryOf: webhookEndpointDeliveries.redeliveryOf,
      createdAt: webhookEndpointDeliveries.createdAt,
      finishedAt: webhookEndpointDeliveries.finishedAt,
    })
    .from(webhookEndpointDeliveries)
    .where(and(eq(webhookEndpointDeliveries.endpointId, endpointId), eq(webhookEndpointDeliveries.userId, userId)))
    .orderBy(desc(webhookEndpointDeliveries.createdAt), desc(webhookEndpointDeliveries.id))
    .limit(WEBHOOK_LIMITS.logPageSize);
  const ids = deliveries.map((delivery) => delivery.id);
  const attempts = ids.length
    ? await db
        .select({
          deliveryId: webhookEndpointAttempts.deliveryId,
          attempt: webhookEndpointAttempts.attempt,
          outcome: webhookEndpointAttempts.outcome,
          responseCode: webhookEndpointAttempts.responseCode,
          responseBody: webhookEndpointAttempts.responseBody,
          error: webhookEndpointAttempts.error,
          durationMs: webhookEndpointAttempts.durationMs,
          startedAt: webhookEndpointAttempts.startedAt,
        })
        .from(webhookEndpointAttempts)
        .where(inArray(webhookEndpointAttempts.deliveryId, ids))
        .orderBy(asc(webhookEndpointAttempts.attempt))
    : [];
  return deliveries.map((delivery) => ({ ...delivery, log: attempts.filter((attempt) => attempt.deliveryId === delivery.id) }));
}

type AttemptStep = { done: boolean; outcome: string; status: "pending" | "delivered" | "failed" };

/**
 * Attempt `attempt` of a delivery: signs (with every live secret) and sends, records the attempt,
 * and decides what follows: delivered (2xx), the endpoint gone (410: turned off now), or a failure,
 * retried at `nextAttemptAt` unless it was the last. Repeating the same attempt (a step re-run after
 * a crash) overwrites its row: receivers drop the duplicate by its webhook-id.
 */
export async function attemptDelivery(db: DbOrTx, env: Env, deliveryId: string, attempt: number, nextAttemptAt: Date | null): Promise<AttemptStep> {
  const [delivery] = await db.select().from(webhookEndpointDeliveries).where(eq(webhookEndpointDeliveries.id, deliveryId));
  if (!delivery || delivery.status !== "pending") return { done: true, outcome: "finished before", status: delivery?.status ?? "failed" };
  const endpoint = await endpointForSending(db, delivery.endpointId);
  const manual = delivery.eventType === TEST_EVENT_TYPE || delivery.redeliveryOf !== null;
  if (!endpoint || (!endpoint.enabled && !manual)) {
    await finishDelivery(db, delivery, "failed");
    return { done: true, outcome: "endpoint disabled", status: "failed" };
  }
  const startedAt = new Date();
  const headers = signPayload(endpoint.secrets, delivery.messageId, startedAt, delivery.body);
  const result = await sendWebhookRequest(endpoint.url, delivery.body, headers, { allowPrivate: env.ALLOW_PRIVATE_WEBHOOKS, timeoutMs: env.WEBHOOK_TIMEOUT_MS });
  metrics.webhookDeliveries.inc({ outcome: result.outcome });
  if (result.outcome !== "refused") metrics.webhookDeliverySeconds.observe(result.durationMs / 1000);
  const row = { outcome: result.outcome, responseCode: result.responseCode, responseBody: result.responseBody, error: result.error, durationMs: result.durationMs, startedAt };
  await db
    .insert(webhookEndpointAttempts)
    .values({ userId: delivery.userId, deliveryId, attempt, ...row })
    .onConflictDoUpdate({ target: [webhookEndpointAttempts.deliveryId, webhookEndpointAttempts.attempt], set: row });

  if (result.outcome === "delivered") {
    await db.update(webhookEndpoints).set({ consecutiveFailures: 0, failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id));
    await finishDelivery(db, delivery, "delivered", attempt);
    return { done: true, outcome: result.outcome, status: "delivered" };
  }
  if (result.outcome === "gone") {
    await disableEndpoint(db, endpoint.id, delivery.userId, "gone");
    await finishDelivery(db, delivery, "failed", attempt);
    return { done: true, outcome: result.outcome, status: "failed" };
  }
  // A failure (or a refusal): the endpoint has been failing since its first failure after the last success.
  const [health] = await db
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${startedAt.toISOString()}::timestamptz)` })
    .where(eq(webhookEndpoints.id, endpoint.id))
    .returning({ failingSince: webhookEndpoints.failingSince });
  const failingForMs = health?.failingSince ? startedAt.getTime() - health.failingSince.getTime() : 0;
  if (failingForMs >= WEBHOOK_LIMITS.disableAfterFailingMs && !manual) {
    await disableEndpoint(db, endpoint.id, delivery.userId, "failing");
    await finishDelivery(db, delivery, "failed", attempt);
    return { done: true, outcome: result.outcome, status: "failed" };
  }
  if (nextAttemptAt === null) {
    await finishDelivery(db, delivery, "failed", attempt);
    if (!manual) await countFailedDelivery(db, endpoint.id, delivery.userId);
    return { done: true, outcome: result.outcome, status: "failed" };
  }
  await db.update(webhookEndpointDeliveries).set({ attempts: attempt, nextAttemptAt }).where(eq(webhookEndpointDeliveries.id, deliveryId));
  await publishSafely(delivery.userId, "webhook:delivery_updated", { endpointId: endpoint.id, deliveryId, status: "pending" });
  return { done: false, outcome: result.outcome, status: "pending" };
}

async function finishDelivery(db: DbOrTx, delivery: { id: string; userId: string; endpointId: string; attempts: number }, status: "delivered" | "failed", attempt = delivery.attempts) {
  await db
    .update(webhookEndpointDeliveries)
    .set({ status, attempts: attempt, nextAttemptAt: null, finishedAt: new Date() })
    .where(eq(webhookEndpointDeliveries.id, delivery.id));
  await publishSafely(delivery.userId, "webhook:delivery_updated", { endpointId: delivery.endpointId, deliveryId: delivery.id, status });
}

/** A delivery failed on every attempt: one more in a row; at the limit the endpoint is turned off. */
async function countFailedDelivery(db: DbOrTx, endpointId: string, userId: string) {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1` })
    .where(eq(webhookEndpoints.id, endpointId))
    .returning({ failures: webhookEndpoints.consecutiveFailures });
  if (row && row.failures >= WEBHOOK_LIMITS.disableAfterFailedDeliveries) await disableEndpoint(db, endpointId, userId, "failing");
}

/** Turns an endpoint off for the server's reason (once: an endpoint already off stays as it is) and tells its owner. */
async function disableEndpoint(db: DbOrTx, endpointId: string, userId: string, reason: "gone" | "failing") {
  const disabled = await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, disabledAt: new Date(), updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.enabled, true)))
    .returning({ id: webhookEndpoints.id, url: webhookEndpoints.url });
  if (disabled[0]) await tellUserEndpointDisabled(db, userId, { id: endpointId, url: disabled[0].url }, reason);
}

/**
 * The one place the user is told their endpoint was turned off: the settings page hears it live
 * (and shows `disabledReason` whenever it is opened), and a notification goes out on the user's
 * other channels — never to the webhook channel, which is what stopped working.
 */
async function tellUserEndpointDisabled(db: DbOrTx, userId: string, endpoint: { id: string; url: string }, reason: "gone" | "failing") {
  logger.info("webhook endpoint disabled", { userId, endpointId: endpoint.id, reason });
  await notifySafely(db, userId, "webhooks.endpoint_disabled", { endpointId: endpoint.id, host: new URL(endpoint.url).hostname, reason });
  await publishSafely(userId, "webhook:endpoint_disabled", { endpointId: endpoint.id, reason });
}
