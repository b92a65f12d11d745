import { and, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { NOTIFICATION_CHANNELS, notificationKinds, notificationMoment, notificationSpec, parseNotificationData, type NotificationChannel, type NotificationKind } from "~/lib/notifications/catalog";
import type { DbOrTx, Tx } from "../db/client";
import { notificationDecisions, notifications } from "../db/schema";
import { getEnv } from "../env";
import { sha256Hex } from "../hash";
import { hasWebhookEndpointFor } from "../webhooks/dispatch";
import { logger } from "../logger";
import { metrics } from "../metrics/registry";
import { clockLabel, type ReaderClock } from "./clock";
import { decideNotification, type ChannelDecision } from "./decide";
import { deliverDue } from "./deliver";
import { readFocus } from "./focus";
import type { LimitedChannel } from "./rate-limits";
import { announceUnread } from "./inbox";
import { getNotificationSettings } from "./preferences";
import { scheduleDeliveries, type DueDelivery, type Scheduler } from "./schedule";

/**
 * `notify(db, userId, kind, data)`: the one call a producer makes. It validates the data
 * against the catalog, decides every channel (decide.ts), folds a burst of related ones into
 * one unread notification, records the decisions, lists the notification in-app, pings the
 * desktop now when it may, and hands everything else to the delivery job at its time
 * (deliver.ts). Producers call `notifySafely`, which never throws into the action it reports on.
 */

/**
 * A burst: related notifications (same kind and coalesce key) each within this long of the one
 * before fold into the first while it is unread. Email and desktop carry a burst once (TOLD_ONCE);
 * on the webhook channel, the update of a notification that already went out waits until the
 * burst has been quiet this long: a flapping integration or a device syncing for twenty minutes
 * is one message and one update there, never one every window.
 */
const BURST_QUIET_MS = 15 * 60_000;
/** ...but a burst that never quiets still gets an update this long after its first message, and then starts anew. */
const BURST_MAX_MS = 2 * 60 * 60_000;

/**
 * The channels that interrupt a person tell them about a burst once. A notification that folds
 * into one these channels already carried, still unread, sends nothing more on them: the list and
 * the bell show the count as it grows (a fold announces the unread state to every open client),
 * and the message already sent links to the page that lists every conflict or failure, so a second
 * email or toast saying "now 14" brings nothing to do, only another interruption (alert grouping:
 * an alert joining an open incident or issue does not page again in PagerDuty, Opsgenie or Sentry).
 * A message already waiting to go on them (a digest, a hold, "only if still unread") carries the
 * burst too: a fold whose own message would go later sends nothing more there.
 * Once the user has read it, or the burst has ended, the next one is a new notification and goes
 * out. Webhooks still get the update: an endpoint mirrors the notification's data, count included.
 */
const TOLD_ONCE: readonly NotificationChannel[] = ["email", "desktop"];

export type NotificationInput<K extends NotificationKind> = z.input<(typeof notificationKinds)[K]["data"]>;

export type NotifyOptions = {
  now?: Date;
  /** Where due deliveries go: the durable delivery job by default; the benchmark replays on its own clock. */
  schedule?: Scheduler;
  /**
   * Channels to deliver before returning rather than through the job (the desktop ping always
   * is): the inactivity warning must know its mail left before it records the warning.
   */
  deliverNow?: LimitedChannel[];
  /**
   * Names this occurrence (unique per user): a repeat of the call, such as a job step run again
   * after a crash, returns the first call's notification and decisions instead of a second
   * notification. Only for kinds that never fold (a fold is the burst's own way of repeating).
   */
  onceKey?: string;
};

export type NotifyResult = {
  notificationId: string;
  folded: boolean;
  decisions: ChannelDecision[];
  /** Time from the call to the recorded decision (also observed as notificationDecisionSeconds). */
  decisionMs: number;
  /** For the desktop and `deliverNow` channels: present when this notification went out before notify returned (`via`: the email provider). */
  delivered: Partial<Record<LimitedChannel, { via: string }>>;
};

export async function notify<K extends NotificationKind>(db: DbOrTx, userId: string, kind: K, input: NotificationInput<K>, options: NotifyOptions = {}): Promise<NotifyResult> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const spec = notificationSpec(kind);
  const data = parseNotificationData(kind, input) as Record<string, unknown>;
  const webhookChannel = (spec.channels as readonly NotificationChannel[]).includes("webhook");
  const [settings, focus, webhookEndpoint] = await Promise.all([
    getNotificationSettings(db, userId),
    readFocus(db, userId, now),
    webhookChannel ? hasWebhookEndpointFor(db, userId, kind) : false,
  ]);
  const { preferences, locale } = settings;
  const moment = notificationMoment(kind, data);
  const decided = decideNotification({ kind, preferences, focus, webhookEndpoint, locale, now, moment });
  const inApp = decided.find((decision) => decision.channel === "inApp");
  const listed = inApp !== undefined && inApp.outcome !== "drop";
  const coalesceKey = spec.coalesce ? `${kind}:${spec.coalesce.key(data)}` : null;
  if (options.onceKey && coalesceKey) throw new Error(`${kind} folds: a repeat folds into the first, so it takes no onceKey`);
  const id = options.onceKey ? onceId(userId, options.onceKey) : undefined;

  const recorded = await db.transaction(async (tx) => {
    const row = await foldOrInsert(tx, { id, userId, kind, data, coalesceKey, listed, now });
    if (row.repeat) return { ...row, decisions: await recordedDecisions(tx, row.id) };
    const decisions = row.folded ? await afterFold(tx, row.id, row.createdAt, decided, { timeZone: preferences.timeZone, locale }, now) : decided;
    await tx.insert(notificationDecisions).values(
      decisions.map((decision) => ({
        notificationId: row.id,
        userId,
        channel: decision.channel,
        outcome: decision.outcome,
        reason: decision.reason,
        reasonText: decision.reasonText,
        deliverAt: decision.deliverAt,
        // In-app is delivered by being listed, in this transaction.
        ...(decision.channel === "inApp" && decision.outcome === "send" ? { deliveredAt: now, deliveredAs: "listed" } : {}),
        createdAt: now,
      })),
    );
    return { ...row, decisions };
  });
  // A repeat of an occurrence already notified: everything below was done (or is the sweep's, if the first call died before it).
  if (recorded.repeat) return { notificationId: recorded.id, folded: false, decisions: recorded.decisions, decisionMs: performance.now() - started, delivered: {} };

  for (const decision of recorded.decisions) metrics.notificationsDecided.inc({ channel: decision.channel, outcome: decision.outcome, reason: decision.reason });
  const decisionMs = performance.now() - started;
  metrics.notificationDecisionSeconds.observe(decisionMs / 1000);
  if (listed) metrics.notificationsDelivered.inc({ channel: "inApp", form: recorded.folded ? "folded" : "single" });

  // A fold leaves the count as it was but changes what the list shows ("51 sync conflicts"): open bells refetch either way.
  if (listed) await announceUnread(db, userId);
  // One decision per channel: each one not dropped (in-app is done) is due at its time.
  const due: DueDelivery[] = recorded.decisions.flatMap((decision) =>
    decision.channel === "inApp" || decision.outcome === "drop" ? [] : [{ userId, channel: decision.channel, at: decision.deliverAt! }],
  );
  // The desktop ping is a realtime publish: sent here rather than through a job round trip.
  const inline = new Set<LimitedChannel>(["desktop", ...(options.deliverNow ?? [])]);
  const later: DueDelivery[] = [];
  const delivered: NotifyResult["delivered"] = {};
  for (const delivery of due) {
    if (!inline.has(delivery.channel) || delivery.at.getTime() > now.getTime()) {
      later.push(delivery);
      continue;
    }
    const outcome = await deliverDue(db, getEnv(), userId, delivery.channel, { now, known: { settings, focus } });
    if (outcome.deferredTo) later.push({ userId, channel: delivery.channel, at: outcome.deferredTo });
    if (outcome.notificationIds.includes(recorded.id)) delivered[delivery.channel] = { via: outcome.via ?? delivery.channel };
  }
  if (later.length) await (options.schedule ?? scheduleDeliveries)(later);
  return { notificationId: recorded.id, folded: recorded.folded, decisions: recorded.decisions, decisionMs, delivered };
}

