import { and, asc, eq, gt, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import { notificationDataAsOf, notificationMoment, notificationSpec, presentNotification, type AnyNotification, type NotificationPresentation, type NotificationPriority } from "~/lib/notifications/catalog";
import { summarize, SUMMARY_MAX } from "~/lib/realtime/events";
import type { NotificationPreferences } from "~/lib/schemas/notifications";
import type { Db } from "../db/client";
import { notificationDecisions, notifications, users } from "../db/schema";
import { sendEmail, type DigestItem, type DigestWindow } from "../email/send";
import type { Env } from "../env";
import { sha256Hex } from "../hash";
import { metrics, type NotificationDecisionReason } from "../metrics/registry";
import { publishSafely } from "../realtime/publisher";
import { queueWebhookDeliveries } from "../webhooks/dispatch";
import { holdUntil, INTERRUPTING_CHANNELS, pastMoment, type FocusState, type Hold } from "./decide";
import { readFocus } from "./focus";
import { getNotificationSettings, type NotificationSettings } from "./preferences";
import { byPriority, priorityOf } from "./priority";
import { takeSendSlot, type LimitedChannel } from "./rate-limits";
import { clockLabel, type ReaderClock } from "./clock";

/**
 * Delivery: everything due for one user on one channel leaves as ONE message — a single
 * notification when one is due, a digest when several are (the hourly or daily window
 * closing, quiet hours ending, a rate limit lifting). Called by the delivery job at the
 * moment a hold ends and inline for the desktop ping.
 *
 * Nothing is lost: due rows are claimed with a lease (`claimedUntil`), marked delivered only
 * after the send; a send that throws releases them for the job's retry, and a process that
 * dies mid-send leaves them to the sweep once the lease runs out. Holds are looked at again
 * at release (a focus or do-not-disturb may have begun), and a rate-limited send is held
 * until the limiter allows it.
 *
 * Read already: a person who has read a notification in the app (the list, the bell, the desktop
 * app) is not told about it again. An email or desktop ping still waiting for it (a digest, quiet
 * hours, a rate limit) leaves it out, and a message of nothing but read ones is not sent; the
 * decision is dropped with the reason "read". Urgent notices go out whatever (they are security
 * mail, and never wait long enough to be read first anyway), and webhooks still carry read ones:
 * an endpoint mirrors the notifications, it does not interrupt anyone.
 *
 * Priority (priority.ts): what is due leaves most important first — urgent notices as messages
 * of their own, then one message for the rest, normal before low — and low ones due alone wait
 * for a normal notice already waiting, to go in its message rather than interrupt twice.
 */

const CLAIM_MS = 5 * 60_000;

type DueRow = {
  decisionId: string;
  notificationId: string;
  kind: AnyNotification["kind"];
  category: string;
  priority: NotificationPriority;
  data: unknown;
  coalesceKey: string | null;
  createdAt: Date;
  readAt: Date | null;
};

/** `notificationIds`: the notifications that went out in the message; `calls`: messages that left (emails, desktop pings, webhook deliveries: one per endpoint); `via`: the email provider. */
export type DeliveryOutcome = { delivered: number; messages: number; calls: number; deferredTo: Date | null; notificationIds: string[]; via?: string };

/** What the caller already read for this user at this moment (notify has both): not read again. */
export type KnownState = { settings?: NotificationSettings; focus?: FocusState };

export async function deliverDue(db: Db, env: Env, userId: string, channel: LimitedChannel, { now = new Date(), known = {} }: { now?: Date; known?: KnownState } = {}): Promise<DeliveryOutcome> {
  // Most important first, oldest first within a priority (priority.ts): the order messages leave in.
  let rows = (await claimDue(db, userId, channel, now)).sort(byPriority);
  if (rows.length === 0) return { delivered: 0, messages: 0, calls: 0, deferredTo: null, notificationIds: [] };
  let deferredTo: Date | null = null;
  // Read at most once per delivery, and only when needed.
  let settingsRead: Promise<NotificationSettings> | undefined;
  const settings = () => (settingsRead ??= known.settings ? Promise.resolve(known.settings) : getNotificationSettings(db, userId));
  /** Whose clock a re-hold's reason is written on (their zone and locale). */
  const reader = async (): Promise<ReaderClock> => {
    const { preferences, locale } = await settings();
    return { timeZone: preferences.timeZone, locale };
  };
  /** On the interrupting channels, drops the rows that would go at `at` or later than what they are about (a focus block's start); returns them. */
  const dropPastMoment = async (candidates: DueRow[], at: Date, why?: string) => {
    if (!INTERRUPTING_CHANNELS.includes(channel)) return [];
    const past = candidates.filter((row) => (momentOfRow(row)?.getTime() ?? Infinity) <= at.getTime());
    for (const row of past) await dropAs(db, channel, [row], pastMoment(await reader(), momentOfRow(row)!, now, why));
    return past;
  };
  const holdBack = async (held: DueRow[], hold: Hold) => {
    // Held until its moment or later (a reminder whose block starts first): not sent here at all.
    const pastIt = await dropPastMoment(held, hold.deliverAt, hold.reasonText);
    const stillHeld = held.filter((row) => !pastIt.includes(row));
    if (stillHeld.length) {
      await holdAgain(db, channel, stillHeld, hold);
      deferredTo = earliest(deferredTo, hold.deliverAt);
    }
    const heldIds = new Set(held.map((row) => row.decisionId));
    rows = rows.filter((row) => !heldIds.has(row.decisionId));
  };

  if (INTERRUPTING_CHANNELS.includes(channel)) {
    const read = rows.filter((row) => row.priority !== "urgent" && row.readAt !== null);
    if (read.length) await dropAs(db, channel, read, { reason: "read", reasonText: "read in the app before it went out" });
    // Held past what it is about (a focus block that has started): its words are no longer true.
    const past = await dropPastMoment(rows.filter((row) => !read.includes(row)), now);
    if (read.length || past.length) {
      rows = rows.filter((row) => !read.includes(row) && !past.includes(row));
      if (rows.length === 0) return { delivered: 0, messages: 0, calls: 0, deferredTo, notificationIds: [] };
    }
  }

  // A hold that began after the decision (focus, do-not-disturb, quiet hours reached) holds the non-urgent ones again.
  const ordinary = rows.filter((row) => row.priority !== "urgent");
  if (ordinary.length) {
    const [{ preferences: current, locale }, focus] = await Promise.all([settings(), "focus" in known ? known.focus! : readFocus(db, userId, now)]);
    const clock = { timeZone: current.timeZone, locale };
    const hold = holdUntil(current, focus, now, null, locale);
    if (hold) await holdBack(ordinary, hold);
    // Low ones never interrupt: while a normal notice waits for this user and channel (a digest, a
    // rate limit), they wait to go in its message rather than send one of their own now.
    else if (ordinary.every((row) => row.priority === "low")) {
      const next = await nextWaitingNormal(db, userId, channel, now);
      if (next) await holdBack(ordinary, { reason: next.reason, reasonText: `low priority: goes with the message at ${clockLabel(clock, next.deliverAt.getTime(), now.getTime())}`, deliverAt: next.deliverAt });
    }
    if (rows.length === 0) return { delivered: 0, messages: 0, calls: 0, deferredTo, notificationIds: [] };
  }

  // One send slot per delivery for the urgent ones (their own allowance) and one for the rest,
  // taken in that order, each as much as its most important notice may use (rate-limits.ts);
  // what the limiter refuses is held until it allows, never dropped.
  const allowed: DueRow[] = [];
  for (const urgent of [true, false]) {
    const part = rows.filter((row) => (row.priority === "urgent") === urgent);
    if (part.length === 0) continue;
    const retryAt = await takeSendSlot(db, env, userId, channel, { priority: priorityOf(part), now: now.getTime() });
    if (!retryAt) {
      allowed.push(...part);
      continue;
    }
    await holdBack(part, { reason: "rate_limited", reasonText: `rate limited: sent at ${clockLabel(await reader(), retryAt.getTime(), now.getTime())}`, deliverAt: retryAt });
  }

  // Urgent kinds (new devices, the deletion notice) go first, as messages of their own kind, never
  // inside a digest whose subject would hide them (30 devices signing in are still one message);
  // everything else due now goes as one message, normal notices before low ones.
  const urgentKinds = [...new Set(allowed.filter((row) => row.priority === "urgent").map((row) => row.kind))];
  const urgent = urgentKinds.map((kind) => allowed.filter((row) => row.priority === "urgent" && row.kind === kind));
  const rest = allowed.filter((row) => row.priority !== "urgent");
  const outcome: DeliveryOutcome = { delivered: 0, messages: 0, calls: 0, deferredTo, notificationIds: [] };
  for (const group of [...urgent, ...(rest.length ? [rest] : [])]) {
    const part = await sendGroup(db, env, userId, channel, group, now, settings);
    outcome.delivered += part.delivered;
    outcome.messages += part.messages;
    outcome.calls += part.calls;
    outcome.notificationIds.push(...part.notificationIds);
    if (part.via) outcome.via ??= part.via;
  }
  return outcome;
}

/**
 * The next normal notice waiting for this user and channel (held for a digest, quiet hours, a
 * rate limit): the message low ones wait to go in. Urgent ones are not it: they go alone.
 */
async function nextWaitingNormal(db: Db, userId: string, channel: LimitedChannel, now: Date): Promise<{ deliverAt: Date; reason: NotificationDecisionReason } | null> {
  const [next] = await db
    .select({ deliverAt: notificationDecisions.deliverAt, reason: notificationDecisions.reason })
    .from(notificationDecisions)
    .innerJoin(notifications, eq(notifications.id, notificationDecisions.notificationId))
    .where(and(pendingFor(userId, channel), gt(notificationDecisions.deliverAt, now), eq(notifications.priority, "normal")))
    .orderBy(asc(notificationDecisions.deliverAt))
    .limit(1);
  return next?.deliverAt ? { deliverAt: next.deliverAt, reason: next.reason } : null;
}

/** Sends one message for these claimed rows and records how it left (or why it could not). */
async function sendGroup(db: Db, env: Env, userId: string, channel: LimitedChannel, rows: DueRow[], now: Date, settings: () => Promise<NotificationSettings>) {
  let sent: Sent;
  try {
    // Said as of now: a reminder held since it was decided gives the minutes left now.
    const asSent = rows.map((row) => ({ ...row, data: notificationDataAsOf(row.kind, row.data, now) }));
    sent = await send(db, env, userId, channel, asSent, settings);
  } catch (error) {
    await release(db, rows);
    throw error;
  }
  const ids = rows.map((row) => row.decisionId);
  if (sent.outcome) {
    await db
      .update(notificationDecisions)
      .set({ outcome: "drop", reason: sent.outcome.reason, reasonText: sent.outcome.reasonText, claimedUntil: null, deliveredAs: sent.as })
      .where(inArray(notificationDecisions.id, ids));
    metrics.notificationsDecided.inc({ channel, outcome: "drop", reason: sent.outcome.reason }, ids.length);
    return { delivered: 0, messages: 0, calls: sent.calls, notificationIds: [] };
  }
  await db.update(notificationDecisions).set({ deliveredAt: now, deliveredAs: sent.as, claimedUntil: null }).where(inArray(notificationDecisions.id, ids));
  const notificationIds = [...new Set(rows.map((row) => row.notificationId))];
  metrics.notificationsDelivered.inc({ channel, form: notificationIds.length > 1 ? "digest" : "single" });
  return { delivered: notificationIds.length, messages: 1, calls: sent.calls, notificationIds, ...(sent.via ? { via: sent.via } : {}) };
}

/** The user's decisions on the channel still to go out (sent now or held, not yet delivered): the delivery queue. */
const pendingFor = (userId: string, channel: LimitedChannel) =>
  and(eq(notificationDecisions.userId, userId), eq(notificationDecisions.channel, channel), isNull(notificationDecisions.deliveredAt), ne(notificationDecisions.outcome, "drop"));

/** Due and unclaimed rows, claimed in one statement so two deliverers never send the same row. */
async function claimDue(db: Db, userId: string, channel: LimitedChannel, now: Date): Promise<DueRow[]> {
  const claimed = await db
    .update(notificationDecisions)
    .set({ claimedUntil: new Date(now.getTime() + CLAIM_MS) })
    .where(and(pendingFor(userId, channel), lte(notificationDecisions.deliverAt, now), or(isNull(notificationDecisions.claimedUntil), lt(notificationDecisions.claimedUntil, now))))
    .returning({ id: notificationDecisions.id });
  if (claimed.length === 0) return [];
  return db
    .select({
      decisionId: notificationDecisions.id,
      notificationId: notifications.id,
      kind: notifications.kind,
      category: notifications.category,
      priority: notifications.priority,
      data: notifications.data,
      coalesceKey: notifications.coalesceKey,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
    })
    .from(notificationDecisions)
    .innerJoin(notifications, eq(notifications.id, notificationDecisions.notificationId))
    .where(inArray(notificationDecisions.id, claimed.map((row) => row.id)))
    .orderBy(asc(notifications.createdAt));
}

async function release(db: Db, rows: DueRow[]) {
  await db.update(notificationDecisions).set({ claimedUntil: null }).where(inArray(notificationDecisions.id, rows.map((row) => row.decisionId)));
}

async function holdAgain(db: Db, channel: LimitedChannel, rows: DueRow[], hold: Hold) {
  await db
    .update(notificationDecisions)
    .set({ outcome: "hold", reason: hold.reason, reasonText: hold.reasonText, deliverAt: hold.deliverAt, claimedUntil: null })
    .where(inArray(notificationDecisions.id, rows.map((row) => row.decisionId)));
  metrics.notificationsDecided.inc({ channel, outcome: "hold", reason: hold.reason }, rows.length);
}

/** Not sent after all (read since, or past its moment): dropped with the reason, so the decision log says why. */
async function dropAs(db: Db, channel: LimitedChannel, rows: DueRow[], { reason, reasonText }: { reason: NotificationDecisionReason; reasonText: string }) {
  await db
    .update(notificationDecisions)
    .set({ outcome: "drop", reason, reasonText, claimedUntil: null })
    .where(inArray(notificationDecisions.id, rows.map((row) => row.decisionId)));
  metrics.notificationsDecided.inc({ channel, outcome: "drop", reason }, rows.length);
}

/** One message's name, from the decisions it carries: the same on a retry of that message, another for any other message. */
const messageKeyOf = (rows: DueRow[]) => sha256Hex(rows.map((row) => row.decisionId).sort().join(","));

const earliest = (a: Date | null, b: Date) => (a && a < b ? a : b);

/** One row per notification (several decisions of a folded burst point at the same one). */
function distinctNotifications(rows: DueRow[]): DueRow[] {
  const seen = new Map<string, DueRow>();
  for (const row of rows) if (!seen.has(row.notificationId)) seen.set(row.notificationId, row);
  return [...seen.values()];
}

const asNotification = (row: DueRow) => ({ kind: row.kind, data: row.data }) as AnyNotification;
const momentOfRow = (row: DueRow) => notificationMoment(row.kind, row.data);

/** How a message left (`as`, recorded), its email provider, or why it could not (then the rows are dropped with that reason). */
type Sent = { as: string; calls: number; via?: string; outcome?: { reason: NotificationDecisionReason; reasonText: string } };

async function send(db: Db, env: Env, userId: string, channel: LimitedChannel, rows: DueRow[], settings: () => Promise<NotificationSettings>): Promise<Sent> {
  const items = distinctNotifications(rows);
  const form = items.length > 1 ? `digest of ${items.length}` : "single";
  if (channel === "desktop") {
    await publishSafely(userId, "notification:new", desktopPing(items, rows[0]!.decisionId));
    return { as: form, calls: 1 };
  }
  if (channel === "email") return sendByEmail(db, env, userId, items, rows, form, await settings());
  return sendByWebhook(db, userId, items, form);
}

/** One notification as itself; several as one summary ping (the list has them all). */
function desktopPing(items: DueRow[], firstDecisionId: string) {
  if (items.length === 1) {
    const shown = presentNotification(asNotification(items[0]!));
    return { id: items[0]!.notificationId, ...pingText(shown) };
  }
  const shown = items.map((item) => presentNotification(asNotification(item)));
  const level = shown.some((item) => item.level === "error") ? "error" : shown.some((item) => item.level === "warning") ? "warning" : "info";
  return { id: `digest-${firstDecisionId}`, title: `${items.length} notifications`, body: summarize(shown.map((item) => item.title).join(" · "), SUMMARY_MAX.notificationBody), level } as const;
}

function pingText(shown: NotificationPresentation) {
  return {
    title: summarize(shown.title, SUMMARY_MAX.notificationTitle),
    ...(shown.body ? { body: summarize(shown.body, SUMMARY_MAX.notificationBody) } : {}),
    level: shown.level,
    ...(shown.href ? { href: shown.href } : {}),
  };
}

/** The reader's own frequency, when some notice in the digest follows one; else they asked for each at once, and a hold (focus, quiet hours, do-not-disturb, a limit) gathered them. */
function digestWindowOf(items: DueRow[], preferences: NotificationPreferences): DigestWindow {
  const frequencies = new Set(items.map((item) => preferences.categories[item.category as keyof typeof preferences.categories]?.frequency));
  if (frequencies.has("daily")) return "daily";
  if (frequencies.has("hourly")) return "hourly";
  return "held";
}

async function sendByEmail(db: Db, env: Env, userId: string, items: DueRow[], rows: DueRow[], form: string, { preferences, locale }: NotificationSettings): Promise<Sent> {
  const [user] = await db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, userId));
  if (!user) return { as: form, calls: 0, outcome: { reason: "suppressed_address" as const, reasonText: "the account is gone" } };
  const categories = new Set(items.map((item) => item.category));
  const [only] = categories;
  // The same claimed set gives the same key: a retry after a crash sends the message once.
  const idempotencyKey = `notification:${messageKeyOf(rows)}`;
  const content =
    items.length === 1
      ? { template: "notification" as const, notification: { ...asNotification(items[0]!), id: items[0]!.notificationId } }
      : {
          template: "digest" as const,
          window: digestWindowOf(items, preferences),
          items: items.map((item): DigestItem => ({ ...asNotification(item), id: item.notificationId, createdAt: item.createdAt.toISOString() })),
        };
  const result = await sendEmail(db, env, {
    userId,
    to: user.email,
    recipientName: user.name,
    idempotencyKey,
    content,
    // Security mail has no unsubscribe; a digest mixing categories offers the preferences page instead.
    ...(categories.size === 1 && only !== "security" ? { unsubscribeCategory: only as never } : {}),
    timeZone: preferences.timeZone,
    locale,
  });
  if (result.status === "suppressed") return { as: form, calls: 0, outcome: { reason: "suppressed_address" as const, reasonText: result.reason } };
  // The embedded default writes to the outbox folder through the SMTP provider: say where it went.
  const via = result.outboxFile ? "outbox" : result.provider;
  return { as: `${form} via ${via}`, calls: 1, via };
}

