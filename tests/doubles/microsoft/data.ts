import { createHash, randomBytes } from "node:crypto";
import { graphDateTime, ianaZone, isoGraph, utcToWall, wallToUtc } from "./wire";
import type { MicrosoftPerson } from "./identity";

/**
 * The mailboxes behind Graph: per person, calendars and events. An event is a single
 * instance or a series master with a patternedRecurrence (daily, weekly, absoluteMonthly;
 * ranges endDate, noEnd, numbered) whose occurrences are expanded on read; an occurrence
 * that was edited or cancelled is kept as an override (type "exception", or gone).
 * Every change bumps the event's changeKey and is reported to `onChange` (subscriptions).
 * An event organized by someone else is an invitation: it lands unanswered (responseStatus
 * notResponded, isOrganizer false), and declining it removes it from the calendar, as Exchange
 * moves a declined meeting to Deleted Items; the response sent is kept in `responses`.
 */
export type Recurrence = {
  pattern: { type: "daily" | "weekly" | "absoluteMonthly"; interval: number; daysOfWeek?: string[]; firstDayOfWeek?: string; dayOfMonth?: number; month?: number; index?: string };
  range: { type: "endDate" | "noEnd" | "numbered"; startDate: string; endDate?: string; numberOfOccurrences?: number; recurrenceTimeZone?: string };
};

/** The mailbox owner's answer to an event: "organizer" for their own events. */
export type ResponseKind = "organizer" | "notResponded" | "accepted" | "tentativelyAccepted" | "declined";

/** A response to an organizer (POST /me/events/{id}/decline). */
export type MeetingResponse = { userId: string; eventId: string; subject: string; organizer: string; response: "declined"; sendResponse: boolean; comment: string; at: number };

export type Attendee = { type: "required" | "optional" | "resource"; emailAddress: { name: string; address: string }; status?: { response: string; time: string } };

export type EventFields = {
  subject: string;
  body: { contentType: "html" | "text"; content: string };
  startMs: number;
  endMs: number;
  /** The zone the event was created in (Windows or IANA name), e.g. "UTC". */
  timeZone: string;
  isAllDay: boolean;
  showAs: "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";
  sensitivity: "normal" | "personal" | "private" | "confidential";
  categories: string[];
  importance: "low" | "normal" | "high";
  location: string;
  attendees: Attendee[];
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  isOnlineMeeting: boolean;
};

/** A new event's fields before the request's own: Outlook's defaults (busy, normal, reminder 15 min, UTC). */
export const eventDefaults = (startMs: number, endMs: number): EventFields => ({
  subject: "",
  body: { contentType: "html", content: "" },
  startMs,
  endMs,
  timeZone: "UTC",
  isAllDay: false,
  showAs: "busy",
  sensitivity: "normal",
  categories: [],
  importance: "normal",
  location: "",
  attendees: [],
  isReminderOn: true,
  reminderMinutesBeforeStart: 15,
  isOnlineMeeting: false,
});

type Override = Partial<Pick<EventFields, "subject" | "startMs" | "endMs" | "showAs" | "location" | "categories" | "sensitivity" | "body">> & { cancelled?: boolean; version: number; modifiedAt: number };

export type StoredEvent = EventFields & {
  id: string;
  ownerId: string;
  calendarId: string;
  iCalUId: string;
  createdAt: number;
  modifiedAt: number;
  version: number;
  transactionId: string | null;
  recurrence: Recurrence | null;
  organizer: { name: string; address: string };
  response: ResponseKind;
  /** Overrides of single occurrences, by their original start (ms). */
  exceptions: Map<number, Override>;
};

export type StoredCalendar = { id: string; ownerId: string; name: string; color: string; hexColor: string; isDefaultCalendar: boolean; changeKey: string };

/** One row of a calendar view: a single event, or an occurrence of a series (with its override). */
export type Instance = { event: StoredEvent; originalStartMs: number | null; override: Override | null; id: string; startMs: number; endMs: number; version: string };

