import type { calendar_v3 } from "googleapis/build/src/apis/calendar";
import type { CalendarEvent, CalendarInfo, CalendarNotification, CalendarWatch, ConnectedAccount, FocusBlockInput } from "../provider";
import { ProviderError } from "../resilience";
import { GOOGLE } from "./facts";

/** Google Calendar v3 shapes → ours, and ours → Google's. Only the fields we use; Google sends many more. */

type GoogleEvent = calendar_v3.Schema$Event;

const badResponse = (message: string) => new ProviderError("google", "bad_response", message);

/**
 * Our stable clientId as a Google event id. Google lets a client choose an event's id, which
 * is what makes a retried insert safe (the second one answers 409 duplicate), but only in
 * base32hex (RFC 4648 §7: 0–9 and a–v, lower case) and 5 to 1024 characters long. So the
 * clientId's UTF-8 bytes are written in base32hex, unpadded: the same clientId always gives
 * the same id, and two clientIds never share one.
 */
export function googleEventId(clientId: string): string {
  const { alphabet, minLength, maxLength } = GOOGLE.limits.eventId;
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of new TextEncoder().encode(clientId)) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  if (out.length < minLength || out.length > maxLength) throw new RangeError(`A focus block's clientId must be 3 to 640 bytes long to become a Google event id (got ${clientId.length} characters).`);
  return out;
}

export function toCalendarInfo(entry: calendar_v3.Schema$CalendarListEntry): CalendarInfo {
  if (!entry.id) throw badResponse("Google Calendar listed a calendar without an id.");
  return {
    id: entry.id,
    name: entry.summaryOverride ?? entry.summary ?? entry.id,
    primary: entry.primary === true,
    canWrite: (GOOGLE.writeAccessRoles as readonly string[]).includes(entry.accessRole ?? ""),
    timeZone: entry.timeZone ?? null,
    color: entry.backgroundColor ?? null,
  };
}

/** With only calendar scopes, the primary calendar is who the person is: its id is the account's email address. */
export function toAccount(primary: calendar_v3.Schema$Calendar): ConnectedAccount {
  const email = primary.id;
  if (!email?.includes("@")) throw badResponse("Google Calendar answered without the primary calendar's address.");
  return { accountId: email, login: email, displayName: null, emails: [email] };
}

