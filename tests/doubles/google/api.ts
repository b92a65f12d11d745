import { randomBytes } from "node:crypto";
import { type DoubleRequest, type DoubleResponse, credentialFrom, json, noContent } from "../shared/http";
import {
  type CalendarStore,
  type EventFields,
  type EventJson,
  FOCUS_CHAT_STATUSES,
  FOCUS_DECLINE_MODES,
  instantOf,
  instanceSuffix,
  isEventId,
  isValidTimeZone,
  newEventId,
  type StoredCalendar,
  type StoredEvent,
  WRITABLE_FIELDS,
} from "./calendar";
import { CALENDAR_SCOPES, type GoogleOAuth, type GoogleTokenRecord } from "./oauth";
import { parseRecurrence, parseRfc3339 } from "./time";
import type { GoogleChannels } from "./watch";
import { badRequest, duplicate, FOCUS_TIME_UNSUPPORTED, fullSyncRequired, googleError, insufficientScopes, invalidCredentials, loginRequired, notFound, requiredAccessLevel } from "./wire";

/**
 * Google Calendar API v3 under /calendar/v3 (https://developers.google.com/calendar/api/v3/reference):
 * calendarList.list/get, calendars.get, events.list/get/insert/update/patch/delete/instances/watch,
 * channels.stop, plus GET /oauth2/v3/userinfo. Bearer tokens from the double's OAuth; a
 * calendar of another account is 404, as Google answers for a calendar you cannot see.
 *
 * A patch of one instance of a recurring event (by its instance id) changes that instance's
 * other fields (an attendee declining one occurrence); its times stay the series'. A calendar
 * whose accessRole is reader refuses writes with 403 requiredAccessLevel.
 *
 * events.list: timeMin/timeMax (overlap), singleEvents (recurring events expanded into
 * instances "<id>_<yyyymmddThhmmssZ>"), orderBy startTime|updated, showDeleted,
 * eventTypes, maxResults (default 250, max 2500) with nextPageToken, and nextSyncToken on
 * the last page. With syncToken: every event changed since, deleted ones as
 * `{ id, status: "cancelled" }`; 410 fullSyncRequired once the token is invalidated or
 * older than the sync token lifetime.
 */
const READ_EVENTS = [CALENDAR_SCOPES.calendar, CALENDAR_SCOPES.events, CALENDAR_SCOPES.readonly, CALENDAR_SCOPES.eventsReadonly];
const WRITE_EVENTS = [CALENDAR_SCOPES.calendar, CALENDAR_SCOPES.events];
const READ_LIST = [CALENDAR_SCOPES.calendar, CALENDAR_SCOPES.readonly, CALENDAR_SCOPES.calendarList, CALENDAR_SCOPES.calendarListReadonly];

export type SyncTokenRecord = { calendarId: string; seq: number; issuedAt: number; valid: boolean };
type PageState = { owner: string; items: unknown[]; envelope: Record<string, unknown>; nextSyncToken: string | null };

export type ApiContext = {
  store: CalendarStore;
  oauth: GoogleOAuth;
  channels: GoogleChannels;
  now: () => number;
  syncTokens: Map<string, SyncTokenRecord>;
  pages: Map<string, PageState>;
  syncTokenTtlMs: number;
  projectNumber: string;
};

const opaqueToken = (prefix: string) => `${prefix}${randomBytes(18).toString("base64")}`;