export type ChangeType = "created" | "updated" | "deleted";
export type Change = { ownerId: string; calendarId: string; eventId: string; changeType: ChangeType; source: "api" | "user" };

export type Mailbox = { person: MicrosoftPerson; calendars: StoredCalendar[]; events: Map<string, StoredEvent> };

const DAY = 86_400_000;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** Graph ids are long opaque base64 strings; these keep Exchange's "AAMk" prefix (and a trailing "="). */
export const newGraphId = (kind: "event" | "calendar") => `AAMkAD${kind === "calendar" ? "Cal" : "Evt"}${randomBytes(30).toString("base64url")}=`;
const occurrenceId = (masterId: string, originalStartMs: number) => `AAMkADOcc${Buffer.from(`${masterId}|${originalStartMs}`).toString("base64url")}=`;
export function parseOccurrenceId(id: string): { masterId: string; originalStartMs: number } | null {
  if (!id.startsWith("AAMkADOcc")) return null;
  const [masterId, start] = Buffer.from(id.slice(9).replace(/=$/, ""), "base64url").toString("utf8").split("|");
  return masterId && start && /^\d+$/.test(start) ? { masterId, originalStartMs: Number(start) } : null;
}
const changeKey = (event: { id: string; version: number }) => createHash("sha256").update(`${event.id}:${event.version}`).digest("base64").slice(0, 28);

export class MicrosoftData {
  readonly mailboxes = new Map<string, Mailbox>();
  readonly responses: MeetingResponse[] = [];
  onChange: (change: Change) => void = () => undefined;

  constructor(private readonly now: () => number) {}

  addPerson(person: MicrosoftPerson): Mailbox {
    const mailbox: Mailbox = { person, calendars: [], events: new Map() };
    this.mailboxes.set(person.id, mailbox);
    this.addCalendar(person.id, { name: "Calendar", color: "auto", hexColor: "", isDefaultCalendar: true });
    return mailbox;
  }

  mailbox(userId: string): Mailbox {
    const mailbox = this.mailboxes.get(userId);
    if (!mailbox) throw new Error(`Microsoft double: unknown person ${userId}`);
    return mailbox;
  }

  addCalendar(userId: string, input: { name: string; color?: string; hexColor?: string; isDefaultCalendar?: boolean; id?: string }): StoredCalendar {
    const calendar: StoredCalendar = { id: input.id ?? newGraphId("calendar"), ownerId: userId, name: input.name, color: input.color ?? "auto", hexColor: input.hexColor ?? "", isDefaultCalendar: input.isDefaultCalendar ?? false, changeKey: randomBytes(12).toString("base64") };
    this.mailbox(userId).calendars.push(calendar);
    return calendar;
  }

  defaultCalendar(userId: string): StoredCalendar {
    return this.mailbox(userId).calendars.find((c) => c.isDefaultCalendar)!;
  }

  calendar(userId: string, calendarId: string): StoredCalendar | undefined {
    return this.mailbox(userId).calendars.find((c) => c.id === calendarId);
  }

  event(userId: string, eventId: string): StoredEvent | undefined {
    return this.mailbox(userId).events.get(eventId);
  }

  byTransactionId(userId: string, transactionId: string): StoredEvent | undefined {
    for (const event of this.mailbox(userId).events.values()) if (event.transactionId === transactionId) return event;
    return undefined;
  }

