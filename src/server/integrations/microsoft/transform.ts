import { z } from "zod";
import { ZText } from "~/lib/schemas/primitives";
import { AppError } from "../../errors";
import type { CalendarEvent, CalendarInfo, CalendarNotification, ConnectedAccount, FocusBlockInput } from "../provider";
import { ProviderError } from "../resilience";
import { MICROSOFT } from "./facts";

/** Microsoft Graph v1.0 shapes → ours, and ours → Graph's. Only the fields we use; Graph sends many more. */

const badResponse = (what: string) => new ProviderError("microsoft", "bad_response", `Microsoft Graph answered ${what} in a shape DevPulse does not understand.`);

// ---- collections ---------------------------------------------------------------

const ZPage = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().optional(),
  "@odata.deltaLink": z.string().optional(),
});

export type GraphPage = z.infer<typeof ZPage>;

export function toPage(result: unknown, what: string): GraphPage {
  const parsed = ZPage.safeParse(result);
  if (!parsed.success) throw badResponse(what);
  return parsed.data;
}

// ---- calendars -------------------------------------------------------------------

const ZCalendar = z.object({
  id: z.string().min(1),
  name: z.string(),
  isDefaultCalendar: z.boolean().nullish(),
  canEdit: z.boolean().nullish(),
  hexColor: z.string().nullish(),
  owner: z.object({ name: z.string().nullish(), address: z.string().nullish() }).nullish(),
});

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/**
 * A calendar as we list it. Graph has no time zone on a calendar (the mailbox's needs another
 * scope). `color` is the calendar's hexColor; a calendar with only a named preset (`color:
 * "lightBlue"`, empty hexColor) gets none, since Graph does not say which RGB a preset is.
 */
export function toCalendarInfo(item: unknown): CalendarInfo {
  const parsed = ZCalendar.safeParse(item);
  if (!parsed.success) throw badResponse("a calendar");
  const calendar = parsed.data;
  return {
    id: calendar.id,
    name: calendar.name,
    primary: calendar.isDefaultCalendar === true,
    canWrite: calendar.canEdit === true,
    timeZone: null,
    color: calendar.hexColor && HEX_COLOR.test(calendar.hexColor) ? calendar.hexColor.toLowerCase() : null,
  };
}

/**
 * The connected account, from the default calendar's owner: we only ask for calendar scopes, so
 * /me (User.Read) is not ours to read. The address is the stable identity (lower-cased).
 */
export function toAccount(calendar: unknown): ConnectedAccount {
  const parsed = ZCalendar.safeParse(calendar);
  const address = parsed.success ? parsed.data.owner?.address?.trim() : undefined;
  if (!parsed.success || !address) throw badResponse("the default calendar without its owner");
  return { accountId: address.toLowerCase(), login: address, displayName: parsed.data.owner?.name?.trim() || null, emails: [address] };
}

// ---- events ----------------------------------------------------------------------

const ZDateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string().nullish() });

const ZEvent = z.object({
  id: z.string().min(1),
  subject: z.string().nullish(),
  start: ZDateTimeTimeZone,
  end: ZDateTimeTimeZone,
  isAllDay: z.boolean().nullish(),
  showAs: z.string().nullish(),
  sensitivity: z.string().nullish(),
  categories: z.array(z.string()).nullish(),
  seriesMasterId: z.string().nullish(),
  type: z.string().nullish(),
  isCancelled: z.boolean().nullish(),
  responseStatus: z.object({ response: z.string().nullish() }).nullish(),
  webLink: z.string().nullish(),
  attendees: z.array(z.unknown()).nullish(),
});

const ZRemoved = z.object({ id: z.string().min(1), "@removed": z.object({}).passthrough() });

/** The names Graph gives UTC (we ask for every time in UTC with Prefer: outlook.timezone). */
const UTC_NAMES = new Set(["utc", "etc/utc", "coordinated universal time", "tzone://microsoft/utc"]);
const LOCAL_DATE_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?$/;

/** Graph's dateTimeTimeZone in UTC ("2024-05-06T09:30:00.0000000", 7 fractional digits) → an ISO instant. */
function utcInstant(value: z.infer<typeof ZDateTimeTimeZone>): string {
  const zone = (value.timeZone ?? "UTC").toLowerCase();
  const local = LOCAL_DATE_TIME.exec(value.dateTime.trim());
  if (!local || !UTC_NAMES.has(zone)) throw badResponse(`an event time (${value.dateTime} ${value.timeZone ?? ""}) not in UTC`);
  const ms = Date.parse(`${local[1]}.${(local[2] ?? "0").padEnd(3, "0").slice(0, 3)}Z`);
  if (Number.isNaN(ms)) throw badResponse(`an event time (${value.dateTime})`);
  return new Date(ms).toISOString();
}

