import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, escapeHtml, faultAnswer, html, type LoggedRequest, params, redirect, serve } from "../shared/http";
import { errorPage, sandboxPage } from "../shared/oauth";
import { type ApiContext, excludeInstance, handleCalendarApi, type SyncTokenRecord, userInfo, validateFields } from "./api";
import { type CalendarAccessRole, CalendarStore, type EventFields, type EventJson, instantOf, isEventId, newEventId, type StoredCalendar, type StoredEvent } from "./calendar";
import { DEMO_ACCOUNTS, loadGoogleDemo } from "./demo";
import { CALENDAR_SCOPES, GoogleOAuth, parseGoogleScopes } from "./oauth";
import { dayNumber, fromDayNumber, isoDate, pad, parseIsoDate, rfc3339InZone, wallAt, wallToInstant } from "./time";
import { type GoogleNotification, GoogleChannels, type StoredChannel } from "./watch";
import { googleFaultBody, rateLimited } from "./wire";

export { CALENDAR_SCOPES } from "./oauth";
export { FOCUS_TIME_UNSUPPORTED, rateLimited as googleRateLimitFault } from "./wire";
export { DEMO_ACCOUNTS, demoEventId } from "./demo";
export type { EventFields, EventJson, GoogleAccount } from "./calendar";
export type { GoogleNotification, ResourceState } from "./watch";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of Google's OAuth 2.0 and Google Calendar API v3, speaking Google's wire
 * format so the app can drive it with googleapis / google-auth-library:
 *
 *   OAuth      <url>/o/oauth2/v2/auth                      (GOOGLE_OAUTH_URL=<url>)
 *              <url>/token, <url>/revoke, <url>/tokeninfo  (GOOGLE_TOKEN_URL=<url>/token; revoke beside it)
 *   API        <url>/calendar/v3/…, <url>/oauth2/v3/userinfo  (GOOGLE_API_URL=<url>; googleapis rootUrl `${url}/`)
 *   OIDC       <url>/.well-known/openid-configuration, <url>/oauth2/v3/certs (id_tokens with the openid scope)
 *   Person     <url>/  the signed-in account's week, with forms to move and delete events by hand
 *
 * See oauth.ts, api.ts, watch.ts and calendar.ts for what each part reproduces. Controls:
 * accounts (addAccount, signInAs), data (events, createEventByHand, moveEventByHand,
 * deleteEventByHand), sync (invalidateSyncTokens), push (channels, notifications,
 * flushNotifications), tokens (createToken, expireToken, revokeToken, revokeAccount),
 * faults (failNext, rateLimitNext, dropNextResponse), advanceTime.
 */