const ALL_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** An event boundary as an ISO instant: a dateTime as it is (in UTC), a date as the start of that UTC day (an end date is exclusive, as Google's is). */
function instantOf(time: calendar_v3.Schema$EventDateTime | undefined): { iso: string; allDay: boolean } | null {
  if (time?.dateTime) {
    const ms = Date.parse(time.dateTime);
    return Number.isFinite(ms) ? { iso: new Date(ms).toISOString(), allDay: false } : null;
  }
  if (time?.date && ALL_DAY.test(time.date)) return { iso: `${time.date}T00:00:00.000Z`, allDay: true };
  return null;
}

const isCancelled = (event: GoogleEvent) => event.status === "cancelled";

/**
 * One event (or instance) as the calendar domain keeps it; null for one without usable times
 * (Google always sends them for a live event: such an event is skipped, never guessed at).
 */
export function toCalendarEvent(event: GoogleEvent, calendarId: string): CalendarEvent | null {
  const start = instantOf(event.start);
  const end = instantOf(event.end);
  if (!event.id || !start || !end) return null;
  const status = event.status === "tentative" || event.status === "cancelled" ? event.status : "confirmed";
  const self = event.attendees?.find((attendee) => attendee.self);
  return {
    id: event.id,
    calendarId,
    title: event.summary ?? null,
    start: start.iso,
    end: end.iso,
    allDay: start.allDay,
    // Free (transparent) time, a cancelled event and a meeting the person declined block nothing.
    busy: event.transparency !== "transparent" && status !== "cancelled" && self?.responseStatus !== "declined",
    private: event.visibility === "private" || event.visibility === "confidential",
    status,
    focusTime: event.eventType === "focusTime",
    seriesId: event.recurringEventId ?? null,
    attendees: event.attendees?.filter((attendee) => !attendee.resource).length ?? 0,
    url: event.htmlLink ?? null,
  };
}

/**
 * One round of events.list items → what changed in the window and what left it. Cancelled
 * events (and cancelled instances) are removed. An incremental round also reports events
 * that changed elsewhere (a sync token is not bound to the window): one that no longer
 * overlaps the window counts as removed from it, so a meeting moved out of the window leaves
 * the caller's copy of the window.
 */
export function toChanges(items: readonly GoogleEvent[], calendarId: string, window: { from: string; to: string }): { events: CalendarEvent[]; removedIds: string[] } {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const events: CalendarEvent[] = [];
  const removedIds: string[] = [];
  for (const item of items) {
    if (!item.id) continue;
    if (isCancelled(item)) {
      removedIds.push(item.id);
      continue;
    }
    const event = toCalendarEvent(item, calendarId);
    if (!event) continue;
    const overlaps = Date.parse(event.start) < to && Date.parse(event.end) > from;
    if (overlaps) events.push(event);
    else removedIds.push(event.id);
  }
  return { events, removedIds };
}

const asRRule = (rule: string) => (/^RRULE:/i.test(rule) ? rule : `RRULE:${rule}`);

/**
 * A focus block as the event to insert: a native focusTime event, or an opaque busy event
 * standing in for one where Google refuses focusTime. Reminders are popups at the given
 * minutes; none asked for means none (not the calendar's defaults).
 */
export function toFocusEvent(block: FocusBlockInput, kind: "focusTime" | "busyEvent"): GoogleEvent {
  const event: GoogleEvent = {
    id: googleEventId(block.clientId),
    summary: block.title,
    start: { dateTime: block.start, timeZone: block.timeZone },
    end: { dateTime: block.end, timeZone: block.timeZone },
    transparency: "opaque",
    reminders: { useDefault: false, overrides: block.reminders.map((minutes) => ({ method: GOOGLE.reminderMethod, minutes })) },
  };
  if (block.description !== null) event.description = block.description;
  if (block.recurrence) event.recurrence = [asRRule(block.recurrence)];
  if (kind === "focusTime") {
    event.eventType = "focusTime";
    event.focusTimeProperties = block.autoDecline
      ? { autoDeclineMode: GOOGLE.focusTime.autoDeclineMode.on, chatStatus: GOOGLE.focusTime.chatStatus }
      : { autoDeclineMode: GOOGLE.focusTime.autoDeclineMode.off };
  }
  return event;
}

export const focusBlockKind = (event: GoogleEvent): "focusTime" | "busyEvent" => (event.eventType === "focusTime" ? "focusTime" : "busyEvent");

/** The fields of a focus block's change as an events.patch body (a description of null clears it); null when nothing changes. */
export function toFocusPatch(change: Partial<Pick<FocusBlockInput, "title" | "description" | "start" | "end" | "timeZone">>): GoogleEvent | null {
  const patch: GoogleEvent = {};
  if (change.title !== undefined) patch.summary = change.title;
  if (change.description !== undefined) patch.description = change.description;
  const boundary = (dateTime: string | undefined): calendar_v3.Schema$EventDateTime | undefined =>
    dateTime === undefined && change.timeZone === undefined ? undefined : { ...(dateTime !== undefined ? { dateTime } : {}), ...(change.timeZone !== undefined ? { timeZone: change.timeZone } : {}) };
  const start = boundary(change.start);
  const end = boundary(change.end);
  if (start) patch.start = start;
  if (end) patch.end = end;
  return Object.keys(patch).length ? patch : null;
}

/** The attendee list with the connected person's answer set to declined; null when they are not invited or already declined. */
export function declinedAttendees(event: GoogleEvent): calendar_v3.Schema$EventAttendee[] | null {
  const attendees = event.attendees ?? [];
  const self = attendees.find((attendee) => attendee.self);
  if (!self || self.responseStatus === "declined") return null;
  return attendees.map((attendee) => (attendee === self ? { ...attendee, responseStatus: "declined" } : attendee));
}

export function toWatch(channel: calendar_v3.Schema$Channel, requested: Date): CalendarWatch {
  if (!channel.id || !channel.resourceId) throw badResponse("Google Calendar opened a channel without its id or resource id.");
  const expiration = Number(channel.expiration);
  return { id: channel.id, resourceId: channel.resourceId, expiresAt: Number.isFinite(expiration) && expiration > 0 ? new Date(expiration) : requested };
}

/**
 * A push delivery: Google POSTs an empty body and says everything in headers. Null when it
 * names no channel or no resource state (not Google's). The token is only read here; the
 * calendar domain checks it against the watch.
 */
export function toNotification(headers: Headers): CalendarNotification | null {
  const names = GOOGLE.notificationHeaders;
  const watchId = headers.get(names.channelId);
  const state = headers.get(names.resourceState);
  if (!watchId || !state) return null;
  const signal = Object.hasOwn(GOOGLE.resourceStates, state) ? GOOGLE.resourceStates[state as keyof typeof GOOGLE.resourceStates] : "sync";
  const messageNumber = headers.get(names.messageNumber);
  const deliveryId = messageNumber && /^\d{1,20}$/.test(messageNumber) ? `${watchId}:${messageNumber}` : undefined;
  return { kind: "notifications", items: [{ watchId, token: headers.get(names.channelToken), signal, ...(deliveryId ? { deliveryId } : {}) }] };
}
