import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, escapeHtml, faultAnswer, html, type LoggedRequest, params, redirect, serve } from "../shared/http";
import { errorPage, sandboxPage } from "../shared/oauth";
import { type EventFields, eventDefaults, type MeetingResponse, MicrosoftData, type Recurrence, type StoredEvent } from "./data";
import { mondayOf, seedMicrosoftDemo } from "./demo";
import { DeltaStore, handleGraph } from "./graph";
import { MicrosoftIdentity, type MicrosoftPerson, parseMicrosoftScopes } from "./identity";
import { type GraphDelivery, GraphSubscriptions, type LifecycleEvent } from "./subscriptions";
import { aadError, graphFaultBody, requestIds } from "./wire";

export type { GraphDelivery, LifecycleEvent } from "./subscriptions";
export type { MicrosoftPerson } from "./identity";
export type { MeetingResponse, Recurrence } from "./data";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of the Microsoft identity platform (login.microsoftonline.com, v2.0) and of
 * Microsoft Graph v1.0's calendars, on one loopback server:
 *
 *   identity   <url>/{tenant}/oauth2/v2.0/authorize|token     (MICROSOFT_LOGIN_URL=<url>, MICROSOFT_TENANT)
 *              <url>/{tenant}/v2.0/.well-known/openid-configuration, <url>/{tenant}/discovery/v2.0/keys, <url>/oidc/userinfo
 *   Graph      <url>/v1.0/…                                   (MICROSOFT_GRAPH_URL=<url>/v1.0)
 *   the person <url>/  (the signed-in person's week in "Outlook", with forms to add, move and delete events)
 *
 * See identity.ts, graph.ts, subscriptions.ts and data.ts for what each part reproduces.
 * The server is plain HTTP: @microsoft/microsoft-graph-client only attaches the bearer token to
 * https:// hosts (customHosts too), so drive it with Client.initWithMiddleware and a middleware
 * that sets Authorization, or with fetch (see tests/integration/doubles-microsoft.test.ts).
 */
export type MicrosoftDoubleOptions = {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Redirect URIs accepted exactly (default: the app's integration and sign-in callbacks on http://localhost:3000). */
  redirectUris?: string[];
  appName?: string;
  /** GET …/authorize redirects at once with a code, as if the user had consented before. */
  autoApprove?: boolean;
  /** Access token lifetime (expires_in), default 3599 s. */
  accessTokenTtlSeconds?: number;
  /** Refresh token lifetime, default 90 days. */
  refreshTokenTtlSeconds?: number;
  /** A refresh token works once (default false: the old one keeps working after a refresh, as Entra ID's). */
  singleUseRefreshTokens?: boolean;
  /** Demo calendars around this date (default: now). */
  demoAnchor?: Date;
  /** false: the people have an empty default calendar each. */
  demo?: boolean;
  /** Longest subscription lifetime in minutes (default 4230; Graph now allows 10080 for Outlook events). */
  maxSubscriptionMinutes?: number;
  /** The validation handshake's deadline (Graph: 10 s). */
  validationTimeoutMs?: number;
  /** How long a notification POST may take before it counts as failed (default 10 s; Graph wants 3 s). */
  notificationTimeoutMs?: number;
  /** Delta and skip tokens expire after this long on the double's clock (default 7 days). */
  deltaTokenTtlMs?: number;
};

export const MICROSOFT_DOUBLE_DEFAULTS = {
  clientId: "6f1c3a52-8d0e-4b7a-9c1e-5d3e9a7b0c21",
  clientSecret: "Dp8Q~sandbox.Only-3kTz1vVb9yN_aLq7Rr2mXe5wUo",
  redirectUris: ["http://localhost:3000/api/integrations/microsoft/callback", "http://localhost:3000/api/auth/callback/azure-ad", "http://localhost:3000/api/auth/callback/microsoft-entra-id"],
  appName: "DevPulse Cloud",
  tenant: { id: "4d2b8f3e-1a6c-4e5f-9b7d-0c8a2e6f1b39", domain: "devpulse-sandbox.onmicrosoft.com" },
  /** Seeded people: the one signed in to Microsoft in the browser first. */
  people: [
    { id: "a3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", displayName: "Ana Lima", givenName: "Ana", surname: "Lima", userPrincipalName: "ana.lima@devpulse-sandbox.onmicrosoft.com", mail: "ana.lima@devpulse-sandbox.onmicrosoft.com", jobTitle: "Staff engineer" },
    { id: "b4c2d3e5-6f7a-4b8c-9d0e-1f2a3b4c5d6e", displayName: "Bruno Costa", givenName: "Bruno", surname: "Costa", userPrincipalName: "bruno.costa@devpulse-sandbox.onmicrosoft.com", mail: "bruno.costa@devpulse-sandbox.onmicrosoft.com", jobTitle: "Engineer" },
  ] satisfies MicrosoftPerson[],
} as const;

/** What the app asks for to connect a calendar, and for sign-in. */
export const MICROSOFT_CALENDAR_SCOPES = ["openid", "profile", "email", "offline_access", "Calendars.ReadWrite"] as const;

/** A person's change in Outlook (times as Date or epoch ms, UTC). */
export type OutlookEventInput = {
  subject: string;
  start: Date | number;
  end: Date | number;
  calendarId?: string;
  userId?: string;
  showAs?: EventFields["showAs"];
  sensitivity?: EventFields["sensitivity"];
  categories?: string[];
  isAllDay?: boolean;
  location?: string;
  attendees?: Array<{ name: string; address: string }>;
  recurrence?: Recurrence;
  /** Someone else's meeting: an invitation in this person's calendar, not yet answered. */
  organizer?: { name: string; address: string };
};

const DAY = 86_400_000;
const ms = (value: Date | number) => (typeof value === "number" ? value : value.getTime());

export async function startMicrosoftDouble(options: MicrosoftDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const drops = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const urls = { login: "", graph: "" };
  const tenant = { ...MICROSOFT_DOUBLE_DEFAULTS.tenant };
  const data = new MicrosoftData(now);
  const people = new Map<string, MicrosoftPerson>();
  for (const person of MICROSOFT_DOUBLE_DEFAULTS.people) {
    people.set(person.id, { ...person });
    data.addPerson(people.get(person.id)!);
  }
  const ana = MICROSOFT_DOUBLE_DEFAULTS.people[0]!;
  const bruno = MICROSOFT_DOUBLE_DEFAULTS.people[1]!;
  let signedIn: string = ana.id;
  const identity = new MicrosoftIdentity(
    {
      clientId: options.clientId ?? MICROSOFT_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? MICROSOFT_DOUBLE_DEFAULTS.clientSecret,
      redirectUris: [...(options.redirectUris ?? MICROSOFT_DOUBLE_DEFAULTS.redirectUris)],
      appName: options.appName ?? MICROSOFT_DOUBLE_DEFAULTS.appName,
    },
    options.autoApprove ?? false,
    {
      now,
      url: () => urls.login,
      tenant,
      people,
      currentUser: () => people.get(signedIn)!,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3599,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 90 * 86_400,
      singleUseRefreshTokens: options.singleUseRefreshTokens ?? false,
    },
  );
  const subscriptions = new GraphSubscriptions({
    data,
    now,
    tenantId: tenant.id,
    validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
    notificationTimeoutMs: options.notificationTimeoutMs ?? 10_000,
    maxMinutes: options.maxSubscriptionMinutes ?? 4230,
  });
  data.onChange = (change) => subscriptions.notify(change);
  const delta = new DeltaStore(options.deltaTokenTtlMs ?? 7 * DAY);
  let teamCalendarId: string | null = null;
  if (options.demo !== false) teamCalendarId = seedMicrosoftDemo(data, { ana: ana.id, bruno: bruno.id }, options.demoAnchor ?? new Date(now())).teamCalendarId;
  const ctx = { data, identity, subscriptions, delta, now, graphUrl: () => urls.graph, loginUrl: () => urls.login };
  const apiPath = (path: string) => (path === "/v1.0" || path.startsWith("/v1.0/") ? path.slice("/v1.0".length) || "/" : path);

  // ---- the person's own actions in Outlook -------------------------------------------------
  const expectEvent = (id: string): StoredEvent => {
    for (const mailbox of data.mailboxes.values()) {
      const event = mailbox.events.get(id);
      if (event) return event;
    }
    throw new Error(`Microsoft double: no event ${id}`);
  };
  const byHand = {
    create(input: OutlookEventInput): StoredEvent {
      const userId = input.userId ?? signedIn;
      const fields: EventFields = {
        ...eventDefaults(ms(input.start), ms(input.end)),
        subject: input.subject,
        isAllDay: input.isAllDay ?? false,
        showAs: input.showAs ?? "busy",
        sensitivity: input.sensitivity ?? "normal",
        categories: input.categories ?? [],
        location: input.location ?? "",
        attendees: (input.attendees ?? []).map((a) => ({ type: "required", emailAddress: a })),
      };
      return data.createEvent(userId, input.calendarId ?? data.defaultCalendar(userId).id, { ...fields, recurrence: input.recurrence ?? null, organizer: input.organizer ?? null }, "user");
    },
    move(id: string, to: { start: Date | number; end?: Date | number } | { minutes: number }): StoredEvent {
      const event = expectEvent(id);
      const startMs = "minutes" in to ? event.startMs + to.minutes * 60_000 : ms(to.start);
      const endMs = "minutes" in to ? event.endMs + to.minutes * 60_000 : to.end !== undefined ? ms(to.end) : startMs + (event.endMs - event.startMs);
      return data.updateEvent(event, { startMs, endMs }, "user");
    },
    update: (id: string, patch: Partial<Pick<EventFields, "subject" | "showAs" | "sensitivity" | "categories" | "location">>) => data.updateEvent(expectEvent(id), patch, "user"),
    remove: (id: string) => data.deleteEvent(expectEvent(id), "user"),
  };

  // ---- the human page ------------------------------------------------------------------------
  const weekPage = (req: DoubleRequest): DoubleResponse => {
    const person = people.get(signedIn)!;
    const asked = Date.parse(`${req.query.get("week") ?? ""}T00:00:00Z`);
    const monday = mondayOf(Number.isNaN(asked) ? now() : asked);
    const calendars = data.mailbox(signedIn).calendars;
    const instances = data.instances(signedIn, null, monday, monday + 7 * DAY);
    const time = (t: number) => new Date(t).toISOString().slice(11, 16);
    const days = Array.from({ length: 7 }, (_, i) => {
      const start = monday + i * DAY;
      const rows = instances.filter((x) => x.startMs < start + DAY && x.endMs > start);
      const label = new Date(start).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
      const items = rows
        .map((x) => {
          const json = data.eventJson(x, "UTC", urls.graph);
          const calendar = calendars.find((c) => c.id === x.event.calendarId)?.name ?? "";
          const when = x.event.isAllDay ? "All day" : `${time(x.startMs)}–${time(x.endMs)}`;
          const tags = [json.showAs, json.sensitivity !== "normal" ? json.sensitivity : null, ...(json.categories as string[])].filter(Boolean).map((t) => `<span class="tag">${escapeHtml(String(t))}</span>`).join(" ");
          const actions = x.originalStartMs === null
            ? `<form method="post" action="/outlook/events/move" class="inline"><input type="hidden" name="id" value="${escapeHtml(x.id)}"><input type="hidden" name="minutes" value="30"><button type="submit" data-testid="outlook-move">Move +30 min</button></form>
<form method="post" action="/outlook/events/delete" class="inline"><input type="hidden" name="id" value="${escapeHtml(x.id)}"><button type="submit" data-testid="outlook-delete">Delete</button></form>`
            : "<small>(series)</small>";
          return `<li data-testid="outlook-event" data-event-id="${escapeHtml(x.id)}"><strong>${escapeHtml(when)}</strong> <span data-testid="outlook-event-subject">${escapeHtml(String(json.subject))}</span> <small>${escapeHtml(calendar)}</small> ${tags} ${actions}</li>`;
        })
        .join("\n");
      return `<h2>${escapeHtml(label)}</h2>\n${rows.length ? `<ul>${items}</ul>` : "<p>No events.</p>"}`;
    }).join("\n");
    const week = (offset: number) => new Date(monday + offset * 7 * DAY).toISOString().slice(0, 10);
    return html(
      200,
      sandboxPage(
        "Microsoft Outlook",
        `${person.displayName} — Calendar`,
        `<style>.inline{display:inline}.tag{background:#eff1f3;border-radius:4px;padding:0 .3rem;font-size:.8rem}main{max-width:48rem}</style>
<h1 id="page-title">${escapeHtml(person.displayName)} — week of ${escapeHtml(week(0))}</h1>
<p><a href="/?week=${week(-1)}">← Previous week</a> · <a href="/?week=${week(1)}">Next week →</a> · ${escapeHtml(person.userPrincipalName)}</p>
${days}
<form method="post" action="/outlook/events/new">
<h2>Add an event by hand</h2>
<p><label>Title <input name="subject" required></label></p>
<p><label>Start (UTC) <input name="start" type="datetime-local" required></label></p>
<p><label>Minutes <input name="minutes" type="number" value="30" min="5"></label></p>
<div class="actions"><button type="submit" class="primary">Add event</button></div>
</form>`,
      ),
    );
  };

  const handle = async (req: DoubleRequest): Promise<DoubleResponse> => {
    const path = req.path;
    if (path === "/v1.0" || path.startsWith("/v1.0/")) return handleGraph(ctx, req, apiPath(path));
    const oauth = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/.exec(path);
    if (oauth) {
      const tenantSegment = decodeURIComponent(oauth[1]!);
      if (oauth[2] === "token") return identity.token(req, tenantSegment);
      if (req.method === "GET") return identity.authorize(req, tenantSegment);
      if (req.method === "POST") return identity.decide(req);
    }
    const discovery = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys)$/.exec(path);
    if (discovery && req.method === "GET" && identity.knownTenant(decodeURIComponent(discovery[1]!))) {
      return discovery[2]!.startsWith("v2.0") ? identity.openidConfiguration(decodeURIComponent(discovery[1]!)) : identity.jwks();
    }
    if (path === "/oidc/userinfo") return identity.userinfo(req);
    if (path === "/" && req.method === "GET") return weekPage(req);
    if (path.startsWith("/outlook/events/") && req.method === "POST") {
      const form = params(req);
      try {
        if (path === "/outlook/events/new") {
          const start = Date.parse(`${form.start ?? ""}Z`);
          if (!form.subject || Number.isNaN(start)) return html(400, errorPage("Microsoft Outlook", "Missing details", "An event needs a title and a start."));
          byHand.create({ subject: form.subject.slice(0, 255), start, end: start + Math.max(5, Number(form.minutes) || 30) * 60_000 });
        } else if (path === "/outlook/events/move") byHand.move(form.id ?? "", { minutes: Number(form.minutes) || 30 });
        else if (path === "/outlook/events/delete") byHand.remove(form.id ?? "");
        else return html(404, errorPage("Microsoft Outlook", "Page not found", `This sandbox does not serve ${path}.`));
      } catch (error) {
        return html(404, errorPage("Microsoft Outlook", "Event not found", (error as Error).message));
      }
      return redirect("/");
    }
    return html(404, errorPage("Microsoft", "Page not found", `This Microsoft sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    apiPath,
    handle: async (req) => {
      // dropNextResponse: the request is applied, then the connection is cut before the answer.
      const drop = drops.take(req.method, req.path, apiPath(req.path));
      const response = await handle(req);
      return drop ? { ...response, networkError: true } : response;
    },
    faultResponse: (req, fault) => {
      if (req.path.includes("/oauth2/")) return faultAnswer(fault, {}, aadError(fault.status, fault.status === 429 || fault.status >= 500 ? "temporarily_unavailable" : "invalid_request", 50_196, "The server is temporarily unavailable. Retry the request.", urls.login));
      return faultAnswer(fault, requestIds(), graphFaultBody(fault.status));
    },
  });
  urls.login = server.url;
  urls.graph = `${server.url}/v1.0`;

  const expectPerson = (userId: string) => {
    if (!people.has(userId)) throw new Error(`Microsoft double: unknown person ${userId}`);
  };
  const settle = async <T>(value: T): Promise<T> => {
    await subscriptions.settled();
    return value;
  };
  const eventJson = (event: StoredEvent) => data.eventJson(event, "UTC", urls.graph);

  return {
    /** MICROSOFT_LOGIN_URL: the identity platform (…/{tenant}/oauth2/v2.0/authorize|token). */
    url: server.url,
    /** MICROSOFT_GRAPH_URL: Graph v1.0's root. */
    graphUrl: urls.graph,
    oauth: identity.client,
    /** The variables that point the app at this double (its app registration, identity platform and Graph). */
    appEnv: { MICROSOFT_CLIENT_ID: identity.client.clientId, MICROSOFT_CLIENT_SECRET: identity.client.clientSecret, MICROSOFT_TENANT: tenant.id, MICROSOFT_LOGIN_URL: urls.login, MICROSOFT_GRAPH_URL: urls.graph },
    /** The directory: MICROSOFT_TENANT may be "common", the id or the domain. */
    tenant,
    /** Every request answered, oldest first (never a credential). */
    requests,
    /** Every validation, change and lifecycle POST made to the app, oldest first. */
    deliveries: subscriptions.deliveries as readonly GraphDelivery[],

    // ---- people
    /** Seeded: Ana Lima (signed in; demo calendars "Calendar" and "Team events") and Bruno Costa. */
    people: () => [...people.values()],
    /** Who the consent page signs in as (the person signed in to Microsoft in this browser). */
    signInAs(userId: string): void {
      expectPerson(userId);
      signedIn = userId;
    },

    // ---- identity and tokens
    approveNext: (times = 1) => identity.consent.approveNext(times),
    denyNext: (times = 1) => identity.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (identity.consent.autoApprove = value),
    addRedirectUri: (uri: string) => void identity.client.redirectUris.push(uri),
    /** Tokens without the OAuth dance (default: the signed-in person; openid profile email offline_access Calendars.ReadWrite). */
    createToken(opts: { userId?: string; scopes?: readonly string[] | string; expiresInSeconds?: number } = {}) {
      const userId = opts.userId ?? signedIn;
      expectPerson(userId);
      const scopes = typeof opts.scopes === "string" ? parseMicrosoftScopes(opts.scopes) : [...(opts.scopes ?? MICROSOFT_CALENDAR_SCOPES)];
      return { ...identity.issue(userId, scopes, opts.expiresInSeconds), userId };
    },
    expireToken(accessToken: string): void {
      const record = identity.tokens.get(accessToken);
      if (!record) throw new Error("Microsoft double: unknown token");
      record.expiresAt = now() - 1;
    },
    /** Makes a refresh token expired (the next refresh answers invalid_grant AADSTS700082). */
    expireRefreshToken(refreshToken: string): void {
      const record = identity.refreshTokens.get(refreshToken);
      if (!record) throw new Error("Microsoft double: unknown refresh token");
      record.expiresAt = now() - 1;
    },
    /** The person revoked the app's sessions: every refresh token of theirs answers invalid_grant AADSTS50173. */
    revokeUser: (userId: string) => identity.revokeUser(userId),
    issuedTokens: () => identity.issued,

    // ---- calendars (reading state for assertions)
    /** A person's calendars: the default "Calendar" first. */
    calendars: (userId = signedIn) => data.mailbox(userId).calendars.map((c) => ({ ...c })),
    /** Adds a calendar to a person's mailbox (default: the signed-in person), as if made in Outlook. */
    addCalendar: (input: { name: string; hexColor?: string; color?: string; userId?: string }) => ({ ...data.addCalendar(input.userId ?? signedIn, input) }),
    /** The id of Ana's second demo calendar ("Team events"), or null without demo data. */
    teamCalendarId: teamCalendarId,
    /** Stored events (singles and series masters) as Graph renders them in UTC. */
    events: (opts: { userId?: string; calendarId?: string } = {}) => data.events(opts.userId ?? signedIn, opts.calendarId ?? null).map(eventJson),
    /** Instances overlapping [from, to) as calendarView renders them (UTC). */
    calendarView: (from: Date | number, to: Date | number, opts: { userId?: string; calendarId?: string } = {}) =>
      data.instances(opts.userId ?? signedIn, opts.calendarId ?? null, ms(from), ms(to)).map((i) => data.eventJson(i, "UTC", urls.graph)),
    /** Responses sent to organizers (declines), oldest first. */
    responses: data.responses as readonly MeetingResponse[],
    /** Events created through the API with this transactionId (0 or 1 when idempotency holds). */
    eventsWithTransactionId: (transactionId: string, userId = signedIn) => data.events(userId, null).filter((e) => e.transactionId === transactionId).map(eventJson),

    // ---- the person's own actions in Outlook (each notifies subscriptions and resolves once the POSTs are answered)
    createEventByHand: (input: OutlookEventInput) => settle(eventJson(byHand.create(input))),
    moveEventByHand: (id: string, to: { start: Date | number; end?: Date | number } | { minutes: number }) => settle(eventJson(byHand.move(id, to))),
    updateEventByHand: (id: string, patch: Partial<Pick<EventFields, "subject" | "showAs" | "sensitivity" | "categories" | "location">>) => settle(eventJson(byHand.update(id, patch))),
    deleteEventByHand: (id: string) => settle(byHand.remove(id)),

    // ---- subscriptions and notifications
    /** Live subscriptions (expired ones are gone), with the double's own flags. */
    subscriptions: () => subscriptions.live().map((s) => ({ ...subscriptions.json(s), needsReauthorization: s.needsReauthorization, withheld: s.withheld })),
    /** Sends a lifecycle notification to the subscription's lifecycleNotificationUrl (see subscriptions.ts for each one's effect). */
    sendLifecycleNotification: (subscriptionId: string, event: LifecycleEvent) => subscriptions.lifecycle(subscriptionId, event),
    /** Resolves when every notification sent so far has been answered or timed out. */
    settled: () => subscriptions.settled(),
    /** Every delta and skip token answers 410 SyncStateNotFound from now on. */
    expireDeltaTokens: () => delta.expireAll(),

    // ---- faults
    /** The next matching request(s) get this answer (or a cut connection: { networkError: true }); `path` may omit /v1.0. */
    failNext: (fault: FaultSpec) => faults.add(fault),
    /** 429 TooManyRequests with Retry-After (whole seconds), Graph's error body. */
    rateLimitNext: (path: string | RegExp, retryAfterSeconds = 1, times = 1, method?: string) =>
      faults.add({ path, method, times, status: 429, headers: { "retry-after": String(retryAfterSeconds) } }),
    /** 503 ServiceUnavailable with Retry-After. */
    unavailableNext: (path: string | RegExp, retryAfterSeconds = 1, times = 1, method?: string) =>
      faults.add({ path, method, times, status: 503, headers: { "retry-after": String(retryAfterSeconds) } }),
    /** The next matching request is APPLIED, then the connection is cut before the answer (a retried create must not duplicate). */
    dropNextResponse: (match: { path: string | RegExp; method?: string; times?: number }) => drops.add({ ...match, networkError: true }),
    pendingFaults: () => faults.size + drops.size,
    /** Moves the double's clock (token, code, subscription and delta-token expiry). */
    advanceTime: (msToAdd: number) => void (clockOffset += msToAdd),
    now,
    /** Clears faults, the request and delivery logs and consent overrides. Data, tokens and subscriptions stay. */
    reset(): void {
      faults.clear();
      drops.clear();
      requests.length = 0;
      subscriptions.deliveries.length = 0;
      identity.consent.clear();
    },

    close: async () => {
      await subscriptions.settled();
      await server.close();
    },
  };
}

export type MicrosoftDouble = Awaited<ReturnType<typeof startMicrosoftDouble>>;
