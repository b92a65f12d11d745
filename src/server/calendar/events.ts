import { and, asc, eq, gt, inArray, lt, ne } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { calendarEvents, calendars, focusBlocks } from "../db/schema";
import type { CalendarProviderId } from "../integrations/registry";
import type { EventsQuery } from "./inputs";

/** What is shown where the user withheld titles, or for a private event (whose title is never kept). */
export const HIDDEN_TITLE = { busy: "Busy", private: "Private event", free: "Free" } as const;

/**
 * calendar.events(): the seed's CalendarEvent shape, merged across providers, for events that
 * overlap [from, to) in the included calendars (or the ones asked for). `description` is never
 * kept (null); `attendees` is a count, and only where the user allows it.
 */
export async function listEvents(db: DbOrTx, userId: string, query: EventsQuery) {
  const rows = await db
    .select({ event: calendarEvents, calendar: { id: calendars.id, provider: calendars.provider, name: calendars.name, color: calendars.color }, blockId: focusBlocks.id })
    .from(calendarEvents)
    .innerJoin(calendars, eq(calendars.id, calendarEvents.calendarId))
    .leftJoin(focusBlocks, and(eq(focusBlocks.calendarId, calendarEvents.calendarId), eq(focusBlocks.externalId, calendarEvents.externalId), eq(focusBlocks.state, "active")))
    .where(
      and(
        eq(calendarEvents.userId, userId),
        query.calendarIds ? inArray(calendars.id, query.calendarIds) : eq(calendars.included, true),
        lt(calendarEvents.startAt, query.to),
        gt(calendarEvents.endAt, query.from),
      ),
    )
    .orderBy(asc(calendarEvents.startAt), asc(calendarEvents.endAt))
    .limit(query.limit);
  return rows.map(({ event, calendar, blockId }) => ({
    id: event.id,
    calendarId: calendar.id,
    calendarName: calendar.name,
    color: calendar.color,
    provider: calendar.provider as CalendarProviderId,
    summary: event.title ?? (event.private ? HIDDEN_TITLE.private : event.busy ? HIDDEN_TITLE.busy : HIDDEN_TITLE.free),
    titleHidden: event.title === null,
    description: null,
    startTime: event.startAt,
    endTime: event.endAt,
    attendees: event.attendees,
    isAllDay: event.allDay,
    recurringEventId: event.seriesId,
    busy: event.busy,
    status: event.status,
    focusTime: event.focusTime,
    focusBlockId: blockId,
    url: event.url,
  }));
}

type BusyInterval = { start: number; end: number; tentative: boolean };

/** Free/busy across the included calendars: what suggestions avoid (tentative ones only count as soft conflicts). */
export async function busyIntervals(db: DbOrTx, userId: string, range: { from: Date; to: Date }, exceptEventId?: string): Promise<BusyInterval[]> {
  const rows = await db
    .select({ startAt: calendarEvents.startAt, endAt: calendarEvents.endAt, status: calendarEvents.status })
    .from(calendarEvents)
    .innerJoin(calendars, eq(calendars.id, calendarEvents.calendarId))
    .where(
      and(
        eq(calendarEvents.userId, userId),
        eq(calendars.included, true),
        eq(calendarEvents.busy, true),
        lt(calendarEvents.startAt, range.to),
        gt(calendarEvents.endAt, range.from),
        exceptEventId ? ne(calendarEvents.id, exceptEventId) : undefined,
      ),
    );
  return rows.filter((row) => row.status !== "cancelled").map((row) => ({ start: row.startAt.getTime(), end: row.endAt.getTime(), tentative: row.status === "tentative" }));
}
