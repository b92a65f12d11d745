import { randomBytes, randomUUID } from "node:crypto";
import { credentialFrom, type DoubleRequest, type DoubleResponse, jsonBody, noContent } from "../shared/http";
import { type EventFields, eventDefaults, type Instance, type MicrosoftData, type Recurrence, type StoredEvent } from "./data";
import type { AccessRecord, MicrosoftIdentity } from "./identity";
import type { GraphSubscriptions, Subscription } from "./subscriptions";
import { graphError, graphJson, ianaZone, invalidToken, parseDateTimeTimeZone, parseQueryInstant, preferences, requestIds } from "./wire";

/**
 * Microsoft Graph v1.0, the calendar part, under `${url}/v1.0`:
 *
 *   GET  /me
 *   GET  /me/calendars ($top, $skip → @odata.nextLink), /me/calendar, /me/calendars/{id}
 *   GET  /me/events, /me/calendar/events, /me/calendars/{id}/events   (singles and series masters; $top/$skip)
 *   POST the same three: create (transactionId makes a retried create return the first event, 201, no duplicate)
 *   GET|PATCH|DELETE /me/events/{id}   (an occurrence id edits or cancels that occurrence only)
 *   GET  /me/events/{id}/instances?startDateTime&endDateTime
 *   POST /me/events/{id}/decline { comment?, sendResponse? } → 202: an invitation leaves the calendar
 *        (an occurrence id: that occurrence); 400 ErrorInvalidRequest for one's own event
 *   GET  /me/calendarView, /me/calendar/calendarView, /me/calendars/{id}/calendarView
 *        ?startDateTime&endDateTime (required): instances (occurrences expanded), by start; $top/$skip paging
 *   GET  …/calendarView/delta?startDateTime&endDateTime → pages linked by @odata.nextLink ($skiptoken),
 *        the last with @odata.deltaLink ($deltatoken); a delta link returns what changed since
 *        (full events) and `{ id, "@removed": { reason: "deleted" } }` for instances gone from the
 *        window. An unknown or expired token (deltaTokenTtlMs, expireDeltaTokens()) → 410 SyncStateNotFound.
 *   POST|GET /subscriptions, GET|PATCH|DELETE /subscriptions/{id}, POST /subscriptions/{id}/reauthorize
 *   `/users/{id or userPrincipalName}/…` works like `/me/…` for the token's own user (403 otherwise).
 *
 * Headers: `Prefer: outlook.timezone="<Windows or IANA zone>"` (times in that zone, default UTC),
 * `Prefer: odata.maxpagesize=N` (page size of lists and delta, echoed in Preference-Applied; default
 * 10). $select is honoured; $orderby is accepted (lists are always ordered by start); $filter,
 * $search and $expand are refused with 400 (not in this double). Scopes: reading needs
 * Calendars.Read or Calendars.ReadWrite, writing Calendars.ReadWrite (else 403 ErrorAccessDenied).
 */
export type GraphCtx = {
  data: MicrosoftData;
  identity: MicrosoftIdentity;
  subscriptions: GraphSubscriptions;
  delta: DeltaStore;
  now: () => number;
  graphUrl: () => string;
  loginUrl: () => string;
};

type DeltaItem = { removed: string } | { instance: Instance };
type DeltaSession = { ownerId: string; calendarId: string | null; from: number; to: number; items: DeltaItem[]; snapshot: Map<string, string>; createdAt: number };
type DeltaToken = { ownerId: string; calendarId: string | null; from: number; to: number; snapshot: Map<string, string>; createdAt: number };

export class DeltaStore {
  readonly sessions = new Map<string, DeltaSession>();
  readonly tokens = new Map<string, DeltaToken>();
  constructor(public ttlMs: number) {}
  expireAll(): number {
    const count = this.tokens.size + this.sessions.size;
    this.tokens.clear();
    this.sessions.clear();
    return count;
  }
}

const opaque = () => `${randomBytes(6).toString("base64url")}${randomBytes(36).toString("base64url")}`;