/** An all-day event's day, whatever zone it was written in, as midnight UTC (all-day events span whole UTC days). */
const utcDay = (value: z.infer<typeof ZDateTimeTimeZone>) => {
  const day = /^\d{4}-\d\d-\d\d/.exec(value.dateTime.trim())?.[0];
  if (!day) throw badResponse(`an all-day event's date (${value.dateTime})`);
  return `${day}T00:00:00.000Z`;
};

function eventStatus(event: z.infer<typeof ZEvent>): CalendarEvent["status"] {
  const response = event.responseStatus?.response;
  if (event.isCancelled || response === "declined") return "cancelled";
  if (response === "tentativelyAccepted" || response === "notResponded") return "tentative";
  return "confirmed";
}

const includes = (list: readonly string[], value: string | null | undefined) => value !== null && value !== undefined && list.includes(value);

/** One calendarView instance → ours. A series master (never in a calendarView, but delta may say) is not an instance: null. */
export function toCalendarEvent(calendarId: string, item: unknown): CalendarEvent | null {
  const parsed = ZEvent.safeParse(item);
  if (!parsed.success) throw badResponse("an event");
  const event = parsed.data;
  if (event.type === "seriesMaster") return null;
  const allDay = event.isAllDay === true;
  const focus = MICROSOFT.focusCategory.toLowerCase();
  return {
    id: event.id,
    calendarId,
    title: event.subject ?? null,
    start: allDay ? utcDay(event.start) : utcInstant(event.start),
    end: allDay ? utcDay(event.end) : utcInstant(event.end),
    allDay,
    busy: includes(MICROSOFT.busyShowAs, event.showAs),
    private: includes(MICROSOFT.privateSensitivity, event.sensitivity),
    status: eventStatus(event),
    focusTime: (event.categories ?? []).some((category) => category.toLowerCase() === focus),
    seriesId: event.seriesMasterId ?? null,
    attendees: event.attendees?.length ?? 0,
    url: event.webLink ?? null,
  };
}

/** One item of a calendarView/delta page: a changed instance, or the id of one gone from the window (`@removed`). */
export function toDeltaItem(calendarId: string, item: unknown): { removedId: string } | { event: CalendarEvent | null } {
  const removed = ZRemoved.safeParse(item);
  if (removed.success) return { removedId: removed.data.id };
  return { event: toCalendarEvent(calendarId, item) };
}

// ---- writing focus blocks ----------------------------------------------------------

const refuseInput = (message: string) => new AppError("BAD_REQUEST", message);