/** `notify` for producers: a failure to notify is logged, never thrown into the sync push or job that reported the event. */
export async function notifySafely<K extends NotificationKind>(db: DbOrTx, userId: string, kind: K, input: NotificationInput<K>, options?: NotifyOptions): Promise<NotifyResult | null> {
  try {
    return await notify(db, userId, kind, input, options);
  } catch (error) {
    logger.warn("notification failed", { kind, error });
    return null;
  }
}

/** The notification id an occurrence's onceKey names: a UUID (version 8) from the user and the key, the same on every repeat. */
function onceId(userId: string, onceKey: string): string {
  const hex = sha256Hex(`notification-once\u0000${userId}\u0000${onceKey}`);
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What was decided for a notification already recorded (a repeated occurrence), one row per channel. */
async function recordedDecisions(tx: Tx, notificationId: string): Promise<ChannelDecision[]> {
  return tx
    .select({ channel: notificationDecisions.channel, outcome: notificationDecisions.outcome, reason: notificationDecisions.reason, reasonText: notificationDecisions.reasonText, deliverAt: notificationDecisions.deliverAt })
    .from(notificationDecisions)
    .where(eq(notificationDecisions.notificationId, notificationId));
}

type RowInput = { id?: string; userId: string; kind: NotificationKind; data: Record<string, unknown>; coalesceKey: string | null; listed: boolean; now: Date };

/**
 * The unread, recent notification this one folds into (locked per user and key, so a concurrent burst folds too), or a new one;
 * `repeat` when `id` (an occurrence's onceKey) is taken: that notification was made already.
 */
async function foldOrInsert(tx: Tx, input: RowInput): Promise<{ id: string; createdAt: Date; folded: boolean; repeat: boolean }> {
  const { id, userId, kind, data, coalesceKey, listed, now } = input;
  const spec = notificationSpec(kind);
  if (coalesceKey && spec.coalesce) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${userId}:${coalesceKey}`}, 0))`);
    const [open] = await tx
      .select({ id: notifications.id, data: notifications.data, createdAt: notifications.createdAt })
      .from(notifications)
      .where(
        and(
          eq(notifications.userId, userId),
          eq(notifications.coalesceKey, coalesceKey),
          isNull(notifications.readAt),
          gt(notifications.createdAt, new Date(now.getTime() - BURST_MAX_MS)),
          gt(notifications.updatedAt, new Date(now.getTime() - BURST_QUIET_MS)),
        ),
      )
      .orderBy(desc(notifications.createdAt))
      .limit(1);
    if (open) {
      const merged = spec.coalesce.merge(open.data as never, data as never);
      await tx
        .update(notifications)
        .set({ data: merged, count: sql`${notifications.count} + 1`, updatedAt: now, ...(listed ? { listed: true } : {}) })
        .where(eq(notifications.id, open.id));
      return { id: open.id, createdAt: open.createdAt, folded: true, repeat: false };
    }
  }
  const [row] = await tx
    .insert(notifications)
    .values({ id, userId, kind, category: spec.category, priority: spec.priority, data, coalesceKey, listed, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: notifications.id })
    .returning({ id: notifications.id, createdAt: notifications.createdAt });
  return row ? { ...row, folded: false, repeat: false } : { id: id!, createdAt: now, folded: false, repeat: true };
}