export async function handleGraph(ctx: GraphCtx, req: DoubleRequest, rawPath: string): Promise<DoubleResponse> {
  // ---- authentication
  const token = credentialFrom(req.headers, ["bearer"]);
  if (!token) return invalidToken("Access token is empty.", ctx.loginUrl());
  const record = ctx.identity.tokens.get(token);
  if (!record) return invalidToken(token.split(".").length === 3 ? "Access token validation failure. Invalid audience." : "IDX14100: JWT is not well formed, there are no dots (.).", ctx.loginUrl());
  if (record.expiresAt <= ctx.now()) return invalidToken("Lifetime validation failed, the token is expired.", ctx.loginUrl());

  // ---- /users/{id}/… is /me/… for oneself
  let path = rawPath.replace(/\/+$/, "") || "/";
  const users = /^\/users\/([^/]+)(\/.*)?$/.exec(path);
  if (users) {
    const key = decodeURIComponent(users[1]!).toLowerCase();
    const person = ctx.data.mailbox(record.userId).person;
    if (key !== person.id && key !== person.userPrincipalName.toLowerCase()) return graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    path = `/me${users[2] ?? ""}`;
  }
  for (const option of ["$filter", "$search", "$expand"]) {
    if (req.query.has(option)) return graphError(400, "BadRequest", `The query option ${option} is not supported by this Graph sandbox.`);
  }

  if (path === "/subscriptions" || path.startsWith("/subscriptions/")) {
    if (!canRead(record)) return accessDenied();
    return handleSubscriptions(ctx, req, record, path);
  }
  if (!path.startsWith("/me")) return graphError(400, "BadRequest", `Resource not found for the segment '${path.split("/")[1] ?? ""}'.`);
  if (path === "/me" && req.method === "GET") return meJson(ctx, record.userId);
  if (!canRead(record)) return accessDenied();
  const writing = req.method !== "GET";
  if (writing && !record.scopes.includes("Calendars.ReadWrite")) return accessDenied();

  const zone = preferences(req.headers.prefer).timeZone ?? "UTC";
  if (!ianaZone(zone)) return graphError(400, "TimeZoneNotSupportedException", `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`);
  const userId = record.userId;

  if (path === "/me/calendars" && req.method === "GET") {
    const calendars = ctx.data.mailbox(userId).calendars;
    return page(ctx, req, path, calendars.map((c) => calendarJson(ctx, c)), `users('${userId}')/calendars`);
  }

  // /me/calendar, /me/calendars/{id} and what hangs below them
  const scoped = /^\/me\/(?:calendar|calendars\/([^/]+))(\/.*)?$/.exec(path);
  let calendarId: string | null = null;
  let rest = path.slice(3); // after "/me"
  if (scoped) {
    const calendar = scoped[1] ? ctx.data.calendar(userId, decodeURIComponent(scoped[1])) : ctx.data.defaultCalendar(userId);
    if (!calendar) return scoped[1] && !scoped[1].startsWith("AAMk") ? graphError(400, "ErrorInvalidIdMalformed", "Id is malformed.") : graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    calendarId = calendar.id;
    rest = scoped[2] ?? "";
    if (rest === "" && req.method === "GET") return graphJson(200, { "@odata.context": `${ctx.graphUrl()}/$metadata#users('${userId}')/calendars/$entity`, ...calendarJson(ctx, calendar) });
  }

  if (rest === "/events") {
    if (req.method === "GET") {
      const events = ctx.data.events(userId, calendarId).map((e) => select(req, ctx.data.eventJson(e, zone, ctx.graphUrl())));
      return page(ctx, req, path, events, `users('${userId}')/events`, zone);
    }
    if (req.method === "POST") return createEvent(ctx, req, userId, calendarId ?? ctx.data.defaultCalendar(userId).id, zone);
  }
  if (rest === "/calendarView" && req.method === "GET") {
    const window = windowOf(req);
    if ("status" in window) return window;
    const instances = ctx.data.instances(userId, calendarId, window.from, window.to).map((i) => select(req, ctx.data.eventJson(i, zone, ctx.graphUrl())));
    return page(ctx, req, path, instances, `users('${userId}')/calendarView`, zone);
  }
  if (rest === "/calendarView/delta" && req.method === "GET") return delta(ctx, req, path, userId, calendarId, zone);

  const single = /^\/events\/([^/]+)(\/instances|\/decline)?$/.exec(rest);
  if (single && calendarId === null) {
    const id = decodeURIComponent(single[1]!);
    if (!id.startsWith("AAMk")) return graphError(400, "ErrorInvalidIdMalformed", "Id is malformed.");
    const event = ctx.data.event(userId, id);
    const occurrence = event ? undefined : ctx.data.occurrence(userId, id);
    if (!event && !occurrence) return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    if (single[2] === "/decline") {
      if (req.method !== "POST") return methodNotAllowed();
      return declineEvent(ctx, req, event ?? occurrence!);
    }
    if (single[2]) {
      if (req.method !== "GET") return methodNotAllowed();
      const window = windowOf(req);
      if ("status" in window) return window;
      const instances = event ? ctx.data.instances(userId, event.calendarId, window.from, window.to).filter((i) => i.event === event) : [];
      return page(ctx, req, path, instances.map((i) => select(req, ctx.data.eventJson(i, zone, ctx.graphUrl()))), `users('${userId}')/events('${id}')/instances`, zone);
    }
    if (req.method === "GET") return graphJson(200, { "@odata.context": `${ctx.graphUrl()}/$metadata#users('${userId}')/events/$entity`, ...select(req, ctx.data.eventJson(event ?? occurrence!, zone, ctx.graphUrl())) }, zoneHeader(zone));
    if (req.method === "DELETE") {
      if (event) ctx.data.deleteEvent(event, "api");
      else ctx.data.overrideOccurrence(occurrence!.event, occurrence!.originalStartMs!, { cancelled: true }, "api");
      return noContent(requestIds());
    }
    if (req.method === "PATCH") return patchEvent(ctx, req, userId, event ?? occurrence!, zone);
    return methodNotAllowed();
  }
  return graphError(400, "BadRequest", `Resource not found for the segment '${rest.split("/")[1] ?? path}'.`);
}

