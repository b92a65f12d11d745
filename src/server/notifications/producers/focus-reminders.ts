import { and, eq } from "drizzle-orm";
import { summarize, SUMMARY_MAX } from "~/lib/realtime/events";
import type { Db } from "../../db/client";
import { focusBlocks } from "../../db/schema";
import type { JobEvent } from "../../jobs/events";
import { notifySafely } from "../notify";
import { getNotificationPreferences } from "../preferences";

/**
 * "Focus block starting in N minutes": when a block is in the calendar (created or moved), a
 * durable run sleeps until its start minus the user's `focusReminderMinutes`, then reminds —
 * unless the block was removed or moved meanwhile (the run is cancelled, and checks again).
 */

export function focusReminderRequested(userId: string, blockId: string, startsAt: Date): JobEvent {
  return { name: "notifications/focus-reminder.requested", data: { userId, blockId, startsAt: startsAt.toISOString() }, id: `focus-reminder:${blockId}:${startsAt.getTime()}` };
}

export function focusReminderCancelled(userId: string, blockId: string): JobEvent {
  return { name: "notifications/focus-reminder.cancelled", data: { userId, blockId } };
}

/** When to remind: the block's start minus the user's lead time. */
export async function focusReminderTime(db: Db, userId: string, startsAt: string): Promise<string> {
  const { focusReminderMinutes } = await getNotificationPreferences(db, userId);
  return new Date(Date.parse(startsAt) - focusReminderMinutes * 60_000).toISOString();
}

/** Reminds if the block is still in the calendar at the same start, and has not started. */
export async function remindFocusBlock(db: Db, userId: string, blockId: string, startsAt: string, now = new Date()) {
  const [block] = await db.select().from(focusBlocks).where(and(eq(focusBlocks.id, blockId), eq(focusBlocks.userId, userId)));
  if (!block || block.state !== "active") return { reminded: false as const, reason: "the block is gone" };
  if (block.startAt.getTime() !== Date.parse(startsAt)) return { reminded: false as const, reason: "the block moved" };
  if (block.startAt <= now) return { reminded: false as const, reason: "the block has started" };
  const minutes = Math.max(0, Math.round((block.startAt.getTime() - now.getTime()) / 60_000));
  // One reminder per block and start, however often a retried step gets here.
  const result = await notifySafely(db, userId, "calendar.focus_block_starting", { blockId, title: summarize(block.title, SUMMARY_MAX.notificationTitle), startsAt: block.startAt.toISOString(), minutes }, { onceKey: `focus-reminder:${blockId}:${startsAt}` });
  return { reminded: result !== null, minutes };
}
