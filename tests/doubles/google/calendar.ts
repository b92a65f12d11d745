import { createHash, randomBytes } from "node:crypto";
import { compactUtc, expand, isoDate, isValidTimeZone, parseIsoDate, parseRecurrence, parseRfc3339, rfc3339InZone } from "./time";

/**
 * The Calendar double's data: Google accounts (Workspace or consumer), their calendars
 * and events, and a change sequence every write advances (sync tokens remember it).
 * Events keep Google's field names; `toJson` renders them as the API does.
 */
export type GoogleAccount = {
  email: string;
  name: string;
  /** Google Workspace account (focusTime allowed, `hd` in userinfo) or consumer @gmail.com. */
  workspace: boolean;
  timeZone: string;
  sub: string;
};

export type StoredCalendar = {
  id: string;
  owner: string;
  summary: string;
  description: string;
  timeZone: string;
  primary: boolean;
  colorId: string;
  backgroundColor: string;
  foregroundColor: string;
  /** Where the calendar's events went when deleted by hand (the watched resource no longer exists). */
  deleted: boolean;
  /** The account's access: owner (its own calendars) by default; a reader may not write events (403 requiredAccessLevel). */
  accessRole: CalendarAccessRole;
  resourceSalt: string;
};

export type CalendarAccessRole = "owner" | "writer" | "reader" | "freeBusyReader";

export type EventTime = { dateTime?: string; date?: string; timeZone?: string };
export type Attendee = { email: string; displayName?: string; optional?: boolean; responseStatus?: string; organizer?: boolean; self?: boolean; resource?: boolean; comment?: string };
export type FocusTimeProperties = { autoDeclineMode?: string; chatStatus?: string; declineMessage?: string };

/** The writable fields of an event (Google's names). */
export type EventFields = {
  summary?: string;
  description?: string;
  location?: string;
  colorId?: string;
  start?: EventTime;
  end?: EventTime;
  recurrence?: string[];
  transparency?: "opaque" | "transparent";
  visibility?: "default" | "public" | "private" | "confidential";
  attendees?: Attendee[];
  eventType?: string;
  focusTimeProperties?: FocusTimeProperties;
  reminders?: { useDefault?: boolean; overrides?: Array<{ method: string; minutes: number }> };
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  status?: "confirmed" | "tentative" | "cancelled";
  guestsCanModify?: boolean;
  guestsCanInviteOthers?: boolean;
  guestsCanSeeOtherGuests?: boolean;
  source?: { url?: string; title?: string };
};

export const WRITABLE_FIELDS = [
  "summary",
  "description",
  "location",
  "colorId",
  "start",
  "end",
  "recurrence",
  "transparency",
  "visibility",
  "attendees",
  "eventType",
  "focusTimeProperties",
  "reminders",
  "extendedProperties",
  "status",
  "guestsCanModify",
  "guestsCanInviteOthers",
  "guestsCanSeeOtherGuests",
  "source",
] as const satisfies readonly (keyof EventFields)[];

export type StoredEvent = {
  id: string;
  calendarId: string;
  fields: EventFields & {
    start: EventTime;
    end: EventTime;
    eventType: string;
    status: "confirmed" | "tentative" | "cancelled";
    /** Changes to single instances of a recurring event (an attendee's answer, a title), by instance suffix; times stay the series'. */
    instanceChanges?: Record<string, EventFields>;
  };
  created: number;
  updated: number;
  sequence: number;
  /** The change sequence of the last write (sync tokens compare against it). */
  seq: number;
  /** Who made the last change: the app through the API, or the person in Google Calendar. */
  changedBy: "api" | "user" | "seed";
};

export type EventJson = Record<string, unknown> & { id: string; status: string };

export const FOCUS_DECLINE_MODES = ["declineNone", "declineAllConflictingInvitations", "declineOnlyNewConflictingInvitations"] as const;
export const FOCUS_CHAT_STATUSES = ["available", "doNotDisturb"] as const;