const accessDenied = () => graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
const methodNotAllowed = () => graphError(405, "Request_BadRequest", "The requested HTTP method is not supported for this resource.");
const canRead = (record: AccessRecord) => record.scopes.includes("Calendars.ReadWrite") || record.scopes.includes("Calendars.Read");
const zoneHeader = (zone: string): Record<string, string> => (zone === "UTC" ? {} : { "preference-applied": `outlook.timezone="${zone}"` });

function meJson(ctx: GraphCtx, userId: string): DoubleResponse {
  const p = ctx.data.mailbox(userId).person;
  return graphJson(200, {
    "@odata.context": `${ctx.graphUrl()}/$metadata#users/$entity`,
    businessPhones: [],
    displayName: p.displayName,
    givenName: p.givenName,
    jobTitle: p.jobTitle,
    mail: p.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: "en-US",
    surname: p.surname,
    userPrincipalName: p.userPrincipalName,
    id: p.id,
  });
}

function calendarJson(ctx: GraphCtx, c: { id: string; ownerId: string; name: string; color: string; hexColor: string; isDefaultCalendar: boolean; changeKey: string }) {
  const owner = ctx.data.mailbox(c.ownerId).person;
  return {
    id: c.id,
    name: c.name,
    color: c.color,
    hexColor: c.hexColor,
    groupClassId: "0006f0b7-0000-0000-c000-000000000046",
    isDefaultCalendar: c.isDefaultCalendar,
    changeKey: c.changeKey,
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ["teamsForBusiness"],
    defaultOnlineMeetingProvider: "teamsForBusiness",
    isTallyingResponses: true,
    isRemovable: !c.isDefaultCalendar,
    owner: { name: owner.displayName, address: owner.mail },
  };
}

function select(req: DoubleRequest, item: Record<string, unknown>): Record<string, unknown> {
  const fields = req.query.get("$select");
  if (!fields) return item;
  const keep = new Set(fields.split(",").map((f) => f.trim()).filter(Boolean));
  return Object.fromEntries(Object.entries(item).filter(([key]) => key === "id" || key === "@odata.etag" || keep.has(key)));
}