  createEvent(
    userId: string,
    calendarId: string,
    fields: EventFields & { recurrence?: Recurrence | null; transactionId?: string | null; organizer?: { name: string; address: string } | null },
    source: "api" | "user",
  ): StoredEvent {
    const mailbox = this.mailbox(userId);
    const now = this.now();
    const { recurrence = null, transactionId = null, organizer = null, ...rest } = fields;
    const invited = organizer !== null && organizer.address.toLowerCase() !== mailbox.person.mail.toLowerCase();
    const event: StoredEvent = {
      ...rest,
      id: newGraphId("event"),
      ownerId: userId,
      calendarId,
      iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(28).toString("hex").toUpperCase()}`,
      createdAt: now,
      modifiedAt: now,
      version: 1,
      transactionId,
      recurrence,
      organizer: invited ? organizer : { name: mailbox.person.displayName, address: mailbox.person.mail },
      response: invited ? "notResponded" : "organizer",
      exceptions: new Map(),
    };
    mailbox.events.set(event.id, event);
    this.onChange({ ownerId: userId, calendarId, eventId: event.id, changeType: "created", source });
    return event;
  }

  updateEvent(event: StoredEvent, patch: Partial<EventFields> & { recurrence?: Recurrence | null }, source: "api" | "user"): StoredEvent {
    Object.assign(event, patch);
    if (patch.recurrence !== undefined) event.exceptions.clear();
    event.version += 1;
    event.modifiedAt = this.now();
    this.onChange({ ownerId: event.ownerId, calendarId: event.calendarId, eventId: event.id, changeType: "updated", source });
    return event;
  }

  /** Edits or cancels one occurrence of a series (an exception). */
  overrideOccurrence(master: StoredEvent, originalStartMs: number, patch: Omit<Override, "version" | "modifiedAt">, source: "api" | "user"): void {
    const previous = master.exceptions.get(originalStartMs);
    master.exceptions.set(originalStartMs, { ...previous, ...patch, version: (previous?.version ?? 0) + 1, modifiedAt: this.now() });
    master.modifiedAt = this.now();
    this.onChange({ ownerId: master.ownerId, calendarId: master.calendarId, eventId: occurrenceId(master.id, originalStartMs), changeType: patch.cancelled ? "deleted" : "updated", source });
  }

  /** The mailbox owner declines an invitation (a whole event, or one occurrence of a series). */
  decline(target: StoredEvent | Instance, options: { sendResponse: boolean; comment: string }): void {
    const event = "event" in target ? target.event : target;
    this.responses.push({ userId: event.ownerId, eventId: target.id, subject: event.subject, organizer: event.organizer.address, response: "declined", ...options, at: this.now() });
    if ("event" in target && target.originalStartMs !== null) this.overrideOccurrence(target.event, target.originalStartMs, { cancelled: true }, "api");
    else this.deleteEvent(event, "api");
  }

  deleteEvent(event: StoredEvent, source: "api" | "user"): void {
    this.mailbox(event.ownerId).events.delete(event.id);
    this.onChange({ ownerId: event.ownerId, calendarId: event.calendarId, eventId: event.id, changeType: "deleted", source });
  }

  // ---- reading ---------------------------------------------------------------

  /** Masters and single events (what /events lists), oldest start first. */
  events(userId: string, calendarId: string | null): StoredEvent[] {
    return [...this.mailbox(userId).events.values()].filter((e) => calendarId === null || e.calendarId === calendarId).sort((a, b) => a.startMs - b.startMs || a.createdAt - b.createdAt);
  }

  /** Instances overlapping [from, to): singles, occurrences and exceptions (no masters), by start. */
  instances(userId: string, calendarId: string | null, from: number, to: number): Instance[] {
    const out: Instance[] = [];
    for (const event of this.events(userId, calendarId)) {
      if (!event.recurrence) {
        if (event.startMs < to && event.endMs > from) out.push({ event, originalStartMs: null, override: null, id: event.id, startMs: event.startMs, endMs: event.endMs, version: String(event.version) });
        continue;
      }
      const duration = event.endMs - event.startMs;
      for (const originalStartMs of occurrenceStarts(event, from - 7 * DAY, to + DAY)) {
        const override = event.exceptions.get(originalStartMs) ?? null;
        if (override?.cancelled) continue;
        const startMs = override?.startMs ?? originalStartMs;
        const endMs = override?.endMs ?? originalStartMs + duration;
        if (startMs < to && endMs > from) out.push({ event, originalStartMs, override, id: occurrenceId(event.id, originalStartMs), startMs, endMs, version: `${event.version}.${override?.version ?? 0}` });
      }
    }
    return out.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
  }

  /** An occurrence by its id, if the series still has it. */
  occurrence(userId: string, id: string): Instance | undefined {
    const parsed = parseOccurrenceId(id);
    if (!parsed) return undefined;
    const master = this.event(userId, parsed.masterId);
    if (!master?.recurrence) return undefined;
    const override = master.exceptions.get(parsed.originalStartMs) ?? null;
    if (override?.cancelled) return undefined;
    if (!occurrenceStarts(master, parsed.originalStartMs, parsed.originalStartMs + 1).includes(parsed.originalStartMs)) return undefined;
    const duration = master.endMs - master.startMs;
    return { event: master, originalStartMs: parsed.originalStartMs, override, id, startMs: override?.startMs ?? parsed.originalStartMs, endMs: override?.endMs ?? parsed.originalStartMs + duration, version: `${master.version}.${override?.version ?? 0}` };
  }

  // ---- rendering -----------------------------------------------------------

  /** An event as Graph v1.0 returns it, times in `zone` (the Prefer outlook.timezone, default UTC). */
  eventJson(item: StoredEvent | Instance, zone: string, webUrl: string): Record<string, unknown> {
    const instance: Instance = "event" in item ? item : { event: item, originalStartMs: null, override: null, id: item.id, startMs: item.startMs, endMs: item.endMs, version: String(item.version) };
    const { event, override } = instance;
    const ownerZone = ianaZone(zone) ?? "UTC";
    const subject = override?.subject ?? event.subject;
    const body = override?.body ?? event.body;
    const isMaster = event.recurrence !== null && instance.originalStartMs === null;
    const type = isMaster ? "seriesMaster" : event.recurrence ? (override ? "exception" : "occurrence") : "singleInstance";
    const version = instance.version;
    const key = changeKey({ id: instance.id, version: Number(version.replace(".", "")) });
    const out: Record<string, unknown> = {
      "@odata.etag": `W/"${key}"`,
      id: instance.id,
      createdDateTime: isoGraph(event.createdAt),
      lastModifiedDateTime: isoGraph(override?.modifiedAt ?? event.modifiedAt),
      changeKey: key,
      categories: override?.categories ?? event.categories,
      transactionId: event.transactionId,
      originalStartTimeZone: event.timeZone,
      originalEndTimeZone: event.timeZone,
      iCalUId: event.iCalUId,
      uid: event.iCalUId,
      reminderMinutesBeforeStart: event.reminderMinutesBeforeStart,
      isReminderOn: event.isReminderOn,
      hasAttachments: false,
      subject,
      bodyPreview: stripHtml(body.content).slice(0, 255),
      importance: event.importance,
      sensitivity: override?.sensitivity ?? event.sensitivity,
      isAllDay: event.isAllDay,
      isCancelled: false,
      isOrganizer: event.response === "organizer",
      responseRequested: true,
      seriesMasterId: instance.originalStartMs === null ? null : event.id,
      showAs: override?.showAs ?? event.showAs,
      type,
      webLink: `${webUrl}/calendar/item/${encodeURIComponent(instance.id)}`,
      onlineMeetingUrl: null,
      isOnlineMeeting: event.isOnlineMeeting,
      onlineMeetingProvider: event.isOnlineMeeting ? "teamsForBusiness" : "unknown",
      allowNewTimeProposals: true,
      occurrenceId: null,
      isDraft: false,
      hideAttendees: false,
      responseStatus: { response: event.response, time: "0001-01-01T00:00:00Z" },
      body,
      start: { dateTime: graphDateTime(instance.startMs, ownerZone), timeZone: zone },
      end: { dateTime: graphDateTime(instance.endMs, ownerZone), timeZone: zone },
      location: { displayName: override?.location ?? event.location, locationType: "default", uniqueIdType: event.location ? "private" : "unknown", address: {}, coordinates: {} },
      locations: (override?.location ?? event.location) ? [{ displayName: override?.location ?? event.location, locationType: "default", uniqueIdType: "private" }] : [],
      recurrence: isMaster ? event.recurrence : null,
      attendees: event.attendees.map((a) => ({ type: a.type, status: a.status ?? { response: "none", time: "0001-01-01T00:00:00Z" }, emailAddress: a.emailAddress })),
      organizer: { emailAddress: event.organizer },
      onlineMeeting: event.isOnlineMeeting ? { joinUrl: `https://teams.microsoft.com/l/meetup-join/sandbox-${instance.id.slice(9, 21)}` } : null,
    };
    if (instance.originalStartMs !== null) {
      out.originalStart = isoGraph(instance.originalStartMs).replace(/\.\d+Z$/, "Z");
      out.originalStartTimeZone = event.timeZone;
    }
    return out;
  }
}

