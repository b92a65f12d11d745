import { and, asc, eq, gt, inArray, lt, ne } from "drizzle-orm";
import { z } from "zod";
import { ZTimestamp } from "~/lib/schemas/primitives";
import type { DbOrTx } from "../db/client";
import { calendarEvents, calendars, focusBlocks } from "../db/schema";
import { calendarProviderIds, type CalendarProviderId } from "../integrations/registry";
import type { CachedEventRow } from "./cache";
import type { EventsQuery } from "./inputs";

/** What is shown where the user withheld titles, or for a private event (whose title is never kept). */
const HIDDEN_TITLE = { busy: "Busy", private: "Private event", free: "Free" } as const;

/** An event's title as pages show it: its own where kept, else what it is ("Private event", "Busy", "Free"). */
export function shownSummary(event: Pick<CachedEventRow, "title" | "private" | "busy">): string {
  return event.title ?? (event.private ? HIDDEN_TITLE.private : event.busy ? HIDDEN_TITLE.busy : HIDDEN_TITLE.free);
}

/** The active focus block an event stands for, if DevPulse booked it. */
const blockOfEvent = and(eq(focusBlocks.calendarId, calendarEvents.calendarId), eq(focusBlocks.externalId, calendarEvents.externalId), eq(focusBlocks.state, "active"));

/**
 * Busy, timed, not cancelled events of the included calendars (in a range, or the ones named),
 * each with its calendar and the focus block it stands for: what conflicts and the calendar's
 * status are made of.
 */
export async function busyTimedEvents(db: DbOrTx, userId: string, filter: { range: { from: Date; to: Date } } | { ids: string[] }) {
  const rows = await db
    .select({ event: calendarEvents, calendarName: calendars.name, provider: calendars.provider, calendarExternalId: calendars.externalId, blockId: focusBlocks.id })
    .from(calendarEvents)
    .innerJoin(calendars, eq(calendars.id, calendarEvents.calendarId))
    .leftJoin(focusBlocks, blockOfEvent)
    .where(
      and(
        eq(calendarEvents.userId, userId),
        eq(calendars.included, true),
        eq(calendarEvents.busy, true),
        eq(calendarEvents.allDay, false),
        ne(calendarEvents.status, "cancelled"),
        "ids" in filter ? inArray(calendarEvents.id, filter.ids) : and(lt(calendarEvents.startAt, filter.range.to), gt(calendarEvents.endAt, filter.range.from)),
      ),
    )
    .orderBy(asc(calendarEvents.startAt));
  return rows.map((row) => ({ ...row, id: row.event.id, start: row.event.startAt.getTime(), end: row.event.endAt.getTime(), focus: row.blockId !== null || row.event.focusTime }));
}
export type BusyTimedEvent = Awaited<ReturnType<typeof busyTimedEvents>>[number];

/** An event as calendar.events() answers it (the seed's CalendarEvent). */
export const ZCalendarEvent = z.object({
  id: z.string(),
  calendarId: z.string(),
  calendarName: z.string(),
  color: z.string().nullable(),
  provider: z.enum(calendarProviderIds as [CalendarProviderId, ...CalendarProviderId[]]),
  /** The title where the user keeps titles, else what it is: "Busy", "Private event" or "Free". */
  summary: z.string(),
  titleHidden: z.boolean(),
  /** Never kept. */
  description: z.null(),
  startTime: ZTimestamp,
  endTime: ZTimestamp,
  /** How many attendees, only where the user allows it. */
  attendees: z.number().int().nullable(),
  isAllDay: z.boolean(),
  recurringEventId: z.string().nullable(),
  busy: z.boolean(),
  status: z.enum(["confirmed", "tentative", "cancelled"]),
  focusTime: z.boolean(),
  /** The DevPulse focus block this event stands for. */
  focusBlockId: z.string().nullable(),
  url: z.string().nullable(),
});

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
    .leftJoin(focusBlocks, blockOfEvent)
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
    summary: shownSummary(event),
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