function pageSize(req: DoubleRequest): { size: number; applied: Record<string, string> } {
  const top = Number.parseInt(req.query.get("$top") ?? "", 10);
  if (Number.isFinite(top) && top > 0) return { size: Math.min(top, 1000), applied: {} };
  const preferred = preferences(req.headers.prefer).maxPageSize;
  if (preferred) return { size: Math.min(preferred, 1000), applied: { "preference-applied": `odata.maxpagesize=${Math.min(preferred, 1000)}` } };
  return { size: 10, applied: {} };
}

/** A collection page: $skip/$top (or Prefer odata.maxpagesize) with @odata.nextLink keeping every other parameter. */
function page(ctx: GraphCtx, req: DoubleRequest, path: string, items: unknown[], context: string, zone = "UTC"): DoubleResponse {
  const { size, applied } = pageSize(req);
  const skip = Math.max(0, Number.parseInt(req.query.get("$skip") ?? "0", 10) || 0);
  const body: Record<string, unknown> = { "@odata.context": `${ctx.graphUrl()}/$metadata#${context}` };
  if (skip + size < items.length) {
    const next = new URL(`${ctx.graphUrl()}${path}`);
    for (const [key, value] of req.query) if (key !== "$skip") next.searchParams.set(key, value);
    next.searchParams.set("$skip", String(skip + size));
    body["@odata.nextLink"] = decodeURIComponent(next.toString()).replace(/ /g, "%20");
  }
  body.value = items.slice(skip, skip + size);
  const headers = { ...zoneHeader(zone), ...applied };
  if (zone !== "UTC" && applied["preference-applied"]) headers["preference-applied"] = `outlook.timezone="${zone}", ${applied["preference-applied"]}`;
  return graphJson(200, body, headers);
}

function windowOf(req: DoubleRequest): { from: number; to: number } | DoubleResponse {
  const from = parseQueryInstant(req.query.get("startDateTime") ?? req.query.get("startdatetime"));
  const to = parseQueryInstant(req.query.get("endDateTime") ?? req.query.get("enddatetime"));
  if (from === null || to === null) return graphError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
  if (to <= from) return graphError(400, "ErrorInvalidParameter", "The parameter 'EndDateTime' must be later than 'StartDateTime'.");
  return { from, to };
}

// ---- delta ---------------------------------------------------------------------

function delta(ctx: GraphCtx, req: DoubleRequest, path: string, userId: string, calendarId: string | null, zone: string): DoubleResponse {
  const store = ctx.delta;
  const gone = () => graphError(410, "SyncStateNotFound", "The sync state generation is not found or has expired. Start a full synchronization.");
  const skiptoken = req.query.get("$skiptoken");
  const deltatoken = req.query.get("$deltatoken");
  let sessionId: string;
  let offset = 0;
  if (skiptoken) {
    const [id = "", at = "0"] = skiptoken.split("~");
    const session = store.sessions.get(id);
    if (!session || session.ownerId !== userId || session.createdAt + store.ttlMs <= ctx.now()) return gone();
    sessionId = id;
    offset = Number(at) || 0;
  } else {
    let base: { from: number; to: number; snapshot: Map<string, string> };
    if (deltatoken) {
      const stored = store.tokens.get(deltatoken);
      if (!stored || stored.ownerId !== userId || stored.calendarId !== calendarId || stored.createdAt + store.ttlMs <= ctx.now()) return gone();
      base = stored;
    } else {
      const window = windowOf(req);
      if ("status" in window) return window;
      base = { ...window, snapshot: new Map() };
    }
    const now = ctx.data.instances(userId, calendarId, base.from, base.to);
    const snapshot = new Map(now.map((i) => [i.id, i.version]));
    const items: DeltaItem[] = now.filter((i) => base.snapshot.get(i.id) !== i.version).map((instance) => ({ instance }));
    for (const id of base.snapshot.keys()) if (!snapshot.has(id)) items.push({ removed: id });
    sessionId = opaque().replace(/~/g, "");
    store.sessions.set(sessionId, { ownerId: userId, calendarId, from: base.from, to: base.to, items, snapshot, createdAt: ctx.now() });
  }
  const session = store.sessions.get(sessionId)!;
  const { size, applied } = pageSize(req);
  const slice = session.items.slice(offset, offset + size);
  const body: Record<string, unknown> = { "@odata.context": `${ctx.graphUrl()}/$metadata#Collection(event)` };
  const link = `${ctx.graphUrl()}${path}`;
  if (offset + size < session.items.length) body["@odata.nextLink"] = `${link}?$skiptoken=${sessionId}~${offset + size}`;
  else {
    const tokenId = opaque();
    store.tokens.set(tokenId, { ownerId: userId, calendarId, from: session.from, to: session.to, snapshot: session.snapshot, createdAt: ctx.now() });
    store.sessions.delete(sessionId);
    body["@odata.deltaLink"] = `${link}?$deltatoken=${tokenId}`;
  }
  body.value = slice.map((item) => ("removed" in item ? { "@odata.type": "#microsoft.graph.event", id: item.removed, "@removed": { reason: "deleted" } } : ctx.data.eventJson(item.instance, zone, ctx.graphUrl())));
  return graphJson(200, body, { ...zoneHeader(zone), ...applied });
}