/** Google Calendar's palette (calendar colorId → background), as colors.get lists it. */
export const CALENDAR_COLORS: Record<string, string> = { "1": "#ac725e", "7": "#42d692", "9": "#7bd148", "14": "#9fe1e7", "15": "#9fc6e7", "16": "#4986e7", "17": "#9a9cff", "21": "#cca6ac", "24": "#a47ae2" };

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
export const isEventId = (id: string) => /^[0-9a-v]{5,1024}$/.test(id);
export function newEventId(): string {
  const bytes = randomBytes(26);
  return [...bytes].map((b) => BASE32HEX[b % 32]).join("");
}

/** A timed or all-day boundary resolved to an instant. */
export function instantOf(time: EventTime | undefined): { ms: number; allDay: boolean } | null {
  if (!time) return null;
  if (time.date) {
    const n = parseIsoDate(time.date);
    return n === null ? null : { ms: n * 86_400_000, allDay: true };
  }
  if (time.dateTime) {
    const ms = parseRfc3339(time.dateTime);
    return ms === null ? null : { ms, allDay: false };
  }
  return null;
}

export class CalendarStore {
  readonly accounts = new Map<string, GoogleAccount>();
  readonly calendars = new Map<string, StoredCalendar>();
  /** calendarId → eventId → event (masters and single events; instances are computed). */
  readonly events = new Map<string, Map<string, StoredEvent>>();
  seq = 0;

  constructor(private readonly ctx: { now: () => number; webUrl: () => string }) {}

  addAccount(input: { email: string; name: string; workspace?: boolean; timeZone?: string }): GoogleAccount {
    const email = input.email.toLowerCase();
    const account: GoogleAccount = {
      email,
      name: input.name,
      workspace: input.workspace ?? !email.endsWith("@gmail.com"),
      timeZone: input.timeZone ?? "Europe/Lisbon",
      sub: String(BigInt(`0x${createHash("sha256").update(email).digest("hex").slice(0, 16)}`) % 10n ** 21n).padStart(21, "1"),
    };
    this.accounts.set(email, account);
    if (!this.calendars.has(email)) this.addCalendar({ id: email, owner: email, summary: email, timeZone: account.timeZone, primary: true, colorId: "14" });
    return account;
  }

  account(email: string): GoogleAccount {
    const account = this.accounts.get(email.toLowerCase());
    if (!account) throw new Error(`Google double: no account ${email}`);
    return account;
  }

  addCalendar(input: { id?: string; owner: string; summary: string; description?: string; timeZone?: string; primary?: boolean; colorId?: string; accessRole?: CalendarAccessRole }): StoredCalendar {
    const id = input.id ?? `c_${randomBytes(16).toString("hex")}@group.calendar.google.com`;
    const colorId = input.colorId ?? "9";
    const calendar: StoredCalendar = {
      id,
      owner: input.owner.toLowerCase(),
      summary: input.summary,
      description: input.description ?? "",
      timeZone: input.timeZone ?? this.accounts.get(input.owner.toLowerCase())?.timeZone ?? "UTC",
      primary: input.primary ?? false,
      colorId,
      backgroundColor: CALENDAR_COLORS[colorId] ?? "#9fe1e7",
      foregroundColor: "#000000",
      deleted: false,
      accessRole: input.accessRole ?? "owner",
      resourceSalt: randomBytes(8).toString("hex"),
    };
    this.calendars.set(id, calendar);
    this.events.set(id, new Map());
    return calendar;
  }

  /** The calendar `id` as `email` sees it ("primary" = their own), or null (unknown, deleted or someone else's). */
  calendarFor(email: string, id: string): StoredCalendar | null {
    const resolved = id === "primary" ? email : id;
    const calendar = this.calendars.get(resolved);
    return calendar && !calendar.deleted && calendar.owner === email ? calendar : null;
  }

