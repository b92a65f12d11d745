import { z } from "zod";
import { ZTimeZone } from "~/lib/calendar/schemas";
import { ZDate, ZText } from "~/lib/schemas/primitives";
import { DAY_MS } from "./facts";

/** The calendar procedures' inputs: every boundary validated here; domain functions take the parsed values. */

export const CALENDAR_LIMITS = { eventsSpanDays: 62, maxEvents: 5000, titleLength: 200, descriptionLength: 2000, minBlockMinutes: 15, maxBlockMinutes: 480, maxReminders: 5 } as const;

const ZCalendarId = z.uuid("Not a calendar id");

const span = (maxDays: number) => (range: { from: Date; to: Date }) => range.to > range.from && range.to.getTime() - range.from.getTime() <= maxDays * DAY_MS;

export const ZEventsQuery = z
  .object({
    from: ZDate,
    to: ZDate,
    calendarIds: z.array(ZCalendarId).min(1).max(50).optional(),
    limit: z.number().int().min(1).max(CALENDAR_LIMITS.maxEvents).default(2000),
  })
  .refine(span(CALENDAR_LIMITS.eventsSpanDays), { message: `"to" must be after "from", at most ${CALENDAR_LIMITS.eventsSpanDays} days later`, path: ["to"] });
export type EventsQuery = z.infer<typeof ZEventsQuery>;

export const ZRange = z
  .object({ from: ZDate, to: ZDate })
  .refine(span(CALENDAR_LIMITS.eventsSpanDays), { message: `"to" must be after "from", at most ${CALENDAR_LIMITS.eventsSpanDays} days later`, path: ["to"] });

export const ZSetIncluded = z.object({ calendarId: ZCalendarId, included: z.boolean() });

const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;

/** A recurring focus session: on these weekdays (0 = Sunday), until a date or for a number of sessions. Built into an RRULE here, never taken raw. */
export const ZRecurrence = z
  .object({
    weekdays: z.array(z.number().int().min(0).max(6)).min(1, "Pick at least one day").max(7),
    until: ZDate.optional(),
    count: z.number().int().min(1).max(365).optional(),
  })
  .refine((rule) => !(rule.until && rule.count), "Give an end date or a number of sessions, not both");

export function rruleFor(recurrence: z.infer<typeof ZRecurrence>): string {
  const days = [...new Set(recurrence.weekdays)].sort().map((day) => WEEKDAYS[day]).join(",");
  const end = recurrence.until ? `;UNTIL=${recurrence.until.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}` : recurrence.count ? `;COUNT=${recurrence.count}` : "";
  return `FREQ=WEEKLY;BYDAY=${days}${end}`;
}

const ZDuration = z
  .number({ error: "duration must be a number of minutes" })
  .int("Use whole minutes")
  .min(CALENDAR_LIMITS.minBlockMinutes, `A focus block lasts at least ${CALENDAR_LIMITS.minBlockMinutes} minutes`)
  .max(CALENDAR_LIMITS.maxBlockMinutes, `A focus block lasts at most ${CALENDAR_LIMITS.maxBlockMinutes / 60} hours`);

/** The seed's FocusSessionRequest, plus where it goes and how Google should treat it. */
export const ZCreateFocusBlock = z.object({
  title: ZText.trim().min(1, "Give the block a title").max(CALENDAR_LIMITS.titleLength),
  projectId: ZText.trim().min(1).max(200).optional(),
  duration: ZDuration,
  startTime: ZDate.refine((date) => date.getTime() > Date.now() - DAY_MS, "A focus block cannot start more than a day ago"),
  description: ZText.max(CALENDAR_LIMITS.descriptionLength).optional(),
  notifications: z.array(z.number().int().min(0).max(1440)).max(CALENDAR_LIMITS.maxReminders).default([]),
  calendarId: ZCalendarId.optional(),
  timeZone: ZTimeZone.optional(),
  recurrence: ZRecurrence.optional(),
  /** Google focus time: decline meetings booked over it. */
  autoDecline: z.boolean().default(false),
});
export type CreateFocusBlockInput = z.infer<typeof ZCreateFocusBlock>;

export const ZUpdateFocusBlock = z
  .object({
    id: z.uuid("Not a focus block id"),
    title: ZText.trim().min(1).max(CALENDAR_LIMITS.titleLength).optional(),
    description: ZText.max(CALENDAR_LIMITS.descriptionLength).nullable().optional(),
    startTime: ZDate.optional(),
    duration: ZDuration.optional(),
  })
  .refine((change) => Object.keys(change).length > 1, "Nothing to change");
export type UpdateFocusBlockInput = z.infer<typeof ZUpdateFocusBlock>;

export const ZFocusBlockId = z.object({ id: z.uuid("Not a focus block id") });

export const CONFLICT_ACTIONS = ["move", "keep", "decline"] as const;
/** A calendar conflict's key as calendar.conflicts lists it: the two events' ids, "<id>:<id>". */
const ZConflictKey = ZText.max(200).refine((key) => {
  const ids = key.split(":");
  return ids.length === 2 && ids.every((id) => z.uuid().safeParse(id).success);
}, "Not a calendar conflict key");

export const ZResolveConflict = z.object({
  key: ZConflictKey,
  action: z.enum(CONFLICT_ACTIONS),
  /** Whose working hours "the next free slot" is read in (the page sends the browser's); default the account's. */
  timeZone: ZTimeZone.optional(),
});
