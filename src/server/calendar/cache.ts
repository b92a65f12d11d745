import { and, eq, inArray, lt, notInArray, or, sql } from "drizzle-orm";
import type { PrivacySettings } from "~/lib/schemas/privacy";
import type { DbOrTx } from "../db/client";
import { calendarEvents, calendars } from "../db/schema";
import type { CalendarEvent } from "../integrations/provider";
import { CALENDAR_SYNC } from "./facts";

/**
 * The event cache. Free/busy is always kept; a title only when the user allows titles and the
 * event is not private; the attendee count only when the user allows attendees. Every row
 * carries its expiry (the provider's retention setting), refreshed by each sync that sees it.
 */

export type CalendarRow = typeof calendars.$inferSelect;
export type CachedEventRow = typeof calendarEvents.$inferSelect;
type CalendarPrivacy = PrivacySettings["calendar"];

/** What may be kept of one event, under the user's settings. */
export function cacheableEvent(event: CalendarEvent, privacy: CalendarPrivacy) {
  return {
    externalId: event.id,
    title: privacy.titles && !event.private ? event.title : null,
    attendees: privacy.attendees ? event.attendees : null,
    startAt: new Date(event.start),
    endAt: new Date(event.end),
    allDay: event.allDay,
    busy: event.busy,
    private: event.private,
    status: event.status,
    focusTime: event.focusTime,
    seriesId: event.seriesId,
    url: event.url && /^https?:\/\//.test(event.url) ? event.url : null,
  };
}

/** Inserts or refreshes events of one calendar (one statement per chunk). */
export async function writeEvents(db: DbOrTx, calendar: Pick<CalendarRow, "id" | "userId">, events: CalendarEvent[], privacy: CalendarPrivacy, expiresAt: Date) {
  const now = new Date();
  for (let start = 0; start < events.length; start += CALENDAR_SYNC.writeChunk) {
    const rows = events.slice(start, start + CALENDAR_SYNC.writeChunk).map((event) => ({ ...cacheableEvent(event, privacy), userId: calendar.userId, calendarId: calendar.id, expiresAt, updatedAt: now }));
    await db
      .insert(calendarEvents)
      .values(rows)
      .onConflictDoUpdate({
        target: [calendarEvents.calendarId, calendarEvents.externalId],
        set: {
          title: sql`excluded.title`,
          attendees: sql`excluded.attendees`,
          startAt: sql`excluded.start_at`,
          endAt: sql`excluded.end_at`,
          allDay: sql`excluded.all_day`,
          busy: sql`excluded.busy`,
          private: sql`excluded.private`,
          status: sql`excluded.status`,
          focusTime: sql`excluded.focus_time`,
          seriesId: sql`excluded.series_id`,
          url: sql`excluded.url`,
          expiresAt: sql`excluded.expires_at`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  }
}

/** Removes the named events of one calendar; a removed series (Google names the series, not each instance) takes its instances. */
export async function removeEvents(db: DbOrTx, calendarId: string, externalIds: string[]) {
  if (externalIds.length === 0) return 0;
  const removed = await db
    .delete(calendarEvents)
    .where(and(eq(calendarEvents.calendarId, calendarId), or(inArray(calendarEvents.externalId, externalIds), inArray(calendarEvents.seriesId, externalIds))))
    .returning({ id: calendarEvents.id });
  return removed.length;
}

/** After a full sync: everything of the calendar the provider no longer listed goes. */
export async function keepOnlyEvents(db: DbOrTx, calendarId: string, externalIds: string[]) {
  const removed = await db
    .delete(calendarEvents)
    .where(and(eq(calendarEvents.calendarId, calendarId), externalIds.length ? notInArray(calendarEvents.externalId, externalIds) : undefined))
    .returning({ externalId: calendarEvents.externalId });
  return removed.map((row) => row.externalId);
}

/** Where each of these events stood before a sync (all of the calendar's when `externalIds` is null). */
export async function cachedTimes(db: DbOrTx, calendarId: string, externalIds: string[] | null) {
  if (externalIds?.length === 0) return new Map<string, { start: number; end: number }>();
  const rows = await db
    .select({ externalId: calendarEvents.externalId, startAt: calendarEvents.startAt, endAt: calendarEvents.endAt })
    .from(calendarEvents)
    .where(and(eq(calendarEvents.calendarId, calendarId), externalIds ? inArray(calendarEvents.externalId, externalIds) : undefined));
  return new Map(rows.map((row) => [row.externalId, { start: row.startAt.getTime(), end: row.endAt.getTime() }]));
}

/**
 * A privacy switch takes effect on what is cached now: turned off, the titles or counts go at
 * once; turned on, every calendar is read in full again (its cursor dropped) to fill them in.
 * Returns whether a full read is needed.
 */
export async function applyCalendarPrivacy(db: DbOrTx, userId: string, before: CalendarPrivacy, after: CalendarPrivacy): Promise<boolean> {
  if (!after.titles) await db.update(calendarEvents).set({ title: null }).where(and(eq(calendarEvents.userId, userId), sql`${calendarEvents.title} is not null`));
  if (!after.attendees) await db.update(calendarEvents).set({ attendees: null }).where(and(eq(calendarEvents.userId, userId), sql`${calendarEvents.attendees} is not null`));
  const widened = (after.titles && !before.titles) || (after.attendees && !before.attendees);
  if (widened) await db.update(calendars).set({ syncCursor: null }).where(eq(calendars.userId, userId));
  return widened;
}

/** Cached events past their retention (the cleanup job). */
export async function trimExpiredEvents(db: DbOrTx, now = new Date()) {
  const removed = await db.delete(calendarEvents).where(lt(calendarEvents.expiresAt, now)).returning({ id: calendarEvents.id });
  return removed.length;
}