export function handleCalendarApi(ctx: ApiContext, req: DoubleRequest, path: string): DoubleResponse {
  const checked = ctx.oauth.check(credentialFrom(req.headers, ["bearer"]));
  if ("problem" in checked) return checked.problem === "missing" ? loginRequired() : invalidCredentials();
  const token = checked.record;
  const allowed = (scopes: readonly string[]) => token.scopes.some((s) => scopes.includes(s));
  const segments = path.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
  const method = req.method;

  if (segments[0] === "users" && segments[1] === "me" && segments[2] === "calendarList") {
    if (!allowed(READ_LIST)) return insufficientScopes();
    if (method !== "GET") return notFound();
    if (segments.length === 3) return calendarList(ctx, req, token);
    const calendar = ctx.store.calendarFor(token.email, segments[3]!);
    return calendar && segments.length === 4 ? json(200, calendarListEntry(calendar)) : notFound();
  }
  if (segments[0] === "channels" && segments[1] === "stop" && segments.length === 2 && method === "POST") {
    const body = parseBody(req);
    if (!body) return badRequest("Parse Error", "parseError");
    const id = String(body.id ?? "");
    if (!ctx.channels.stop(id, String(body.resourceId ?? ""))) return notFound404(`Channel '${id}' not found for project '${ctx.projectNumber}'`);
    return noContent();
  }
  if (segments[0] !== "calendars" || segments.length < 2) return notFound();
  const calendar = ctx.store.calendarFor(token.email, segments[1]!);
  if (!calendar) return notFound();
  if (segments.length === 2) {
    if (!allowed([...READ_LIST, ...READ_EVENTS])) return insufficientScopes();
    return method === "GET" ? json(200, { kind: "calendar#calendar", etag: `"${calendar.resourceSalt}"`, id: calendar.id, summary: calendar.summary, description: calendar.description || undefined, timeZone: calendar.timeZone }) : notFound();
  }
  if (segments[2] !== "events") return notFound();
  const read = allowed(READ_EVENTS);
  const write = allowed(WRITE_EVENTS);
  // A calendar shared read-only: the scope allows writing, the calendar does not.
  const writable = calendar.accessRole === "owner" || calendar.accessRole === "writer";
  if (segments.length === 3) {
    if (method === "GET") return read ? listEvents(ctx, req, calendar, token) : insufficientScopes();
    if (method === "POST") return !write ? insufficientScopes() : writable ? insertEvent(ctx, req, calendar) : requiredAccessLevel();
    return notFound();
  }
  if (segments.length === 4 && segments[3] === "watch" && method === "POST") return read ? watch(ctx, req, calendar) : insufficientScopes();
  const eventId = segments[3]!;
  if (segments.length === 5 && segments[4] === "instances" && method === "GET") return read ? instances(ctx, req, calendar, eventId) : insufficientScopes();
  if (segments.length !== 4) return notFound();
  if (method === "GET") return read ? getEvent(ctx, calendar, eventId) : insufficientScopes();
  if (!write) return insufficientScopes();
  if (!writable && (method === "DELETE" || method === "PUT" || method === "PATCH")) return requiredAccessLevel();
  if (method === "DELETE") return deleteEvent(ctx, calendar, eventId);
  if (method === "PUT" || method === "PATCH") return writeEvent(ctx, req, calendar, eventId, method === "PATCH");
  return notFound();
}

const notFound404 = (message: string) => googleError(404, "notFound", message);