export type GoogleDoubleOptions = {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Redirect URIs accepted exactly (default: the app's integration and sign-in callbacks on http://localhost:3000). */
  redirectUris?: string[];
  appName?: string;
  /** GET /o/oauth2/v2/auth redirects at once with a code, as if the person clicked Allow. */
  autoApprove?: boolean;
  /** Load the demo accounts and calendars (default true). Without it: the two demo accounts with empty primary calendars. */
  demo?: boolean;
  /** "Now" for the demo calendars (default: the current time). */
  demoAnchor?: Date;
  /** Sync tokens older than this answer 410 (default 30 days on the double's clock). */
  syncTokenTtlMs?: number;
  /** Notification deliveries give up after this long (default 10 000 ms). */
  notificationTimeoutMs?: number;
};

export const GOOGLE_DOUBLE_DEFAULTS = {
  clientId: "418342570118-devpulsesandbox0k3v6q1n8m2x.apps.googleusercontent.com",
  clientSecret: "GOCSPX-DevPulseSandbox_9f3kQ2m7Lx",
  projectNumber: "418342570118",
  redirectUris: [
    "http://localhost:3000/api/integrations/google/callback",
    "http://localhost:3000/api/integrations/google-calendar/callback",
    "http://localhost:3000/api/auth/callback/google",
  ],
  appName: "DevPulse Cloud",
  accounts: DEMO_ACCOUNTS,
} as const;

/** The scopes issue 17 asks for. */
export const GOOGLE_CALENDAR_SCOPES = [CALENDAR_SCOPES.events, CALENDAR_SCOPES.readonly] as const;

type ByHandResult = { event: EventJson; notifications: GoogleNotification[] };

export async function startGoogleDouble(options: GoogleDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const drops = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const urls = { web: "" };
  const store = new CalendarStore({ now, webUrl: () => urls.web });
  let signedIn: string = DEMO_ACCOUNTS[0].email;
  const oauth = new GoogleOAuth(
    {
      clientId: options.clientId ?? GOOGLE_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? GOOGLE_DOUBLE_DEFAULTS.clientSecret,
      redirectUris: [...(options.redirectUris ?? GOOGLE_DOUBLE_DEFAULTS.redirectUris)],
      appName: options.appName ?? GOOGLE_DOUBLE_DEFAULTS.appName,
      projectNumber: GOOGLE_DOUBLE_DEFAULTS.projectNumber,
    },
    options.autoApprove ?? false,
    { now, issuer: () => urls.web, currentAccount: () => store.account(signedIn) },
  );
  const channels = new GoogleChannels({ store, apiUrl: () => urls.web, now, timeoutMs: options.notificationTimeoutMs ?? 10_000 });
  const ctx: ApiContext = {
    store,
    oauth,
    channels,
    now,
    syncTokens: new Map<string, SyncTokenRecord>(),
    pages: new Map(),
    syncTokenTtlMs: options.syncTokenTtlMs ?? 30 * 86_400_000,
    projectNumber: GOOGLE_DOUBLE_DEFAULTS.projectNumber,
  };
  const apiPath = (path: string) => (path.startsWith("/calendar/v3/") ? path.slice("/calendar/v3".length) : path);

  // ---- the person's own actions in Google Calendar -------------------------------------

  const calendarOf = (calendarId: string): StoredCalendar => {
    const calendar = store.calendars.get(calendarId === "primary" ? signedIn : calendarId);
    if (!calendar || calendar.deleted) throw new Error(`Google double: no calendar ${calendarId}`);
    return calendar;
  };
  const eventOf = (calendar: StoredCalendar, eventId: string): StoredEvent => {
    const event = store.eventsOf(calendar.id).get(eventId);
    if (!event || event.fields.status === "cancelled") throw new Error(`Google double: no event ${eventId} in ${calendar.id}`);
    return event;
  };
  const boundary = (calendar: StoredCalendar, value: Date | string, template: EventFields["start"]) => {
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return { date: value };
    const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
    if (!Number.isFinite(ms)) throw new Error(`Google double: not a time: ${String(value)}`);
    const timeZone = template?.timeZone ?? calendar.timeZone;
    return { dateTime: rfc3339InZone(ms, timeZone), ...(template?.timeZone ? { timeZone: template.timeZone } : {}) };
  };
  const changed = async (calendar: StoredCalendar, event: StoredEvent): Promise<ByHandResult> => ({ event: store.toJson(event), notifications: await channels.notify(calendar.id) });

  const byHand = {
    /** The person creates an event in Google Calendar (fields in the API's shape; Date or ISO string accepted for start/end). */
    async createEventByHand(calendarId: string, input: Omit<EventFields, "start" | "end"> & { id?: string; start: Date | string | EventFields["start"]; end: Date | string | EventFields["end"] }): Promise<ByHandResult> {
      const calendar = calendarOf(calendarId);
      const { id = newEventId(), start, end, ...rest } = input;
      if (!isEventId(id) || store.eventsOf(calendar.id).has(id)) throw new Error(`Google double: event id ${id} is invalid or taken`);
      const asBoundary = (v: typeof start) => (v instanceof Date || typeof v === "string" ? boundary(calendar, v, undefined) : v!);
      const checked = validateFields(ctx, calendar, { ...rest, start: asBoundary(start), end: asBoundary(end) });
      if ("error" in checked) throw new Error(`Google double: Google would refuse this event: ${checked.error.body}`);
      return changed(calendar, store.put(calendar.id, id, checked.fields, "user"));
    },
    /** The person drags an event to a new time in Google Calendar (a recurring event moves its whole series). */
    async moveEventByHand(calendarId: string, eventId: string, start: Date | string, end: Date | string): Promise<ByHandResult> {
      const calendar = calendarOf(calendarId);
      const event = eventOf(calendar, eventId);
      const fields = { ...event.fields, start: boundary(calendar, start, event.fields.start), end: boundary(calendar, end, event.fields.end) };
      const checked = validateFields(ctx, calendar, fields);
      if ("error" in checked) throw new Error(`Google double: Google would refuse this move: ${checked.error.body}`);
      return changed(calendar, store.put(calendar.id, eventId, checked.fields, "user", event));
    },
    /** The person edits an event in Google Calendar (title, description, visibility…). */
    async updateEventByHand(calendarId: string, eventId: string, patch: Partial<EventFields>): Promise<ByHandResult> {
      const calendar = calendarOf(calendarId);
      const event = eventOf(calendar, eventId);
      const checked = validateFields(ctx, calendar, { ...event.fields, ...patch });
      if ("error" in checked) throw new Error(`Google double: Google would refuse this change: ${checked.error.body}`);
      return changed(calendar, store.put(calendar.id, eventId, checked.fields, "user", event));
    },
    /** The person deletes an event (or one instance, by its instance id) in Google Calendar. */
    async deleteEventByHand(calendarId: string, eventId: string): Promise<ByHandResult> {
      const calendar = calendarOf(calendarId);
      const existing = store.eventsOf(calendar.id).get(eventId);
      if (!existing) {
        const instance = store.findInstance(calendar.id, eventId);
        if (!instance) throw new Error(`Google double: no event ${eventId} in ${calendar.id}`);
        return changed(calendar, excludeInstance(store, instance.master, instance.occurrence, "user"));
      }
      return changed(calendar, store.cancel(eventOf(calendar, eventId), "user"));
    },
    /** The person deletes a secondary calendar: its channels get `not_exists`, then the API answers 404 for it. */
    async deleteCalendarByHand(calendarId: string): Promise<GoogleNotification[]> {
      const calendar = calendarOf(calendarId);
      if (calendar.primary) throw new Error("Google double: a primary calendar cannot be deleted");
      const sent = await channels.notify(calendar.id, "not_exists");
      calendar.deleted = true;
      return sent;
    },
  };

  // ---- the person's page -------------------------------------------------------------

  const weekPage = (weekParam: string | null): string => {
    const account = store.account(signedIn);
    const tz = account.timeZone;
    const today = wallAt(now(), tz);
    const anchorDay = (weekParam ? parseIsoDate(weekParam) : null) ?? dayNumber(today.year, today.month, today.day);
    const monday = anchorDay - ((fromDayNumber(anchorDay).weekday + 6) % 7);
    const instant = (day: number) => {
      const d = fromDayNumber(day);
      return wallToInstant({ year: d.year, month: d.month, day: d.day, hour: 0, minute: 0, second: 0 }, tz);
    };
    const from = instant(monday);
    const to = instant(monday + 7);
    type Row = { start: number; end: number; allDay: boolean; event: StoredEvent; id: string; calendar: StoredCalendar; recurring: boolean };
    const rows: Row[] = [];
    for (const calendar of store.calendarsOf(account.email)) {
      for (const event of store.eventsOf(calendar.id).values()) {
        if (event.fields.status === "cancelled") continue;
        for (const o of store.occurrences(event, from, to)) {
          const json = event.fields.recurrence?.length ? store.toJson(event, o) : null;
          rows.push({ ...o, event, id: json?.id ?? event.id, calendar, recurring: Boolean(json) });
        }
      }
    }
    rows.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
    const hm = (ms: number) => {
      const w = wallAt(ms, tz);
      return `${pad(w.hour)}:${pad(w.minute)}`;
    };
    const local = (ms: number) => {
      const w = wallAt(ms, tz);
      return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
    };
    const days = [...Array(7).keys()].map((i) => {
      const day = monday + i;
      const dayStart = instant(day);
      const dayEnd = instant(day + 1);
      const items = rows.filter((r) => r.start < dayEnd && r.end > dayStart && (!r.allDay || Math.floor(r.start / 86_400_000) <= day));
      const label = new Date(day * 86_400_000).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
      const list = items.length
        ? `<ul>${items
            .map((r) => {
              const f = r.event.fields;
              const when = r.allDay ? "All day" : `${hm(r.start)}–${hm(r.end)}`;
              const badges = [f.eventType === "focusTime" ? "Focus time" : "", f.visibility === "private" ? "Private" : "", f.transparency === "transparent" ? "Free" : "", r.recurring ? "Repeats" : ""].filter(Boolean);
              const move = r.recurring || r.allDay
                ? ""
                : `<form method="post" action="/events/move" class="inline"><input type="hidden" name="calendarId" value="${escapeHtml(r.calendar.id)}"><input type="hidden" name="eventId" value="${escapeHtml(r.id)}"><label>Move to <input type="datetime-local" name="start" value="${local(r.start)}" data-testid="gcal-move-start"></label> <button type="submit" data-testid="gcal-move">Move</button></form>`;
              return `<li data-testid="gcal-event" data-event-id="${escapeHtml(r.id)}" data-calendar-id="${escapeHtml(r.calendar.id)}" data-event-type="${escapeHtml(f.eventType)}" data-start="${new Date(r.start).toISOString()}" data-end="${new Date(r.end).toISOString()}"><strong>${escapeHtml(when)}</strong> <span data-testid="gcal-event-title">${escapeHtml(f.summary ?? "(No title)")}</span> <small>${escapeHtml(r.calendar.primary ? "Primary" : r.calendar.summary)}${badges.length ? ` · ${escapeHtml(badges.join(" · "))}` : ""}</small>${move}<form method="post" action="/events/delete" class="inline"><input type="hidden" name="calendarId" value="${escapeHtml(r.calendar.id)}"><input type="hidden" name="eventId" value="${escapeHtml(r.id)}"><button type="submit" data-testid="gcal-delete">Delete</button></form></li>`;
            })
            .join("")}</ul>`
        : `<p>No events.</p>`;
      return `<section aria-label="${escapeHtml(label)}"><h2>${escapeHtml(label)}</h2>${list}</section>`;
    });
    return sandboxPage(
      "Google Calendar",
      `${account.name} — Google Calendar`,
      `<style>main { max-width: 46rem; } form.inline { display: inline; margin-left: 0.5rem; } li { margin: 0.5rem 0; }</style>
<h1 id="page-title">${escapeHtml(account.name)} <small>${escapeHtml(account.email)}</small></h1>
<p>Week of ${escapeHtml(isoDate(monday))} (${escapeHtml(tz)}) · <a href="/?week=${isoDate(monday - 7)}">Previous week</a> · <a href="/?week=${isoDate(monday + 7)}">Next week</a> · ${account.workspace ? "Google Workspace account" : "Personal Google account (no focus time)"}</p>
${days.join("\n")}`,
    );
  };

  const localToInstant = (value: string, tz: string): number | null => {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
    return m ? wallToInstant({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: 0 }, tz) : null;
  };

  // ---- routing -------------------------------------------------------------------------

  const handle = async (req: DoubleRequest): Promise<DoubleResponse> => {
    const path = req.path;
    if (path.startsWith("/calendar/v3/")) return handleCalendarApi(ctx, req, apiPath(path));
    if (path === "/o/oauth2/v2/auth") {
      if (req.method === "GET") return oauth.authorize(req);
      if (req.method === "POST") return oauth.decide(req);
    }
    if (path === "/token" && req.method === "POST") return oauth.token(req);
    if (path === "/revoke" && req.method === "POST") return oauth.revoke(req);
    if (path === "/tokeninfo" && (req.method === "GET" || req.method === "POST")) return oauth.tokenInfo(req);
    if (path === "/oauth2/v3/userinfo" && req.method === "GET") return userInfo(ctx, req);
    const openId = oauth.openIdMetadata(req); // /.well-known/openid-configuration, /oauth2/v3/certs
    if (openId) return openId;
    if (path === "/" && req.method === "GET") return html(200, weekPage(req.query.get("week")));
    if (path === "/events/move" && req.method === "POST") {
      const form = params(req);
      const calendar = calendarOf(form.calendarId ?? "primary");
      const event = eventOf(calendar, form.eventId ?? "");
      const start = localToInstant(form.start ?? "", store.account(signedIn).timeZone);
      const from = instantOf(event.fields.start);
      const to = instantOf(event.fields.end);
      if (start === null || !from || !to) return html(400, errorPage("Google Calendar", "Cannot move this event", "Give a start date and time."));
      await byHand.moveEventByHand(calendar.id, event.id, new Date(start), new Date(start + (to.ms - from.ms)));
      return redirect(`/?week=${isoDate(Math.floor(start / 86_400_000))}`);
    }
    if (path === "/events/delete" && req.method === "POST") {
      const form = params(req);
      await byHand.deleteEventByHand(form.calendarId ?? "primary", form.eventId ?? "");
      return redirect("/");
    }
    return html(404, errorPage("Google", "Page not found", `This Google sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    apiPath,
    faultResponse: (_req, fault) => faultAnswer(fault, {}, googleFaultBody(fault.status)),
    handle: async (req) => {
      const response = await handle(req).catch((error: unknown) => html(500, errorPage("Google", "Server error", (error as Error).message)));
      // dropNextResponse: the request took effect, then the connection dies before the answer.
      if (drops.take(req.method, req.path, apiPath(req.path))) return { ...response, networkError: true };
      return response;
    },
  });
  urls.web = server.url;
  if (options.demo === false) for (const account of DEMO_ACCOUNTS) store.addAccount({ ...account });
  else loadGoogleDemo(store, options.demoAnchor ?? new Date(now()));

  const eventsJson = (calendarId: string, opts: { includeCancelled?: boolean } = {}) =>
    [...store.eventsOf(calendarOf(calendarId).id).values()].filter((e) => opts.includeCancelled || e.fields.status !== "cancelled").map((e) => store.toJson(e));

  return {
    /** GOOGLE_OAUTH_URL (consent page at /o/oauth2/v2/auth), GOOGLE_API_URL, and the person's page at /. */
    url: server.url,
    /** GOOGLE_OAUTH_URL: accounts.google.com's stand-in. */
    oauthUrl: server.url,
    /** GOOGLE_TOKEN_URL. */
    tokenUrl: `${server.url}/token`,
    /** Beside the token URL, as oauth2.googleapis.com/revoke is. */
    revokeUrl: `${server.url}/revoke`,
    /** GOOGLE_API_URL: googleapis' rootUrl is `${apiUrl}/` (Calendar under /calendar/v3). */
    apiUrl: server.url,
    /** For `new google.auth.OAuth2({ clientId, clientSecret, redirectUri, endpoints })`. */
    endpoints: {
      oauth2AuthBaseUrl: `${server.url}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${server.url}/token`,
      oauth2RevokeUrl: `${server.url}/revoke`,
      tokenInfoUrl: `${server.url}/tokeninfo`,
    },
    oauth: oauth.client,
    /** The variables that point the app at this double (its OAuth client, consent page, token endpoint and API). */
    appEnv: {
      GOOGLE_CLIENT_ID: oauth.client.clientId,
      GOOGLE_CLIENT_SECRET: oauth.client.clientSecret,
      GOOGLE_OAUTH_URL: server.url,
      GOOGLE_TOKEN_URL: `${server.url}/token`,
      GOOGLE_API_URL: server.url,
    },
    /** Every request answered, oldest first (never a credential). */
    requests,
    /** Every push notification sent, oldest first (in the order their answers came back). */
    notifications: channels.notifications as readonly GoogleNotification[],

    // ---- accounts
    /** Seeded: ana@devpulse.test (Workspace, signed in) and bruno@gmail.com (consumer). */
    accounts: () => [...store.accounts.values()].map((a) => ({ ...a })),
    addAccount: (account: { email: string; name: string; workspace?: boolean; timeZone?: string }) => ({ ...store.addAccount(account) }),
    /** Who the consent page authorizes as (the Google account signed in to this browser); also whose week GET / shows. */
    signInAs(email: string): void {
      signedIn = store.account(email).email;
    },
    signedIn: () => signedIn,
    /** Marks an account Workspace (focusTime allowed) or consumer. */
    setWorkspace: (email: string, workspace: boolean) => void (store.account(email).workspace = workspace),

    // ---- calendars and events (the stored truth, for assertions)
    calendars: (email = signedIn) => store.calendarsOf(email.toLowerCase()).map((c) => ({ id: c.id, summary: c.summary, primary: c.primary, timeZone: c.timeZone, backgroundColor: c.backgroundColor })),
    /** A secondary calendar; `accessRole: "reader"` stands for one shared read-only with the account (writes answer 403 requiredAccessLevel). */
    addCalendar: (input: { owner?: string; summary: string; id?: string; timeZone?: string; colorId?: string; accessRole?: CalendarAccessRole }) => {
      const calendar = store.addCalendar({ ...input, owner: input.owner ?? signedIn });
      return { id: calendar.id, summary: calendar.summary };
    },
    /** Stored events of a calendar ("primary" = the signed-in account's), masters not expanded, as the API renders them. */
    events: eventsJson,
    /** One stored event as the API renders it, or null (cancelled ones included). */
    event: (calendarId: string, eventId: string): EventJson | null => {
      const event = store.eventsOf(calendarOf(calendarId).id).get(eventId);
      return event ? store.toJson(event) : null;
    },
    /** Who made the last change to an event: "api", "user" (by hand) or "seed". */
    lastChangedBy: (calendarId: string, eventId: string) => store.eventsOf(calendarOf(calendarId).id).get(eventId)?.changedBy ?? null,
    ...byHand,

    // ---- sync and push
    /** Every sync token issued so far (for a calendar, or all) answers 410 fullSyncRequired from now on. */
    invalidateSyncTokens(calendarId?: string): number {
      const id = calendarId === undefined ? undefined : calendarOf(calendarId).id;
      let count = 0;
      for (const record of ctx.syncTokens.values()) {
        if ((id === undefined || record.calendarId === id) && record.valid) {
          record.valid = false;
          count += 1;
        }
      }
      return count;
    },
    /** Channels opened by events.watch (stopped and expired ones included, with `active`). */
    channels: (calendarId?: string) =>
      [...channels.channels.values()]
        .filter((c) => calendarId === undefined || c.calendarId === calendarOf(calendarId).id)
        .map((c: StoredChannel) => ({ id: c.id, resourceId: c.resourceId, calendarId: c.calendarId, address: c.address, token: c.token, expiration: c.expiration, stopped: c.stopped, active: channels.active(c), messageNumber: c.messageNumber })),
    /** Resolves once every notification sent so far has been delivered (or failed). */
    flushNotifications: () => channels.settled(),

    // ---- OAuth and tokens
    approveNext: (times = 1) => oauth.consent.approveNext(times),
    denyNext: (times = 1) => oauth.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (oauth.consent.autoApprove = value),
    addRedirectUri: (uri: string) => void oauth.client.redirectUris.push(uri),
    /** An access token (3599 s) and a refresh token without the browser dance (default: the signed-in account, calendar.events + calendar.readonly). */
    createToken(opts: { email?: string; scopes?: readonly string[] | string; refresh?: boolean } = {}) {
      const email = store.account(opts.email ?? signedIn).email;
      const scopes = parseGoogleScopes(typeof opts.scopes === "string" ? opts.scopes : (opts.scopes ?? GOOGLE_CALENDAR_SCOPES).join(" "));
      return { ...oauth.issue(email, scopes, { refresh: opts.refresh }), email };
    },
    /** Makes an access token expired from now on (its refresh token still works). */
    expireToken(accessToken: string): void {
      const record = oauth.tokens.get(accessToken);
      if (!record) throw new Error("Google double: unknown token");
      record.expiresAt = now() - 1;
    },
    /** Revokes the grant of an access or refresh token, as POST /revoke does. */
    revokeToken(token: string): boolean {
      const grant = oauth.tokens.get(token)?.grant ?? oauth.refreshTokens.get(token);
      if (!grant || grant.revoked) return false;
      oauth.revokeGrant(grant);
      return true;
    },
    /** The person removed the app in their Google Account settings: every token of the account stops working. */
    revokeAccount: (email: string) => oauth.revokeAccount(email.toLowerCase()),
    issuedTokens: () => oauth.issued,
    /** Access tokens that would still be accepted (of an account, or all). */
    activeTokens: (email?: string) => [...oauth.tokens.values()].filter((r) => !r.grant.revoked && r.expiresAt > now() && (!email || r.email === email.toLowerCase())).length,

    // ---- faults
    /** The next matching request(s) get this answer, or a destroyed socket. `path` may be API-relative ("/calendars/primary/events"). */
    failNext: (fault: FaultSpec) => faults.add(fault),
    /** The next matching request(s) get Google's usage-limit answer: 403 (default) or 429 `rateLimitExceeded` with Retry-After. */
    rateLimitNext: (path: RegExp | string, opts: { status?: 403 | 429; retryAfterSeconds?: number; times?: number; method?: string; reason?: "rateLimitExceeded" | "userRateLimitExceeded" } = {}) =>
      faults.add({ path, method: opts.method, times: opts.times, ...rateLimited(opts.status ?? 403, opts.retryAfterSeconds ?? 1, opts.reason) }),
    /** The next matching request(s) are carried out, then the connection is cut before the answer (the client sees a network error). */
    dropNextResponse: (match: { path: RegExp | string; method?: string; times?: number }) => drops.add({ ...match, networkError: true }),
    pendingFaults: () => faults.size + drops.size,
    /** Moves the double's clock (token, code, sync token and channel expiry). */
    advanceTime: (ms: number) => void (clockOffset += ms),
    now,
    /** Clears faults, the request and notification logs and consent overrides. Accounts, events, tokens and channels stay. */
    reset(): void {
      faults.clear();
      drops.clear();
      requests.length = 0;
      channels.notifications.length = 0;
      oauth.consent.clear();
    },

    close: async () => {
      await channels.settled();
      await server.close();
    },
  };
}

export type GoogleDouble = Awaited<ReturnType<typeof startGoogleDouble>>;