// ---- writing -------------------------------------------------------------------

const SHOW_AS = ["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"] as const;
const SENSITIVITY = ["normal", "personal", "private", "confidential"] as const;
const IMPORTANCE = ["low", "normal", "high"] as const;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

type Input = Record<string, unknown>;

/** Parses the writable event properties present in `input`; a DoubleResponse on a refusal. */
function eventPatch(input: Input): (Partial<EventFields> & { recurrence?: Recurrence | null; transactionId?: string | null }) | DoubleResponse {
  const out: Partial<EventFields> & { recurrence?: Recurrence | null; transactionId?: string | null } = {};
  const enumValue = <T extends string>(key: string, allowed: readonly T[], type: string): T | DoubleResponse | undefined => {
    if (input[key] === undefined) return undefined;
    if (typeof input[key] === "string" && (allowed as readonly string[]).includes(input[key] as string)) return input[key] as T;
    return graphError(400, "RequestBodyRead", `Cannot convert the literal '${String(input[key])}' to the expected type '${type}'.`);
  };
  if (input.subject !== undefined) out.subject = String(input.subject ?? "");
  if (input.body !== undefined) {
    const body = (input.body ?? {}) as { contentType?: string; content?: string };
    out.body = { contentType: body.contentType?.toLowerCase() === "html" ? "html" : "text", content: String(body.content ?? "") };
  }
  for (const key of ["start", "end"] as const) {
    if (input[key] === undefined) continue;
    const raw = input[key] as { dateTime?: unknown; timeZone?: unknown };
    if (raw && typeof raw.timeZone === "string" && !ianaZone(raw.timeZone)) {
      return graphError(400, "TimeZoneNotSupportedException", `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${raw.timeZone}'.`);
    }
    const parsed = parseDateTimeTimeZone(raw);
    if (!parsed) return graphError(400, "RequestBodyRead", `Cannot convert the literal '${JSON.stringify(raw)}' to the expected type 'microsoft.graph.dateTimeTimeZone'.`);
    if (key === "start") {
      out.startMs = parsed.ms;
      out.timeZone = parsed.zone;
    } else out.endMs = parsed.ms;
  }
  const showAs = enumValue("showAs", SHOW_AS, "microsoft.graph.freeBusyStatus");
  if (showAs && typeof showAs === "object") return showAs;
  if (showAs) out.showAs = showAs;
  const sensitivity = enumValue("sensitivity", SENSITIVITY, "microsoft.graph.sensitivity");
  if (sensitivity && typeof sensitivity === "object") return sensitivity;
  if (sensitivity) out.sensitivity = sensitivity;
  const importance = enumValue("importance", IMPORTANCE, "microsoft.graph.importance");
  if (importance && typeof importance === "object") return importance;
  if (importance) out.importance = importance;
  if (input.categories !== undefined) {
    if (!Array.isArray(input.categories) || !input.categories.every((c) => typeof c === "string")) return graphError(400, "RequestBodyRead", "Cannot convert the value of 'categories' to a collection of strings.");
    out.categories = [...new Set(input.categories as string[])];
  }
  if (input.isAllDay !== undefined) out.isAllDay = input.isAllDay === true;
  if (input.isReminderOn !== undefined) out.isReminderOn = input.isReminderOn === true;
  if (input.reminderMinutesBeforeStart !== undefined) out.reminderMinutesBeforeStart = Number(input.reminderMinutesBeforeStart) || 0;
  if (input.isOnlineMeeting !== undefined) out.isOnlineMeeting = input.isOnlineMeeting === true;
  if (input.location !== undefined) out.location = String((input.location as { displayName?: string } | null)?.displayName ?? "");
  if (input.attendees !== undefined) {
    if (!Array.isArray(input.attendees)) return graphError(400, "RequestBodyRead", "Cannot convert the value of 'attendees' to a collection of attendees.");
    out.attendees = (input.attendees as Array<{ type?: string; emailAddress?: { name?: string; address?: string } }>).map((a) => ({
      type: a.type === "optional" || a.type === "resource" ? a.type : "required",
      emailAddress: { name: a.emailAddress?.name ?? a.emailAddress?.address ?? "", address: a.emailAddress?.address ?? "" },
    }));
  }
  if (input.transactionId !== undefined && input.transactionId !== null) out.transactionId = String(input.transactionId);
  if (input.recurrence !== undefined) {
    if (input.recurrence === null) out.recurrence = null;
    else {
      const recurrence = input.recurrence as Recurrence;
      const pattern = recurrence?.pattern;
      const range = recurrence?.range;
      if (!pattern || !["daily", "weekly", "absoluteMonthly"].includes(pattern.type)) {
        return graphError(400, "ErrorPropertyValidationError", `The recurrence pattern type '${String(pattern?.type)}' is not supported by this Graph sandbox (daily, weekly, absoluteMonthly).`);
      }
      if (pattern.type === "weekly" && (!pattern.daysOfWeek?.length || !pattern.daysOfWeek.every((d) => WEEKDAYS.includes(String(d).toLowerCase())))) {
        return graphError(400, "ErrorPropertyValidationError", "A weekly recurrence pattern needs daysOfWeek.");
      }
      if (!range || !["endDate", "noEnd", "numbered"].includes(range.type) || !/^\d{4}-\d\d-\d\d$/.test(range.startDate ?? "")) {
        return graphError(400, "ErrorPropertyValidationError", "The recurrence range needs a type (endDate, noEnd, numbered) and a startDate.");
      }
      if (range.type === "endDate" && !/^\d{4}-\d\d-\d\d$/.test(range.endDate ?? "")) return graphError(400, "ErrorPropertyValidationError", "An endDate recurrence range needs an endDate.");
      if (range.type === "numbered" && !(Number(range.numberOfOccurrences) > 0)) return graphError(400, "ErrorPropertyValidationError", "A numbered recurrence range needs numberOfOccurrences.");
      out.recurrence = {
        pattern: { type: pattern.type, interval: Math.max(1, Number(pattern.interval) || 1), month: 0, dayOfMonth: Number(pattern.dayOfMonth) || 0, daysOfWeek: (pattern.daysOfWeek ?? []).map((d) => String(d).toLowerCase()), firstDayOfWeek: (pattern.firstDayOfWeek ?? "sunday").toLowerCase(), index: "first" },
        range: { type: range.type, startDate: range.startDate, endDate: range.type === "endDate" ? range.endDate : "0001-01-01", recurrenceTimeZone: range.recurrenceTimeZone ?? "", numberOfOccurrences: range.type === "numbered" ? Number(range.numberOfOccurrences) : 0 },
      };
    }
  }
  return out;
}