/**
 * A notification folded into one that already went out on a channel: on email and desktop nothing
 * more (TOLD_ONCE); on the webhook channel the burst's update waits until the burst has been quiet
 * for BURST_QUIET_MS (at most BURST_MAX_MS after it began) and then goes as one message. Each fold
 * moves the update it finds waiting to the new end, so 200 conflicts in 200 pushes are one message
 * (and, to a webhook, one update), never 200.
 */
async function afterFold(tx: Tx, notificationId: string, createdAt: Date, decided: ChannelDecision[], reader: ReaderClock, now: Date): Promise<ChannelDecision[]> {
  // Per channel (at most four rows, however long the burst): whether the notification went out there,
  // and when the first message still waiting for it goes.
  const earlier = await tx
    .select({
      channel: notificationDecisions.channel,
      wentOut: sql<boolean>`bool_or(${notificationDecisions.deliveredAt} is not null)`,
      waitingUntil: sql<Date | null>`min(${notificationDecisions.deliverAt}) filter (where ${notificationDecisions.deliveredAt} is null and ${notificationDecisions.outcome} <> 'drop')`.mapWith(notificationDecisions.deliverAt),
    })
    .from(notificationDecisions)
    .where(eq(notificationDecisions.notificationId, notificationId))
    .groupBy(notificationDecisions.channel);
  const wentOut = new Set<NotificationChannel>(earlier.filter((row) => row.wentOut).map((row) => row.channel));
  const waitingUntil = new Map(earlier.flatMap((row) => (row.waitingUntil ? [[row.channel, row.waitingUntil.getTime()] as const] : [])));
  const updateAt = new Date(Math.min(now.getTime() + BURST_QUIET_MS, createdAt.getTime() + BURST_MAX_MS));
  const toldOnceText = "folded into a notification already sent; the list shows its count as it grows";
  const hold = { outcome: "hold" as const, reason: "folded" as const, reasonText: `folded into an earlier notification; the update goes at ${clockLabel(reader, updateAt.getTime(), now.getTime())}`, deliverAt: updateAt };
  const decisions = decided.map((decision) => {
    // Urgent ones are never delayed, folded or not.
    if (decision.reason === "urgent" || decision.channel === "inApp" || decision.outcome === "drop") return decision;
    // On email and desktop, a message already waiting for this notification carries the burst (its
    // count as it is then); one of its own held until later would tell the user again ("only if
    // still unread" waits from each event; an open-ended focus is looked at again from each event).
    // One due now joins the waiting message's delivery instead.
    const waiting = waitingUntil.get(decision.channel);
    const later = decision.deliverAt !== null && decision.deliverAt.getTime() > now.getTime();
    if (TOLD_ONCE.includes(decision.channel) && later && waiting !== undefined && waiting < decision.deliverAt!.getTime())
      return { ...decision, outcome: "drop" as const, reason: "folded" as const, reasonText: `folded into a notification whose message goes at ${clockLabel(reader, waiting, now.getTime())}`, deliverAt: null };
    if (!wentOut.has(decision.channel)) return decision;
    if (TOLD_ONCE.includes(decision.channel)) return { ...decision, outcome: "drop" as const, reason: "folded" as const, reasonText: toldOnceText, deliverAt: null };
    if (decision.deliverAt && decision.deliverAt.getTime() >= updateAt.getTime()) return decision;
    return { ...decision, ...hold };
  });
  const moved = decisions.filter((decision) => decision.reason === "folded" && decision.outcome === "hold").map((decision) => decision.channel);
  if (moved.length)
    await tx
      .update(notificationDecisions)
      .set({ deliverAt: hold.deliverAt, reasonText: hold.reasonText })
      .where(
        and(
          eq(notificationDecisions.notificationId, notificationId),
          inArray(notificationDecisions.channel, moved),
          eq(notificationDecisions.reason, "folded"),
          eq(notificationDecisions.outcome, "hold"),
          isNull(notificationDecisions.deliveredAt),
          isNull(notificationDecisions.claimedUntil),
        ),
      );
  return decisions;
}