/** Occurrence start instants (original, before overrides) of a series within [from, to). */
export function occurrenceStarts(event: StoredEvent, from: number, to: number): number[] {
  const recurrence = event.recurrence;
  if (!recurrence) return [];
  const zone = ianaZone(recurrence.range.recurrenceTimeZone || event.timeZone) ?? "UTC";
  const wallStart = utcToWall(event.startMs, zone);
  const timeOfDay = ((wallStart % DAY) + DAY) % DAY;
  const rangeStart = Date.parse(`${recurrence.range.startDate}T00:00:00Z`);
  const rangeEnd = recurrence.range.type === "endDate" && recurrence.range.endDate ? Date.parse(`${recurrence.range.endDate}T00:00:00Z`) + DAY : Number.POSITIVE_INFINITY;
  const maxCount = recurrence.range.type === "numbered" ? (recurrence.range.numberOfOccurrences ?? 0) : Number.POSITIVE_INFINITY;
  const interval = Math.max(1, recurrence.pattern.interval || 1);
  const firstDay = WEEKDAYS.indexOf(recurrence.pattern.firstDayOfWeek ?? "sunday");
  const weekOf = (day: number) => Math.floor((day - ((new Date(day).getUTCDay() - Math.max(0, firstDay) + 7) % 7) * DAY) / (7 * DAY));
  const days = new Set((recurrence.pattern.daysOfWeek ?? []).map((d) => WEEKDAYS.indexOf(d.toLowerCase())));
  const startMonth = new Date(rangeStart).getUTCFullYear() * 12 + new Date(rangeStart).getUTCMonth();
  const out: number[] = [];
  let count = 0;
  const last = Math.min(rangeEnd, utcToWall(to, zone) + DAY);
  for (let day = rangeStart; day < last && count < maxCount; day += DAY) {
    const date = new Date(day);
    let matches = false;
    if (recurrence.pattern.type === "daily") matches = Math.round((day - rangeStart) / DAY) % interval === 0;
    else if (recurrence.pattern.type === "weekly") matches = days.has(date.getUTCDay()) && (weekOf(day) - weekOf(rangeStart)) % interval === 0;
    else if (recurrence.pattern.type === "absoluteMonthly") matches = date.getUTCDate() === recurrence.pattern.dayOfMonth && (date.getUTCFullYear() * 12 + date.getUTCMonth() - startMonth) % interval === 0;
    if (!matches) continue;
    const start = wallToUtc(day + timeOfDay, zone);
    if (start < event.startMs - DAY) continue; // a range that starts before the master's first instance
    count += 1;
    if (start >= from && start < to) out.push(start);
    if (start >= to) break;
  }
  return out;
}

const stripHtml = (text: string) => text.replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/\s+/g, " ").trim();