function createEvent(ctx: GraphCtx, req: DoubleRequest, userId: string, calendarId: string, zone: string): DoubleResponse {
  const input = jsonBody<Input>(req);
  if (!input || typeof input !== "object") return graphError(400, "BadRequest", "Empty Payload. JSON content expected.");
  const patch = eventPatch(input);
  if ("status" in patch) return patch as DoubleResponse;
  if (patch.transactionId) {
    const existing = ctx.data.byTransactionId(userId, patch.transactionId);
    if (existing) return graphJson(201, { "@odata.context": `${ctx.graphUrl()}/$metadata#users('${userId}')/events/$entity`, ...ctx.data.eventJson(existing, zone, ctx.graphUrl()) }, zoneHeader(zone));
  }
  if (patch.startMs === undefined || patch.endMs === undefined) return graphError(400, "ErrorInvalidRequest", "Your request can't be completed. An event needs both a start and an end.");
  const invalid = checkTimes(patch.startMs, patch.endMs, patch.isAllDay ?? false);
  if (invalid) return invalid;
  const { startMs, endMs, ...rest } = patch;
  const fields = { ...eventDefaults(startMs, endMs), ...(rest as Partial<EventFields>), recurrence: patch.recurrence ?? null, transactionId: patch.transactionId ?? null };
  const event = ctx.data.createEvent(userId, calendarId, fields, "api");
  return graphJson(201, { "@odata.context": `${ctx.graphUrl()}/$metadata#users('${userId}')/events/$entity`, ...ctx.data.eventJson(event, zone, ctx.graphUrl()) }, { ...zoneHeader(zone), location: `${ctx.graphUrl()}/Users('${userId}')/Events('${event.id}')` });
}