/**
 * Webhooks carry typed notifications, not prose, so a digest is the window's notifications
 * folded per kind and coalesce key (the catalog's merge): one delivery per group.
 */
async function sendByWebhook(db: Db, userId: string, items: DueRow[], form: string): Promise<Sent> {
  const groups = new Map<string, DueRow[]>();
  for (const item of items) {
    const key = item.coalesceKey ?? item.notificationId;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  let endpoints = 0;
  for (const group of groups.values()) {
    const newest = group.at(-1)!;
    const coalesce = notificationSpec(newest.kind).coalesce;
    const data = coalesce ? group.slice(1).reduce<Record<string, unknown>>((merged, item) => coalesce.merge(merged, item.data as never), group[0]!.data as Record<string, unknown>) : newest.data;
    const messageId = `msg_${messageKeyOf(group).slice(0, 32)}`;
    const queued = await queueWebhookDeliveries(db, userId, { ...asNotification({ ...newest, data }), id: newest.notificationId, createdAt: newest.createdAt.toISOString() }, messageId);
    endpoints += queued.endpoints;
  }
  // An endpoint removed or turned off since the decision: nothing went out.
  if (endpoints === 0) return { as: form, calls: 0, outcome: { reason: "no_endpoint" as const, reasonText: "no webhook endpoint receives these notifications" } };
  return { as: `${form} in ${groups.size} ${groups.size === 1 ? "delivery" : "deliveries"} to ${endpoints} endpoint${endpoints === 1 ? "" : "s"}`, calls: endpoints };
}

/** Users and channels with deliveries overdue (a missed event, an expired claim): the sweep asks for them again. */
export async function overdueDeliveries(db: Db, now = new Date(), graceMs = 60_000): Promise<{ userId: string; channel: LimitedChannel }[]> {
  const rows = await db
    .selectDistinct({ userId: notificationDecisions.userId, channel: notificationDecisions.channel })
    .from(notificationDecisions)
    .where(
      and(
        isNull(notificationDecisions.deliveredAt),
        ne(notificationDecisions.outcome, "drop"),
        lt(notificationDecisions.deliverAt, new Date(now.getTime() - graceMs)),
        or(isNull(notificationDecisions.claimedUntil), lt(notificationDecisions.claimedUntil, now)),
        sql`${notificationDecisions.channel} <> 'inApp'`,
      ),
    );
  return rows as { userId: string; channel: LimitedChannel }[];
}
