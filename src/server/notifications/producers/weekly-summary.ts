import { and, eq, gte, lt, sql } from "drizzle-orm";
import { DAY, weekdayOfWall } from "~/lib/calendar/zoned-time";
import type { Db } from "../../db/client";
import { externalDataCache, focusBlocks, syncConflicts, users } from "../../db/schema";
import { notifySafely } from "../notify";

/**
 * The weekly summary, from what the server holds: commits the git integrations fetched,
 * minutes of focus blocks booked in the calendar, and sync conflicts resolved. Coding time is
 * not among them: activities and focus sessions sync end-to-end encrypted, so the server cannot
 * read them and reports 0 (the catalog leaves coding out of the text when it is 0).
 */

/** The Monday (UTC) starting the week before the one `now` is in: the week a Monday-morning summary is about. */
export function previousWeekStart(now: Date): string {
  const daysSinceMonday = (weekdayOfWall(now.getTime()) + 6) % 7;
  const thisMonday = Math.floor(now.getTime() / DAY) - daysSinceMonday;
  return new Date((thisMonday - 7) * DAY).toISOString().slice(0, 10);
}

export async function usersForWeeklySummary(db: Db): Promise<string[]> {
  return (await db.select({ id: users.id }).from(users)).map((row) => row.id);
}

async function weeklySummaryOf(db: Db, userId: string, weekStart: string) {
  const from = new Date(`${weekStart}T00:00:00Z`);
  const to = new Date(from.getTime() + 7 * DAY);
  const [commits] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(externalDataCache)
    .where(and(eq(externalDataCache.userId, userId), eq(externalDataCache.dataType, "commit"), gte(externalDataCache.occurredAt, from), lt(externalDataCache.occurredAt, to)));
  const [focus] = await db
    .select({ minutes: sql<number>`coalesce(sum(extract(epoch from (${focusBlocks.endAt} - ${focusBlocks.startAt})) / 60), 0)::int` })
    .from(focusBlocks)
    .where(and(eq(focusBlocks.userId, userId), eq(focusBlocks.state, "active"), gte(focusBlocks.startAt, from), lt(focusBlocks.startAt, to)));
  const [resolved] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(syncConflicts)
    .where(and(eq(syncConflicts.userId, userId), eq(syncConflicts.status, "resolved"), gte(syncConflicts.resolvedAt, from), lt(syncConflicts.resolvedAt, to)));
  return { weekStart, codingMinutes: 0, commits: commits?.count ?? 0, focusMinutes: focus?.minutes ?? 0, conflictsResolved: resolved?.count ?? 0 };
}

/** Computes and sends one user's summary; a week with nothing in it sends nothing. */
export async function sendWeeklySummary(db: Db, userId: string, weekStart: string) {
  const summary = await weeklySummaryOf(db, userId, weekStart);
  if (summary.commits === 0 && summary.focusMinutes === 0 && summary.conflictsResolved === 0) return { sent: false as const, summary };
  // Once per week: the job's step run again after a crash is not a second summary.
  const result = await notifySafely(db, userId, "summary.weekly", summary, { onceKey: `weekly-summary:${weekStart}` });
  return { sent: result !== null, summary };
}