function checkTimes(startMs: number, endMs: number, isAllDay: boolean): DoubleResponse | null {
  if (endMs < startMs) return graphError(400, "ErrorInvalidRequest", "Your request can't be completed. The end time of the event must be later than its start time.");
  if (isAllDay && (startMs % 86_400_000 !== 0 || endMs % 86_400_000 !== 0 || endMs === startMs)) {
    return graphError(400, "ErrorPropertyValidationError", "Your request can't be completed. All-day events must start and end at midnight, at least one day apart.");
  }
  return null;
}

function patchEvent(ctx: GraphCtx, req: DoubleRequest, userId: string, target: StoredEvent | Instance, zone: string): DoubleResponse {
  const input = jsonBody<Input>(req);
  if (!input || typeof input !== "object") return graphError(400, "BadRequest", "Empty Payload. JSON content expected.");
  const patch = eventPatch(input);
  if ("status" in patch) return patch as DoubleResponse;
  delete patch.transactionId;
  if ("event" in target) {
    // one occurrence of a series: becomes an exception
    if (patch.recurrence !== undefined) return graphError(400, "ErrorPropertyValidationError", "The recurrence of a single occurrence can't be changed.");
    const startMs = patch.startMs ?? target.startMs;
    const endMs = patch.endMs ?? target.endMs;
    const invalid = checkTimes(startMs, endMs, false);
    if (invalid) return invalid;
    const { subject, body, showAs, location, categories, sensitivity } = patch;
    ctx.data.overrideOccurrence(target.event, target.originalStartMs!, dropUndefined({ subject, body, showAs, location, categories, sensitivity, startMs: patch.startMs, endMs: patch.endMs }), "api");
    const updated = ctx.data.occurrence(userId, target.id)!;
    return graphJson(200, { "@odata.context": `${ctx.graphUrl()}/$metadata#users('${userId}')/events/$entity`, ...ctx.data.eventJson(updated, zone, ctx.graphUrl()) }, zoneHeader(zone));
  }
  const invalid = checkTimes(patch.startMs ?? target.startMs, patch.endMs ?? target.endMs, patch.isAllDay ?? target.isAllDay);
  if (invalid) return invalid;
  ctx.data.updateEvent(target, patch, "api");
  return graphJson(200, { "@odata.context": `${ctx.graphUrl()}/$metadata#users('${userId}')/events/$entity`, ...ctx.data.eventJson(target, zone, ctx.graphUrl()) }, zoneHeader(zone));
}