  calendarsOf(email: string): StoredCalendar[] {
    return [...this.calendars.values()].filter((c) => c.owner === email && !c.deleted).sort((a, b) => Number(b.primary) - Number(a.primary) || a.summary.localeCompare(b.summary));
  }

  eventsOf(calendarId: string): Map<string, StoredEvent> {
    return this.events.get(calendarId) ?? new Map();
  }

  /** Stores a new or replaced event at the next change sequence. */
  put(calendarId: string, id: string, fields: StoredEvent["fields"], changedBy: StoredEvent["changedBy"], previous?: StoredEvent): StoredEvent {
    const now = this.ctx.now();
    const timeChanged = previous && (JSON.stringify(previous.fields.start) !== JSON.stringify(fields.start) || JSON.stringify(previous.fields.end) !== JSON.stringify(fields.end) || JSON.stringify(previous.fields.recurrence) !== JSON.stringify(fields.recurrence));
    const event: StoredEvent = {
      id,
      calendarId,
      fields,
      created: previous?.created ?? now,
      updated: now,
      sequence: (previous?.sequence ?? 0) + (timeChanged ? 1 : 0),
      seq: ++this.seq,
      changedBy,
    };
    this.eventsOf(calendarId).set(id, event);
    return event;
  }

  cancel(event: StoredEvent, changedBy: StoredEvent["changedBy"]): StoredEvent {
    return this.put(event.calendarId, event.id, { ...event.fields, status: "cancelled" }, changedBy, event);
  }

  // ---- rendering ------------------------------------------------------------

  etag(event: StoredEvent): string {
    return `"${BigInt(event.updated) * 1000n + BigInt(event.seq % 1000)}"`;
  }

  htmlLink(event: StoredEvent): string {
    const eid = Buffer.from(`${event.id} ${event.calendarId}`).toString("base64url");
    return `${this.ctx.webUrl()}/calendar/event?eid=${eid}`;
  }

  /** An event (or, with `instance`, one of its occurrences) as the API returns it. */
  toJson(event: StoredEvent, instance?: { start: number; end: number; allDay: boolean; startDay: number }): EventJson {
    const calendar = this.calendars.get(event.calendarId)!;
    const changes = instance ? event.fields.instanceChanges?.[instanceSuffix(instance)] : undefined;
    const f = changes ? { ...event.fields, ...changes } : event.fields;
    const id = instance ? instanceId(event, instance) : event.id;
    if (f.status === "cancelled") {
      const out: EventJson = { kind: "calendar#event", etag: this.etag(event), id, status: "cancelled" };
      if (instance) Object.assign(out, { recurringEventId: event.id, originalStartTime: this.boundary(event, instance.start, instance.allDay, f.start) });
      return out;
    }
    const owner = this.accounts.get(calendar.owner);
    const organizer = calendar.primary ? { email: calendar.owner, ...(owner ? { displayName: owner.name } : {}), self: true } : { email: calendar.id, displayName: calendar.summary, self: true };
    const out: EventJson = {
      kind: "calendar#event",
      etag: this.etag(event),
      id,
      status: f.status,
      htmlLink: this.htmlLink(event),
      created: new Date(event.created).toISOString(),
      updated: new Date(event.updated).toISOString(),
    };
    for (const key of ["summary", "description", "location", "colorId"] as const) if (f[key] !== undefined) out[key] = f[key];
    out.creator = { email: calendar.owner, ...(owner ? { displayName: owner.name } : {}), self: true };
    out.organizer = organizer;
    if (instance) {
      out.start = this.boundary(event, instance.start, instance.allDay, f.start);
      out.end = this.boundary(event, instance.end, instance.allDay, f.end);
      out.recurringEventId = event.id;
      out.originalStartTime = this.boundary(event, instance.start, instance.allDay, f.start);
    } else {
      out.start = f.start;
      out.end = f.end;
      if (f.recurrence?.length) out.recurrence = f.recurrence;
    }
    // Google leaves the defaults out: opaque and default visibility are never written back.
    if (f.transparency === "transparent") out.transparency = "transparent";
    if (f.visibility && f.visibility !== "default") out.visibility = f.visibility;
    out.iCalUID = `${event.id}@google.com`;
    out.sequence = event.sequence;
    if (f.attendees?.length) {
      out.attendees = f.attendees.map((a) => {
        const self = a.email.toLowerCase() === calendar.owner;
        return { ...a, responseStatus: a.responseStatus ?? (self ? "accepted" : "needsAction"), ...(self ? { self: true } : {}) };
      });
    }
    for (const key of ["guestsCanModify", "guestsCanInviteOthers", "guestsCanSeeOtherGuests", "extendedProperties", "source"] as const) if (f[key] !== undefined) out[key] = f[key];
    out.reminders = f.reminders ?? { useDefault: true };
    out.eventType = f.eventType;
    if (f.eventType === "focusTime") out.focusTimeProperties = f.focusTimeProperties ?? {};
    return out;
  }