/** An instant (ISO with an offset) as the wall-clock time in `timeZone`, "2031-03-03T09:00:00": Graph's dateTime is local to its timeZone. */
export function wallClock(instant: string, timeZone: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw refuseInput(`"${instant}" is not a date-time.`);
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  } catch {
    throw refuseInput(`"${timeZone}" is not a time zone.`);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

const graphDateTime = (instant: string, timeZone: string) => ({ dateTime: wallClock(instant, timeZone), timeZone });

const RRULE_DAYS = { SU: "sunday", MO: "monday", TU: "tuesday", WE: "wednesday", TH: "thursday", FR: "friday", SA: "saturday" } as const;
type RruleDay = keyof typeof RRULE_DAYS;
const isRruleDay = (code: string): code is RruleDay => Object.hasOwn(RRULE_DAYS, code);
const RRULE_PARTS = new Set(["FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"]);

export type PatternedRecurrence = {
  pattern: { type: "daily" | "weekly"; interval: number; daysOfWeek?: string[]; firstDayOfWeek: string };
  range: { type: "noEnd" | "numbered" | "endDate"; startDate: string; endDate?: string; numberOfOccurrences?: number; recurrenceTimeZone: string };
};

/**
 * An RFC 5545 RRULE as Graph's patternedRecurrence, for the rules focus sessions use:
 * FREQ=DAILY or WEEKLY, INTERVAL, BYDAY (weekly, plain days), COUNT or UNTIL, WKST. The series
 * starts on `start`'s date in `timeZone` and repeats in that zone. Anything else is refused with
 * a message saying what is supported, rather than sent as a series Outlook would read differently.
 */
export function toPatternedRecurrence(rrule: string, start: string, timeZone: string): PatternedRecurrence {
  const refuse = (why: string) =>
    refuseInput(`Outlook cannot repeat a focus block by "${rrule}": ${why}. Supported: FREQ=DAILY or FREQ=WEEKLY with INTERVAL, BYDAY (weekly, plain days such as MO,WE), COUNT or UNTIL.`);
  const parts = new Map<string, string>();
  for (const part of rrule.trim().replace(/^RRULE:/i, "").split(";").filter(Boolean)) {
    const [key, value, ...extra] = part.split("=");
    const name = key?.trim().toUpperCase() ?? "";
    if (!name || value === undefined || extra.length > 0 || parts.has(name)) throw refuse(`"${part}" is not a NAME=value part`);
    if (!RRULE_PARTS.has(name)) throw refuse(`${name} has no Outlook equivalent here`);
    parts.set(name, value.trim().toUpperCase());
  }
  const freq = parts.get("FREQ");
  if (freq !== "DAILY" && freq !== "WEEKLY") throw refuse(`FREQ=${freq ?? "(missing)"} is not supported`);

  const interval = Number(parts.get("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1 || interval > 99) throw refuse("INTERVAL must be a whole number from 1 to 99");
  const startDate = wallClock(start, timeZone).slice(0, 10);
  const weekStart = parts.get("WKST") ?? "MO"; // RFC 5545's default (Graph's own is Sunday)
  if (!isRruleDay(weekStart)) throw refuse(`WKST=${weekStart} is not a day`);

  const byDay = parts.get("BYDAY");
  let daysOfWeek: string[] | undefined;
  if (freq === "WEEKLY") {
    const startDay = (Object.keys(RRULE_DAYS) as RruleDay[])[new Date(`${startDate}T00:00:00Z`).getUTCDay()]!;
    const codes = byDay ? byDay.split(",").map((code) => code.trim()) : [startDay];
    const unknown = codes.find((code) => !isRruleDay(code));
    if (unknown !== undefined) throw refuse(`BYDAY=${unknown} is not a plain day (positions like 1MO are not supported)`);
    daysOfWeek = [...new Set(codes as RruleDay[])].map((code) => RRULE_DAYS[code]);
  } else if (byDay !== undefined) throw refuse("BYDAY needs FREQ=WEEKLY");

  const pattern = { type: freq === "DAILY" ? ("daily" as const) : ("weekly" as const), interval, ...(daysOfWeek ? { daysOfWeek } : {}), firstDayOfWeek: RRULE_DAYS[weekStart] };
  const count = parts.get("COUNT");
  const until = parts.get("UNTIL");
  if (count !== undefined && until !== undefined) throw refuse("COUNT and UNTIL cannot both be given");
  if (count !== undefined) {
    const occurrences = Number(count);
    if (!Number.isInteger(occurrences) || occurrences < 1 || occurrences > 999) throw refuse("COUNT must be a whole number from 1 to 999");
    return { pattern, range: { type: "numbered", startDate, numberOfOccurrences: occurrences, recurrenceTimeZone: timeZone } };
  }
  if (until !== undefined) return { pattern, range: { type: "endDate", startDate, endDate: untilDate(until, timeZone, refuse), recurrenceTimeZone: timeZone } };
  return { pattern, range: { type: "noEnd", startDate, recurrenceTimeZone: timeZone } };
}

/** UNTIL (a date, a UTC date-time "…Z", or a floating date-time) → the last day of the series in `timeZone`, inclusive as in RFC 5545. */
function untilDate(until: string, timeZone: string, refuse: (why: string) => Error): string {
  const match = /^(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)(Z)?)?$/.exec(until);
  if (!match) throw refuse(`UNTIL=${until} is not a date or a date-time`);
  const [, year, month, day, hour, minute, second, utc] = match;
  const date = `${year}-${month}-${day}`;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw refuse(`UNTIL=${until} is not a date`);
  return utc ? wallClock(`${date}T${hour}:${minute}:${second}Z`, timeZone).slice(0, 10) : date;
}

/**
 * A focus block as a Graph event: busy, in the Focus category, its reminder, and `transactionId`
 * (Graph's idempotency key: a retried POST with it returns the event already made). Graph has no
 * focus-time type and no auto-decline for a single event, so `autoDecline` has nothing to map to.
 */
export function toGraphEvent(block: FocusBlockInput): Record<string, unknown> {
  const reminder = block.reminders[0];
  return {
    transactionId: block.clientId,
    subject: block.title,
    body: { contentType: "text", content: block.description ?? "" },
    start: graphDateTime(block.start, block.timeZone),
    end: graphDateTime(block.end, block.timeZone),
    isAllDay: false,
    showAs: "busy",
    categories: [MICROSOFT.focusCategory],
    isReminderOn: reminder !== undefined,
    reminderMinutesBeforeStart: reminder ?? 0,
    ...(block.recurrence ? { recurrence: toPatternedRecurrence(block.recurrence, block.start, block.timeZone) } : {}),
  };
}

/** The id of the event a POST made (or, with a repeated transactionId, found). */
export function toEventId(created: unknown): string {
  const parsed = z.object({ id: z.string().min(1) }).safeParse(created);
  if (!parsed.success) throw badResponse("a created event without its id");
  return parsed.data.id;
}

/**
 * A change to a focus block as a PATCH body. Times are written in `timeZone` when given (else
 * UTC); a time zone alone changes nothing, since Graph's zone travels with a start or an end.
 */
export function toGraphPatch(change: Partial<Pick<FocusBlockInput, "title" | "description" | "start" | "end" | "timeZone">>): Record<string, unknown> {
  const zone = change.timeZone ?? "UTC";
  return {
    ...(change.title !== undefined ? { subject: change.title } : {}),
    ...(change.description !== undefined ? { body: { contentType: "text", content: change.description ?? "" } } : {}),
    ...(change.start !== undefined ? { start: graphDateTime(change.start, zone) } : {}),
    ...(change.end !== undefined ? { end: graphDateTime(change.end, zone) } : {}),
  };
}

// ---- subscriptions and notifications ------------------------------------------------

const ZSubscription = z.object({
  id: z.string().min(1),
  expirationDateTime: z.string(),
  clientState: z.string().nullish(),
  notificationUrl: z.string().nullish(),
});

export type GraphSubscription = { id: string; expiresAt: Date; clientState: string | null; notificationUrl: string | null };

export function toSubscription(result: unknown): GraphSubscription {
  const parsed = ZSubscription.safeParse(result);
  const expiresAt = parsed.success ? new Date(parsed.data.expirationDateTime) : null;
  if (!parsed.success || !expiresAt || Number.isNaN(expiresAt.getTime())) throw badResponse("a subscription");
  return { id: parsed.data.id, expiresAt, clientState: parsed.data.clientState ?? null, notificationUrl: parsed.data.notificationUrl ?? null };
}

/** The expiration to ask for: what the caller wants, but never past Graph's longest lifetime (less a little for clock skew). */
export function subscriptionExpiry(wanted: Date, now = Date.now()): Date {
  const { subscriptionMaxMinutes, subscriptionClockSkewMinutes } = MICROSOFT.limits;
  return new Date(Math.min(wanted.getTime(), now + (subscriptionMaxMinutes - subscriptionClockSkewMinutes) * 60_000));
}

/** Graph's lifecycle events → what the calendar domain does; an event Graph adds later is ignored until we know it. */
const LIFECYCLE_SIGNALS = new Map<string, "missed" | "reauthorize" | "removed">([
  ["missed", "missed"],
  ["reauthorizationRequired", "reauthorize"],
  ["subscriptionRemoved", "removed"],
]);

const ZValidationToken = ZText.min(1).max(1024);
const ZNotifications = z.object({
  value: z
    .array(
      z.object({
        subscriptionId: ZText.min(1).max(256),
        clientState: ZText.max(1024).nullish(),
        lifecycleEvent: ZText.max(128).optional(),
        changeType: ZText.max(64).optional(),
        resourceData: z.object({ id: ZText.max(512).optional(), "@odata.etag": ZText.max(256).optional() }).partial().nullish(),
      }),
    )
    .min(1)
    .max(1000),
});

/**
 * A delivery to our notification URL: Graph's validation handshake (`?validationToken=…`, to be
 * echoed as text/plain within 10 s), or change and lifecycle notifications (`{ value: [...] }`,
 * one per subscription named, our token in `clientState`). Null when it is neither.
 */
export function toCalendarNotification(url: URL, body: string): CalendarNotification | null {
  const validationToken = url.searchParams.get("validationToken");
  if (validationToken !== null) {
    const token = ZValidationToken.safeParse(validationToken);
    return token.success ? { kind: "handshake", answer: token.data } : null;
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const parsed = ZNotifications.safeParse(json);
  if (!parsed.success) return null;
  return {
    kind: "notifications",
    items: parsed.data.value.map((item) => {
      // Graph numbers no message, but a change notification names the version of the event it is about (its etag):
      // the same change of the same version again is a replay (or Graph's own at-least-once redelivery).
      const etag = item.resourceData?.["@odata.etag"];
      const eventId = item.resourceData?.id;
      return {
        watchId: item.subscriptionId,
        token: item.clientState ?? null,
        signal: item.lifecycleEvent === undefined ? "sync" : (LIFECYCLE_SIGNALS.get(item.lifecycleEvent) ?? "ignore"),
        ...(item.lifecycleEvent === undefined && etag && eventId ? { deliveryId: `${item.subscriptionId}:${item.changeType ?? ""}:${eventId}:${etag}` } : {}),
      };
    }),
  };
}