function parseBody(req: DoubleRequest): Record<string, unknown> | null {
  if (!req.body) return {};
  try {
    const value = JSON.parse(req.body) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// ---- calendar list ----------------------------------------------------------------

export function calendarListEntry(calendar: StoredCalendar) {
  return {
    kind: "calendar#calendarListEntry",
    etag: `"${calendar.resourceSalt}"`,
    id: calendar.id,
    summary: calendar.summary,
    ...(calendar.description ? { description: calendar.description } : {}),
    timeZone: calendar.timeZone,
    colorId: calendar.colorId,
    backgroundColor: calendar.backgroundColor,
    foregroundColor: calendar.foregroundColor,
    selected: true,
    accessRole: calendar.accessRole,
    defaultReminders: calendar.primary ? [{ method: "popup", minutes: 10 }] : [],
    ...(calendar.primary ? { notificationSettings: { notifications: [{ type: "eventCreation", method: "email" }] }, primary: true } : {}),
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
  };
}

function calendarList(ctx: ApiContext, req: DoubleRequest, token: GoogleTokenRecord): DoubleResponse {
  const pageToken = req.query.get("pageToken");
  if (pageToken) return nextPage(ctx, pageToken, token, 100);
  const max = clampMax(req.query.get("maxResults"), 100, 250);
  if (max === null) return badRequest("Invalid value for: maxResults", "invalid", { location: "maxResults", locationType: "parameter" });
  const items = ctx.store.calendarsOf(token.email).map(calendarListEntry);
  return firstPage(ctx, token, { kind: "calendar#calendarList", etag: `"${ctx.store.seq}"` }, items, max, opaqueToken("CL"));
}

// ---- pagination -----------------------------------------------------------------

function clampMax(value: string | null, fallback: number, max: number): number | null {
  if (value === null) return fallback;
  const n = Number.parseInt(value, 10);
  if (!Number.isFinite(n) || n < 1) return null;
  return Math.min(n, max);
}

function firstPage(ctx: ApiContext, token: GoogleTokenRecord, envelope: Record<string, unknown>, items: unknown[], max: number, nextSyncToken: string | null): DoubleResponse {
  return page(ctx, { owner: token.email, items, envelope, nextSyncToken }, max);
}

function nextPage(ctx: ApiContext, pageToken: string, token: GoogleTokenRecord, fallbackMax: number, maxParam?: string | null): DoubleResponse {
  const state = ctx.pages.get(pageToken);
  if (!state || state.owner !== token.email) return badRequest("Invalid page token value.", "invalid", { location: "pageToken", locationType: "parameter" });
  return page(ctx, state, clampMax(maxParam ?? null, fallbackMax, 2500) ?? fallbackMax);
}

function page(ctx: ApiContext, state: PageState, max: number): DoubleResponse {
  const items = state.items.slice(0, max);
  const rest = state.items.slice(max);
  const out: Record<string, unknown> = { ...state.envelope };
  if (rest.length) {
    const next = opaqueToken("EjY");
    ctx.pages.set(next, { ...state, items: rest });
    out.nextPageToken = next;
  } else if (state.nextSyncToken) {
    out.nextSyncToken = state.nextSyncToken;
  }
  out.items = items;
  return json(200, out);
}

// ---- events.list ----------------------------------------------------------------

function eventsEnvelope(ctx: ApiContext, calendar: StoredCalendar) {
  const latest = Math.max(0, ...[...ctx.store.eventsOf(calendar.id).values()].map((e) => e.updated));
  return {
    kind: "calendar#events",
    etag: `"${ctx.store.seq}"`,
    summary: calendar.summary,
    description: calendar.description,
    updated: new Date(latest || ctx.now()).toISOString(),
    timeZone: calendar.timeZone,
    accessRole: "owner",
    defaultReminders: calendar.primary ? [{ method: "popup", minutes: 10 }] : [],
  };
}

function listEvents(ctx: ApiContext, req: DoubleRequest, calendar: StoredCalendar, token: GoogleTokenRecord): DoubleResponse {
  const q = req.query;
  const pageToken = q.get("pageToken");
  if (pageToken) return nextPage(ctx, pageToken, token, 250, q.get("maxResults"));
  const max = clampMax(q.get("maxResults"), 250, 2500);
  if (max === null) return badRequest("Invalid value for: maxResults", "invalid", { location: "maxResults", locationType: "parameter" });
  const singleEvents = q.get("singleEvents") === "true";
  const orderBy = q.get("orderBy");
  const eventTypes = q.getAll("eventTypes");
  const syncToken = q.get("syncToken");
  let sinceSeq: number | null = null;
  if (syncToken !== null) {
    const conflicting = ["timeMin", "timeMax", "orderBy", "q", "iCalUID", "updatedMin", "privateExtendedProperty", "sharedExtendedProperty"].filter((p) => q.has(p));
    if (conflicting.length) return badRequest(`Sync token cannot be used together with ${conflicting.join(", ")}.`, "invalid", { location: "syncToken", locationType: "parameter" });
    const record = ctx.syncTokens.get(syncToken);
    if (!record || record.calendarId !== calendar.id) return badRequest("Invalid sync token value.", "invalid", { location: "syncToken", locationType: "parameter" });
    if (!record.valid || record.issuedAt + ctx.syncTokenTtlMs <= ctx.now()) return fullSyncRequired();
    sinceSeq = record.seq;
  }
  const timeMin = q.get("timeMin");
  const timeMax = q.get("timeMax");
  const from = timeMin === null ? null : parseRfc3339(timeMin);
  const to = timeMax === null ? null : parseRfc3339(timeMax);
  if ((timeMin !== null && from === null) || (timeMax !== null && to === null)) return badRequest("Bad Request", "badRequest");
  if (from !== null && to !== null && from >= to) return googleError(400, "timeRangeEmpty", "The specified time range is empty.", { domain: "calendar", location: "timeMax", locationType: "parameter" });
  if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated") return badRequest(`Invalid value for: ${orderBy} is not a valid value`, "invalid", { location: "orderBy", locationType: "parameter" });
  if (orderBy === "startTime" && !singleEvents) return badRequest("The requested ordering is not available for the particular query.", "invalid", { location: "orderBy", locationType: "parameter" });
  const showDeleted = q.get("showDeleted") === "true" || sinceSeq !== null;

  type Row = { start: number; updated: number; seq: number; json: EventJson };
  const rows: Row[] = [];
  for (const event of ctx.store.eventsOf(calendar.id).values()) {
    if (sinceSeq !== null && event.seq <= sinceSeq) continue;
    const cancelled = event.fields.status === "cancelled";
    if (cancelled && !showDeleted) continue;
    if (eventTypes.length && !eventTypes.includes(event.fields.eventType)) continue;
    const occurrences = ctx.store.occurrences(event, from, to);
    if ((from !== null || to !== null) && !occurrences.length) continue;
    const base = { updated: event.updated, seq: event.seq };
    if (singleEvents && event.fields.recurrence?.length && !cancelled) {
      for (const o of occurrences) rows.push({ ...base, start: o.start, json: ctx.store.toJson(event, o) });
      if (sinceSeq !== null) for (const gone of exdatedInstances(ctx, event)) rows.push({ ...base, start: gone.start, json: gone.json });
    } else {
      rows.push({ ...base, start: instantOf(event.fields.start)?.ms ?? 0, json: ctx.store.toJson(event) });
    }
  }
  if (orderBy === "updated") rows.sort((a, b) => a.updated - b.updated || a.seq - b.seq);
  else if (sinceSeq !== null && orderBy === null) rows.sort((a, b) => a.seq - b.seq || a.start - b.start);
  else rows.sort((a, b) => a.start - b.start || a.json.id.localeCompare(b.json.id));

  const nextSyncToken = opaqueToken("CP");
  ctx.syncTokens.set(nextSyncToken, { calendarId: calendar.id, seq: ctx.store.seq, issuedAt: ctx.now(), valid: true });
  return firstPage(ctx, token, eventsEnvelope(ctx, calendar), rows.map((r) => r.json), max, nextSyncToken);
}

/** Occurrences removed with EXDATE, as the cancelled instances an incremental sync reports. */
function exdatedInstances(ctx: ApiContext, event: StoredEvent): Array<{ start: number; json: EventJson }> {
  const { exdates } = parseRecurrence(event.fields.recurrence ?? []);
  const out: Array<{ start: number; json: EventJson }> = [];
  for (const value of exdates) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
    if (!m) continue;
    const start = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    out.push({ start, json: { kind: "calendar#event", etag: ctx.store.etag(event), id: `${event.id}_${value}`, status: "cancelled", recurringEventId: event.id, originalStartTime: { dateTime: new Date(start).toISOString().replace(/\.\d{3}Z$/, "Z"), ...(event.fields.start.timeZone ? { timeZone: event.fields.start.timeZone } : {}) } } });
  }
  return out;
}

function instances(ctx: ApiContext, req: DoubleRequest, calendar: StoredCalendar, eventId: string): DoubleResponse {
  const event = ctx.store.eventsOf(calendar.id).get(eventId);
  if (!event) return notFound();
  if (event.fields.status === "cancelled") return googleError(410, "deleted", "Resource has been deleted");
  const from = req.query.has("timeMin") ? parseRfc3339(req.query.get("timeMin")!) : null;
  const to = req.query.has("timeMax") ? parseRfc3339(req.query.get("timeMax")!) : null;
  const max = clampMax(req.query.get("maxResults"), 250, 2500) ?? 250;
  const items = event.fields.recurrence?.length ? ctx.store.occurrences(event, from, to).map((o) => ctx.store.toJson(event, o)) : [ctx.store.toJson(event)];
  return json(200, { ...eventsEnvelope(ctx, calendar), items: items.slice(0, max) });
}

// ---- single events ----------------------------------------------------------------

function getEvent(ctx: ApiContext, calendar: StoredCalendar, eventId: string): DoubleResponse {
  const event = ctx.store.eventsOf(calendar.id).get(eventId);
  if (event) return json(200, ctx.store.toJson(event));
  const instance = ctx.store.findInstance(calendar.id, eventId);
  if (instance && instance.master.fields.status !== "cancelled") return json(200, ctx.store.toJson(instance.master, instance.occurrence));
  return notFound();
}

/** Validates and normalizes writable fields; an error response when Google would refuse them. */
export function validateFields(ctx: Pick<ApiContext, "store">, calendar: StoredCalendar, input: EventFields): { fields: StoredEvent["fields"] } | { error: DoubleResponse } {
  const error = (message: string, reason = "invalid", domain = "global") => ({ error: googleError(400, reason, message, { domain }) });
  if (!input.end) return error("Missing end time.", "required");
  if (!input.start) return error("Missing start time.", "required");
  const start = instantOf(input.start);
  const end = instantOf(input.end);
  if (!start) return error("Invalid start time.");
  if (!end) return error("Invalid end time.");
  if (start.allDay !== end.allDay) return error("Start and end times must either both be date or both be dateTime.");
  if (end.ms <= start.ms) return error("The specified time range is empty.", "timeRangeEmpty", "calendar");
  for (const [name, time] of [["start", input.start], ["end", input.end]] as const) {
    if (time.timeZone && !isValidTimeZone(time.timeZone)) return error(`Invalid time zone definition for ${name} time.`);
  }
  if (input.recurrence?.length) {
    if (!start.allDay && !input.start.timeZone) return error("Missing time zone definition for start time.", "required");
    if (parseRecurrence(input.recurrence).error) return error("Invalid recurrence rule.");
  }
  if (input.transparency !== undefined && input.transparency !== "opaque" && input.transparency !== "transparent") return error(`Invalid value for: ${String(input.transparency)} is not a valid value`);
  if (input.visibility !== undefined && !["default", "public", "private", "confidential"].includes(input.visibility)) return error(`Invalid value for: ${String(input.visibility)} is not a valid value`);
  if (input.attendees?.some((a) => !a?.email)) return error("Missing attendee email.", "required");
  const eventType = input.eventType ?? "default";
  if (!["default", "focusTime", "outOfOffice", "workingLocation"].includes(eventType)) return error("Invalid event type.");
  const fields: StoredEvent["fields"] = { ...input, start: input.start, end: input.end, eventType, status: input.status ?? "confirmed" };
  if (eventType === "focusTime") {
    const account = ctx.store.accounts.get(calendar.owner);
    if (!account?.workspace) return error(FOCUS_TIME_UNSUPPORTED.message, FOCUS_TIME_UNSUPPORTED.reason);
    if (!calendar.primary) return error("Focus time events can only be created on the primary calendar.");
    if (start.allDay) return error("Focus time events cannot be all-day events.");
    if (input.attendees?.some((a) => a.email.toLowerCase() !== calendar.owner)) return error("Focus time events cannot have attendees.");
    const props = input.focusTimeProperties ?? {};
    if (props.autoDeclineMode !== undefined && !(FOCUS_DECLINE_MODES as readonly string[]).includes(props.autoDeclineMode)) return error(`Invalid value for: ${props.autoDeclineMode} is not a valid value`);
    if (props.chatStatus !== undefined && !(FOCUS_CHAT_STATUSES as readonly string[]).includes(props.chatStatus)) return error(`Invalid value for: ${props.chatStatus} is not a valid value`);
    fields.focusTimeProperties = { autoDeclineMode: props.autoDeclineMode ?? "declineNone", ...(props.chatStatus ? { chatStatus: props.chatStatus } : {}), ...(props.declineMessage ? { declineMessage: props.declineMessage } : {}) };
    delete fields.attendees;
  } else {
    delete fields.focusTimeProperties; // only kept on focusTime events
  }
  return { fields };
}

function writableFrom(body: Record<string, unknown>): EventFields {
  const out: Record<string, unknown> = {};
  for (const key of WRITABLE_FIELDS) if (body[key] !== undefined && body[key] !== null) out[key] = body[key];
  return out as EventFields;
}

function insertEvent(ctx: ApiContext, req: DoubleRequest, calendar: StoredCalendar): DoubleResponse {
  const body = parseBody(req);
  if (!body) return badRequest("Parse Error", "parseError");
  const id = body.id === undefined || body.id === null ? newEventId() : String(body.id);
  if (!isEventId(id)) return badRequest("Invalid resource id value.");
  // Any event that ever had this id (also a deleted one) makes the id taken.
  if (ctx.store.eventsOf(calendar.id).has(id)) return duplicate();
  const checked = validateFields(ctx, calendar, writableFrom(body));
  if ("error" in checked) return checked.error;
  const event = ctx.store.put(calendar.id, id, checked.fields, "api");
  void ctx.channels.notify(calendar.id);
  return json(200, ctx.store.toJson(event));
}

function writeEvent(ctx: ApiContext, req: DoubleRequest, calendar: StoredCalendar, eventId: string, patch: boolean): DoubleResponse {
  const body = parseBody(req);
  if (!body) return badRequest("Parse Error", "parseError");
  const existing = ctx.store.eventsOf(calendar.id).get(eventId);
  if (!existing) {
    const instance = ctx.store.findInstance(calendar.id, eventId);
    return instance ? writeInstance(ctx, body, calendar, instance, patch) : notFound();
  }
  if (existing.fields.status === "cancelled" && body.status !== "confirmed" && body.status !== "tentative") return googleError(410, "deleted", "Resource has been deleted");
  if (body.id !== undefined && body.id !== eventId) return badRequest("Invalid resource id value.");
  let next: EventFields;
  if (patch) {
    next = { ...existing.fields };
    for (const key of WRITABLE_FIELDS) {
      if (!(key in body)) continue;
      const value = body[key];
      const current = next[key];
      if (value === null) delete next[key];
      else if (["start", "end", "focusTimeProperties", "reminders", "extendedProperties", "source"].includes(key) && current && typeof value === "object" && !Array.isArray(value)) {
        (next as Record<string, unknown>)[key] = { ...(current as object), ...(value as object) };
      } else (next as Record<string, unknown>)[key] = value;
    }
    // A start or end given as dateTime replaces a date (and the other way round).
    for (const key of ["start", "end"] as const) {
      const given = body[key] as Record<string, unknown> | undefined;
      if (given?.dateTime && next[key]) delete next[key]!.date;
      if (given?.date && next[key]) delete next[key]!.dateTime;
    }
  } else {
    next = writableFrom(body);
  }
  if ((next.eventType ?? "default") !== existing.fields.eventType) return badRequest("The event type cannot be changed.");
  const checked = validateFields(ctx, calendar, next);
  if ("error" in checked) return checked.error;
  const event = ctx.store.put(calendar.id, eventId, checked.fields, "api", existing);
  void ctx.channels.notify(calendar.id);
  return json(200, ctx.store.toJson(event));
}

/** Fields a single instance may change on the double: everything but its times, its series and its type. */
const INSTANCE_FIELDS = WRITABLE_FIELDS.filter((key) => !["start", "end", "recurrence", "eventType", "status"].includes(key));

/**
 * A change to one instance of a recurring event (an attendee declining one occurrence, a
 * title for one day), kept on the series by instance suffix. Moving or cancelling a single
 * instance is not reproduced: delete the instance instead.
 */
function writeInstance(ctx: ApiContext, body: Record<string, unknown>, calendar: StoredCalendar, instance: NonNullable<ReturnType<CalendarStore["findInstance"]>>, patch: boolean): DoubleResponse {
  if (!patch || ["start", "end", "recurrence"].some((key) => key in body)) return badRequest("This double does not move or replace single instances of a recurring event; patch other fields, or delete the instance.");
  const { master, occurrence } = instance;
  const suffix = instanceSuffix(occurrence);
  const changes: EventFields = { ...master.fields.instanceChanges?.[suffix] };
  for (const key of INSTANCE_FIELDS) {
    if (!(key in body)) continue;
    if (body[key] === null) delete changes[key];
    else (changes as Record<string, unknown>)[key] = body[key];
  }
  if (changes.attendees?.some((a) => !a?.email)) return badRequest("Missing attendee email.", "required");
  const updated = ctx.store.put(calendar.id, master.id, { ...master.fields, instanceChanges: { ...master.fields.instanceChanges, [suffix]: changes } }, "api", master);
  void ctx.channels.notify(calendar.id);
  return json(200, ctx.store.toJson(updated, occurrence));
}

function deleteEvent(ctx: ApiContext, calendar: StoredCalendar, eventId: string): DoubleResponse {
  const existing = ctx.store.eventsOf(calendar.id).get(eventId);
  if (existing) {
    if (existing.fields.status === "cancelled") return googleError(410, "deleted", "Resource has been deleted");
    ctx.store.cancel(existing, "api");
    void ctx.channels.notify(calendar.id);
    return noContent();
  }
  const instance = ctx.store.findInstance(calendar.id, eventId);
  if (!instance || instance.master.fields.status === "cancelled") return notFound();
  excludeInstance(ctx.store, instance.master, instance.occurrence, "api");
  void ctx.channels.notify(calendar.id);
  return noContent();
}

/** Deleting one instance: the master gains an EXDATE for it (and a new change sequence). */
export function excludeInstance(store: CalendarStore, master: StoredEvent, occurrence: { start: number; allDay: boolean }, changedBy: StoredEvent["changedBy"]): StoredEvent {
  const suffix = occurrence.allDay ? `;VALUE=DATE:${new Date(occurrence.start).toISOString().slice(0, 10).replace(/-/g, "")}` : `:${new Date(occurrence.start).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`;
  return store.put(master.calendarId, master.id, { ...master.fields, recurrence: [...(master.fields.recurrence ?? []), `EXDATE${suffix}`] }, changedBy, master);
}

// ---- watch --------------------------------------------------------------------------

function watch(ctx: ApiContext, req: DoubleRequest, calendar: StoredCalendar): DoubleResponse {
  const body = parseBody(req);
  if (!body) return badRequest("Parse Error", "parseError");
  const id = typeof body.id === "string" ? body.id : "";
  const address = typeof body.address === "string" ? body.address : "";
  if (!id) return badRequest("Required", "required");
  if (body.type !== "web_hook" && body.type !== "webhook") return badRequest(`Invalid value for: ${String(body.type)} is not a valid value`, "invalid");
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return badRequest(`WebHook callback must be HTTPS: ${address}`, "push.webhookUrlNotHttps", { domain: "usageLimits" });
  }
  // Google takes only HTTPS; the double also takes plain HTTP on loopback, where the app runs in tests and the sandbox.
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) return badRequest(`WebHook callback must be HTTPS: ${address}`, "push.webhookUrlNotHttps", { domain: "usageLimits" });
  if (ctx.channels.channels.has(id)) return badRequest("Channel id not unique", "channelIdNotUnique");
  const expiration = body.expiration === undefined || body.expiration === null ? null : Number(body.expiration);
  const channel = ctx.channels.open(calendar, { id, address, token: typeof body.token === "string" ? body.token : null, expiration: Number.isFinite(expiration) ? expiration : null });
  return json(200, {
    kind: "api#channel",
    id: channel.id,
    resourceId: channel.resourceId,
    resourceUri: channel.resourceUri,
    ...(channel.token !== null ? { token: channel.token } : {}),
    expiration: String(channel.expiration),
  });
}

// ---- userinfo -----------------------------------------------------------------------

export function userInfo(ctx: Pick<ApiContext, "store" | "oauth">, req: DoubleRequest): DoubleResponse {
  const checked = ctx.oauth.check(credentialFrom(req.headers, ["bearer"]));
  if ("problem" in checked) return checked.problem === "missing" ? loginRequired() : invalidCredentials();
  const account = ctx.store.account(checked.record.email);
  const scopes = checked.record.scopes;
  const out: Record<string, unknown> = { sub: account.sub };
  if (scopes.some((s) => s.endsWith("userinfo.profile"))) Object.assign(out, { name: account.name, given_name: account.name.split(" ")[0], family_name: account.name.split(" ").slice(1).join(" ") || undefined });
  if (scopes.some((s) => s.endsWith("userinfo.email"))) Object.assign(out, { email: account.email, email_verified: true });
  // `hd` (hosted domain) is how an app tells a Workspace account from a consumer one.
  if (account.workspace) out.hd = account.email.split("@")[1];
  return json(200, out);
}
