import { NOTIFICATION_PRIORITIES, type NotificationPriority } from "~/lib/notifications/catalog";

/**
 * What a kind's priority (the catalog's `urgent` / `normal` / `low`) changes, in one place.
 * Decisions treat normal and low alike (decide.ts); priority matters when sends queue up behind
 * a rate limit or a backlog, and there the rule is: most important first, first come first
 * served within one priority, and nothing dropped.
 *
 * - **urgent** (a new device, the deletion notice) is never held (decide.ts), goes first in a
 *   delivery as messages of its own kind (deliver.ts), has a per-user allowance of its own, and
 *   of each channel's global ceiling a reserve that ordinary mail never takes (`sharedPoints`):
 *   a backlog of ordinary mail, however large, never holds a security notice back.
 * - **normal** is the default: sent when its holds end, within the user's allowances and what
 *   the global ceiling leaves beside the urgent reserve.
 * - **low** (the weekly summary) never interrupts: while a normal notice waits for the same user
 *   and channel, a low one waits to go in the same message (deliver.ts); it may use only half of
 *   any allowance, so it never takes the room a normal one needs; and at the global ceiling it
 *   waits while more important mail is waiting (rate-limits.ts). Low notices may wait longest.
 */

/** Most important first: the catalog lists them in that order. */
const RANK: Record<NotificationPriority, number> = Object.fromEntries(NOTIFICATION_PRIORITIES.map((priority, rank) => [priority, rank])) as Record<NotificationPriority, number>;

/** Most important first, then oldest first (first come, first served within one priority). */
export function byPriority<T extends { priority: NotificationPriority; createdAt: Date }>(a: T, b: T): number {
  return RANK[a.priority] - RANK[b.priority] || a.createdAt.getTime() - b.createdAt.getTime();
}

/** The priorities a send of this one gives way to. */
export function moreImportantThan(priority: NotificationPriority): NotificationPriority[] {
  return NOTIFICATION_PRIORITIES.filter((other) => RANK[other] < RANK[priority]);
}

/** A message carrying several notices has the priority of its most important one. */
export function priorityOf(notices: readonly { priority: NotificationPriority }[]): NotificationPriority {
  return notices.reduce<NotificationPriority>((most, notice) => (RANK[notice.priority] < RANK[most] ? notice.priority : most), "low");
}

/** Of a global ceiling, this part is kept for urgent messages. */
const URGENT_RESERVE = 0.1;
/** Low-priority messages use at most this part of any allowance. */
const LOW_SHARE = 0.5;

/**
 * How many of an allowance's `points` a message of this priority may use within one window.
 * `urgentReserve`: the allowance is shared with urgent messages (a global ceiling), so ordinary
 * ones stop a tenth short of it. Never below one, so a tiny limit still lets every priority through.
 */
export function sharedPoints(priority: NotificationPriority, points: number, { urgentReserve }: { urgentReserve: boolean }): number {
  if (priority === "urgent") return points;
  const ordinary = urgentReserve ? Math.max(1, points - Math.ceil(points * URGENT_RESERVE)) : points;
  return priority === "normal" ? ordinary : Math.max(1, Math.min(ordinary, Math.ceil(points * LOW_SHARE)));
}