  private boundary(event: StoredEvent, ms: number, allDay: boolean, template: EventTime): EventTime {
    if (allDay) return { date: isoDate(Math.floor(ms / 86_400_000)) };
    const timeZone = template.timeZone ?? this.calendars.get(event.calendarId)?.timeZone ?? "UTC";
    return { dateTime: rfc3339InZone(ms, timeZone), ...(template.timeZone ? { timeZone: template.timeZone } : {}) };
  }

  // ---- time -----------------------------------------------------------------

  /**
   * The occurrences of an event in [from, to) (instants; null = unbounded): itself for a
   * single event, its expanded instances for a recurring one.
   */
  occurrences(event: StoredEvent, from: number | null, to: number | null): Array<{ start: number; end: number; allDay: boolean; startDay: number }> {
    const start = instantOf(event.fields.start);
    const end = instantOf(event.fields.end);
    if (!start || !end) return [];
    const overlaps = (s: number, e: number) => (from === null || e > from) && (to === null || s < to);
    if (!event.fields.recurrence?.length) {
      return overlaps(start.ms, end.ms) ? [{ start: start.ms, end: end.ms, allDay: start.allDay, startDay: Math.floor(start.ms / 86_400_000) }] : [];
    }
    const { rule, exdates } = parseRecurrence(event.fields.recurrence);
    if (!rule) return [];
    const timeZone = event.fields.start.timeZone ?? this.calendars.get(event.calendarId)?.timeZone ?? "UTC";
    // Unbounded queries stop two years after the later of now and the first start, as a full sync would.
    const horizon = Math.max(this.ctx.now(), start.ms) + 2 * 365 * 86_400_000;
    const all = expand({ rule, exdates, allDay: start.allDay, start: start.ms, durationMs: end.ms - start.ms, timeZone, limitEnd: to ?? horizon, max: 2000 });
    return all.filter((o) => overlaps(o.start, o.end));
  }

  /** Resolves an instance id ("<eventId>_20250310T090000Z" / "_20250310") to its master and occurrence. */
  findInstance(calendarId: string, id: string): { master: StoredEvent; occurrence: { start: number; end: number; allDay: boolean; startDay: number } } | null {
    const match = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/.exec(id);
    if (!match) return null;
    const master = this.eventsOf(calendarId).get(match[1]!);
    if (!master?.fields.recurrence?.length) return null;
    const occurrence = this.occurrences(master, null, null).find((o) => instanceSuffix(o) === match[2]);
    return occurrence ? { master, occurrence } : null;
  }
}

export function instanceSuffix(o: { start: number; allDay: boolean }): string {
  return o.allDay ? new Date(o.start).toISOString().slice(0, 10).replace(/-/g, "") : compactUtc(o.start);
}

export const instanceId = (event: StoredEvent, o: { start: number; allDay: boolean }) => `${event.id}_${instanceSuffix(o)}`;

export { isValidTimeZone };