function declineEvent(ctx: GraphCtx, req: DoubleRequest, target: StoredEvent | Instance): DoubleResponse {
  const input = jsonBody<Input>(req) ?? {};
  const event = "event" in target ? target.event : target;
  if (event.response === "organizer") return graphError(400, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to a meeting you organized.");
  ctx.data.decline(target, { sendResponse: input.sendResponse !== false, comment: typeof input.comment === "string" ? input.comment : "" });
  return { status: 202, headers: requestIds(), body: "" };
}

const dropUndefined = <T extends Record<string, unknown>>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

// ---- subscriptions ---------------------------------------------------------------

async function handleSubscriptions(ctx: GraphCtx, req: DoubleRequest, record: AccessRecord, path: string): Promise<DoubleResponse> {
  const subs = ctx.subscriptions;
  const notFound = () => graphError(404, "ResourceNotFound", "The object was not found.");
  const entity = (s: Subscription, status = 200) => graphJson(status, { "@odata.context": `${ctx.graphUrl()}/$metadata#subscriptions/$entity`, ...subs.json(s) });
  const invalid = (message: string) => graphError(400, "InvalidRequest", message);
  if (path === "/subscriptions") {
    if (req.method === "GET") return graphJson(200, { "@odata.context": `${ctx.graphUrl()}/$metadata#subscriptions`, value: subs.live().filter((s) => s.ownerId === record.userId && s.applicationId === record.clientId).map((s) => subs.json(s)) });
    if (req.method !== "POST") return methodNotAllowed();
    const input = jsonBody<Input>(req);
    if (!input || typeof input !== "object") return graphError(400, "BadRequest", "Empty Payload. JSON content expected.");
    for (const key of ["changeType", "notificationUrl", "resource", "expirationDateTime"]) if (typeof input[key] !== "string" || !input[key]) return invalid(`The property '${key}' is required.`);
    const changeTypes = String(input.changeType).split(",").map((c) => c.trim());
    if (!changeTypes.every((c) => ["created", "updated", "deleted"].includes(c))) return invalid(`Invalid changeType '${String(input.changeType)}'.`);
    const target = subs.parseResource(String(input.resource), record.userId);
    if (!target) return invalid(`The resource '${String(input.resource)}' is not supported for subscriptions.`);
    if (target.userId !== record.userId) return graphError(403, "ExtensionError", "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied. Check credentials and try again.]");
    const expiresAt = subs.expiration(input.expirationDateTime);
    if (typeof expiresAt === "string") return invalid(expiresAt);
    const clientState = input.clientState === undefined || input.clientState === null ? null : String(input.clientState);
    if (clientState !== null && clientState.length > 128) return invalid("clientState can't be longer than 128 characters.");
    const urls = [String(input.notificationUrl), ...(typeof input.lifecycleNotificationUrl === "string" && input.lifecycleNotificationUrl ? [input.lifecycleNotificationUrl] : [])];
    for (const url of urls) {
      if (!/^https?:\/\//i.test(url)) return invalid("Subscription validation request failed. Notification endpoint must be a valid absolute URL.");
      const validation = await subs.validate(url);
      if (!validation.ok) return invalid(validation.message);
    }
    const s: Subscription = {
      id: randomUUID(),
      ownerId: record.userId,
      resource: String(input.resource),
      target,
      changeTypes,
      notificationUrl: urls[0]!,
      lifecycleNotificationUrl: urls[1] ?? null,
      clientState,
      expiresAt,
      applicationId: record.clientId,
      needsReauthorization: false,
      withheld: 0,
    };
    subs.items.set(s.id, s);
    return entity(s, 201);
  }
  const match = /^\/subscriptions\/([^/]+)(\/reauthorize)?$/.exec(path);
  const s = match ? subs.get(decodeURIComponent(match[1]!)) : undefined;
  if (!match || !s || s.ownerId !== record.userId) return notFound();
  if (match[2]) {
    if (req.method !== "POST") return methodNotAllowed();
    s.needsReauthorization = false;
    return noContent(requestIds());
  }
  if (req.method === "GET") return entity(s);
  if (req.method === "DELETE") {
    subs.items.delete(s.id);
    return noContent(requestIds());
  }
  if (req.method === "PATCH") {
    const input = jsonBody<Input>(req) ?? {};
    if (input.expirationDateTime !== undefined) {
      const expiresAt = subs.expiration(input.expirationDateTime);
      if (typeof expiresAt === "string") return invalid(expiresAt);
      s.expiresAt = expiresAt;
    }
    if (typeof input.notificationUrl === "string" && input.notificationUrl !== s.notificationUrl) {
      const validation = await subs.validate(input.notificationUrl);
      if (!validation.ok) return invalid(validation.message);
      s.notificationUrl = input.notificationUrl;
    }
    s.needsReauthorization = false;
    return entity(s);
  }
  return methodNotAllowed();
}
