import { createHash, createPublicKey, createVerify, randomBytes } from "node:crypto";
import { Client, type GraphError, HTTPMessageHandler, type Middleware, RetryHandler, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MICROSOFT_DOUBLE_DEFAULTS, type MicrosoftDouble, startMicrosoftDouble } from "../doubles/microsoft/server";
import { startGraphReceiver } from "../doubles/microsoft/receiver";
import { startWebhookReceiver } from "../doubles/shared/receiver";

/**
 * The Microsoft double is only useful if it speaks the identity platform's and Graph's wire
 * formats: these tests drive Graph with the real @microsoft/microsoft-graph-client 3.0.7 and the
 * token endpoint with plain fetch (as an OAuth library would).
 *
 * The double is plain HTTP, and the SDK attaches the token only to https:// Graph hosts
 * (customHosts included: its host check starts with "https://"), so the client is built with
 * initWithMiddleware: a bearer middleware, the SDK's RetryHandler and HTTPMessageHandler. The
 * SDK also mangles absolute http:// links, so @odata.nextLink/deltaLink are followed relative to graphUrl.
 */
const CALLBACK = MICROSOFT_DOUBLE_DEFAULTS.redirectUris[0];
const ANA = MICROSOFT_DOUBLE_DEFAULTS.people[0]!.id;
const BRUNO = MICROSOFT_DOUBLE_DEFAULTS.people[1]!.id;
const SCOPE = "openid profile email offline_access https://graph.microsoft.com/Calendars.ReadWrite";
const DAY = 86_400_000;

let double: MicrosoftDouble;
let token: string;

class Bearer implements Middleware {
  private next?: Middleware;
  constructor(private readonly token: () => string) {}
  async execute(context: Parameters<Middleware["execute"]>[0]): Promise<void> {
    context.options = context.options ?? {};
    const headers = new Headers(context.options.headers as HeadersInit | undefined);
    headers.set("Authorization", `Bearer ${this.token()}`);
    context.options.headers = Object.fromEntries(headers);
    await this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

function graph(accessToken: string | (() => string), retries = 0): Client {
  const get = typeof accessToken === "string" ? () => accessToken : accessToken;
  return Client.initWithMiddleware({
    baseUrl: double.url,
    defaultVersion: "v1.0",
    middleware: [new Bearer(get), new RetryHandler(new RetryHandlerOptions(1, retries)), new HTTPMessageHandler()],
  });
}

/** An @odata link as the SDK takes it: relative to graphUrl. */
const relative = (link: string) => {
  expect(link.startsWith(double.graphUrl)).toBe(true);
  return link.slice(double.graphUrl.length);
};

const graphError = async (promise: Promise<unknown>) => {
  const error = (await promise.then(() => null, (e: unknown) => e)) as GraphError | null;
  return { statusCode: error?.statusCode, code: error?.code, message: error?.message };
};

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

const tokenRequest = (body: Record<string, string>, tenant = "common") =>
  fetch(`${double.url}/${tenant}/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body) });

async function authorizeInBrowser(query: Record<string, string>, click: "approve" | "cancel" | null, tenant = "common"): Promise<URL> {
  const url = new URL(`${double.url}/${tenant}/oauth2/v2.0/authorize`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  let response = await fetch(url, { redirect: "manual" });
  if (click) {
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Authorize DevPulse Cloud");
    for (const scope of ["Calendars.ReadWrite", "offline_access", "openid", "profile", "email"]) expect(page).toContain(`<code>${scope}</code>`);
    const requestId = /name="authorization_request" value="([^"]+)"/.exec(page)![1]!;
    response = await fetch(`${double.url}/${tenant}/oauth2/v2.0/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: requestId, decision: click }) });
  }
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location")!);
}

beforeAll(async () => {
  double = await startMicrosoftDouble({ demoAnchor: new Date() });
  token = double.createToken().accessToken;
});
afterAll(() => double.close());
afterEach(() => double.reset());

describe("Microsoft double: identity platform v2.0", () => {
  it("consents with state and PKCE, exchanges the code for tokens and a verifiable id_token", async () => {
    const { verifier, challenge } = pkce();
    const back = await authorizeInBrowser({ client_id: double.oauth.clientId, response_type: "code", redirect_uri: CALLBACK, scope: SCOPE, state: "st-1", nonce: "n-1", code_challenge: challenge, code_challenge_method: "S256" }, "approve");
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get("state")).toBe("st-1");
    const code = back.searchParams.get("code")!;
    const exchange = { client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: verifier, scope: SCOPE };

    const response = await tokenRequest(exchange);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Record<string, string | number>;
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, scope: "openid profile email https://graph.microsoft.com/Calendars.ReadWrite" });
    expect(tokens.access_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // id_token: RS256, verifiable with the key from the discovery document
    const discovery = (await (await fetch(`${double.url}/common/v2.0/.well-known/openid-configuration`)).json()) as { jwks_uri: string; issuer: string; token_endpoint: string };
    expect(discovery.token_endpoint).toBe(`${double.url}/common/oauth2/v2.0/token`);
    const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<Record<string, string>> };
    const [header, payload, signature] = String(tokens.id_token).split(".");
    const kid = (JSON.parse(Buffer.from(header!, "base64url").toString()) as { kid: string }).kid;
    const key = createPublicKey({ key: keys.find((k) => k.kid === kid)!, format: "jwk" });
    expect(createVerify("RSA-SHA256").update(`${header}.${payload}`).verify(key, Buffer.from(signature!, "base64url"))).toBe(true);
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    // The common endpoint names a per-tenant issuer ({tenantid}), as Microsoft's does.
    expect(discovery.issuer).toBe(`${double.url}/{tenantid}/v2.0`);
    expect(claims).toMatchObject({ aud: double.oauth.clientId, iss: discovery.issuer.replace("{tenantid}", double.tenant.id), tid: double.tenant.id, oid: ANA, nonce: "n-1", email: "ana.lima@devpulse-sandbox.onmicrosoft.com", preferred_username: "ana.lima@devpulse-sandbox.onmicrosoft.com", name: "Ana Lima", ver: "2.0" });

    const me = (await graph(String(tokens.access_token)).api("/me").get()) as Record<string, string>;
    expect(me).toMatchObject({ id: ANA, displayName: "Ana Lima", userPrincipalName: "ana.lima@devpulse-sandbox.onmicrosoft.com" });

    // single use
    const again = await tokenRequest(exchange);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: "invalid_grant", error_codes: [54005], error_description: expect.stringMatching(/^AADSTS54005: /) });
  });

  it("refuses a wrong verifier, a bad secret, an unknown tenant; Cancel redirects with access_denied", async () => {
    double.approveNext();
    const { challenge } = pkce();
    const back = await authorizeInBrowser({ client_id: double.oauth.clientId, response_type: "code", redirect_uri: CALLBACK, scope: SCOPE, code_challenge: challenge, code_challenge_method: "S256" }, null, double.tenant.id);
    const code = back.searchParams.get("code")!;
    const base = { client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, grant_type: "authorization_code", code, redirect_uri: CALLBACK };
    const wrong = await tokenRequest({ ...base, code_verifier: "v".repeat(43) }, double.tenant.id);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant", error_codes: [501481] });
    const secret = await tokenRequest({ ...base, client_secret: "nope" });
    expect(secret.status).toBe(401);
    expect(await secret.json()).toMatchObject({ error: "invalid_client", error_codes: [7000215] });
    const tenant = await tokenRequest(base, "contoso.example");
    expect(await tenant.json()).toMatchObject({ error_codes: [90002] });
    const page = await fetch(`${double.url}/common/oauth2/v2.0/authorize?client_id=${double.oauth.clientId}&response_type=code&scope=openid&redirect_uri=https://evil.test/cb`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("AADSTS50011");

    const denied = await authorizeInBrowser({ client_id: double.oauth.clientId, response_type: "code", redirect_uri: CALLBACK, scope: SCOPE, state: "st-2" }, "cancel");
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("error_description")).toMatch(/^AADSTS65004/);
    expect(denied.searchParams.get("state")).toBe("st-2");
  });

  it("rotates the refresh token on every refresh; a revoked grant answers AADSTS50173; access tokens expire", async () => {
    const first = double.createToken({ userId: BRUNO });
    const credentials = { client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret, grant_type: "refresh_token" };
    const refreshed = (await (await tokenRequest({ ...credentials, refresh_token: first.refreshToken!, scope: "offline_access https://graph.microsoft.com/Calendars.ReadWrite" })).json()) as Record<string, string>;
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first.refreshToken);
    expect(refreshed.access_token).not.toBe(first.accessToken);
    expect(((await graph(refreshed.access_token!).api("/me").get()) as { id: string }).id).toBe(BRUNO);
    const third = (await (await tokenRequest({ ...credentials, refresh_token: refreshed.refresh_token! })).json()) as Record<string, string>;
    expect(third.refresh_token).not.toBe(refreshed.refresh_token);

    double.revokeUser(BRUNO);
    const revoked = await tokenRequest({ ...credentials, refresh_token: third.refresh_token! });
    expect(revoked.status).toBe(400);
    expect(await revoked.json()).toMatchObject({ error: "invalid_grant", error_codes: [50173] });

    const short = double.createToken({ userId: BRUNO, expiresInSeconds: 60 }).accessToken;
    double.advanceTime(61_000);
    try {
      expect(await graphError(graph(short).api("/me/calendars").get())).toMatchObject({ statusCode: 401, code: "InvalidAuthenticationToken", message: "Lifetime validation failed, the token is expired." });
    } finally {
      double.advanceTime(-61_000);
    }
    expect(await graphError(graph("not-a-token").api("/me").get())).toMatchObject({ statusCode: 401, code: "InvalidAuthenticationToken" });
    const readOnly = double.createToken({ scopes: ["Calendars.Read"] }).accessToken;
    expect(await graphError(graph(readOnly).api("/me/events").post({ subject: "x", start: { dateTime: "2030-01-01T09:00:00", timeZone: "UTC" }, end: { dateTime: "2030-01-01T10:00:00", timeZone: "UTC" } }))).toMatchObject({ statusCode: 403, code: "ErrorAccessDenied" });
  });

  it("documents the SDK pitfall: Client.init with customHosts sends no token to an http:// host", async () => {
    const client = Client.init({ baseUrl: double.url, customHosts: new Set(["127.0.0.1"]), authProvider: (done) => done(null, token) });
    expect(await graphError(client.api("/me").get())).toMatchObject({ statusCode: 401, code: "InvalidAuthenticationToken", message: "Access token is empty." });
  });
});

describe("Microsoft double: calendars and events through the Graph SDK", () => {
  it("pages /me/calendars with @odata.nextLink", async () => {
    const client = graph(token);
    const first = (await client.api("/me/calendars").top(1).get()) as { value: Array<Record<string, unknown>>; "@odata.nextLink": string };
    expect(first.value).toHaveLength(1);
    expect(first.value[0]).toMatchObject({ name: "Calendar", isDefaultCalendar: true, canEdit: true, owner: { address: "ana.lima@devpulse-sandbox.onmicrosoft.com" } });
    const second = (await client.api(relative(first["@odata.nextLink"])).get()) as { value: Array<Record<string, unknown>>; "@odata.nextLink"?: string };
    expect(second.value.map((c) => c.name)).toEqual(["Team events"]);
    expect(second["@odata.nextLink"]).toBeUndefined();
    expect(((await graph(double.createToken({ userId: BRUNO }).accessToken).api("/me/calendars").get()) as { value: unknown[] }).value).toHaveLength(1);
  });

  it("expands this week's calendarView (about 40 per week), pages it with odata.maxpagesize, and honours outlook.timezone", async () => {
    const client = graph(token);
    const monday = Math.floor(double.now() / DAY) * DAY - ((new Date(double.now()).getUTCDay() + 6) % 7) * DAY;
    const window = { startDateTime: new Date(monday).toISOString(), endDateTime: new Date(monday + 7 * DAY).toISOString() };
    const events: Array<Record<string, any>> = [];
    let pageResult = (await client.api(`/me/calendars/${double.teamCalendarId}/calendarView`).query(window).header("Prefer", "odata.maxpagesize=2").get()) as { value: Array<Record<string, any>>; "@odata.nextLink"?: string };
    expect(pageResult.value).toHaveLength(2);
    let link = pageResult["@odata.nextLink"];
    events.push(...pageResult.value);
    while (link) {
      pageResult = await client.api(relative(link)).header("Prefer", "odata.maxpagesize=2").get();
      events.push(...pageResult.value);
      link = pageResult["@odata.nextLink"];
    }
    expect(events.map((e) => e.subject).sort()).toEqual(["All hands", "Guild: TypeScript", "Team lunch"]);

    const all: Array<Record<string, any>> = [];
    let url: string | undefined = `/me/calendarView?startDateTime=${window.startDateTime}&endDateTime=${window.endDateTime}`;
    while (url) {
      const result = (await client.api(url).header("Prefer", "odata.maxpagesize=50").get()) as { value: Array<Record<string, any>>; "@odata.nextLink"?: string };
      all.push(...result.value);
      url = result["@odata.nextLink"] ? relative(result["@odata.nextLink"]) : undefined;
    }
    expect(all.length).toBeGreaterThanOrEqual(43);
    const standups = all.filter((e) => e.subject === "Daily stand-up");
    expect(standups).toHaveLength(5);
    expect(standups[0]).toMatchObject({ type: "occurrence", seriesMasterId: expect.stringMatching(/^AAMk/), recurrence: null, start: { timeZone: "UTC" } });
    expect(all.some((e) => e.sensitivity === "private")).toBe(true);
    expect(all.filter((e) => e.categories.includes("Focus")).map((e) => e.showAs)).toEqual(["busy", "busy"]);
    const starts = all.map((e) => e.start.dateTime as string);
    expect([...starts].sort()).toEqual(starts);

    const standup = standups[0]!;
    const pacific = (await client.api(`/me/events/${standup.id}`).header("Prefer", 'outlook.timezone="Pacific Standard Time"').get()) as Record<string, any>;
    expect(pacific.start.timeZone).toBe("Pacific Standard Time");
    expect(pacific.start.dateTime).not.toBe(standup.start.dateTime);
    expect(pacific.start.dateTime).toMatch(/^\d{4}-\d\d-\d\dT0[12]:30:00\.0000000$/);

    expect(await graphError(client.api("/me/calendarView").get())).toMatchObject({ statusCode: 400, code: "ErrorInvalidParameter" });
    expect(await graphError(client.api("/me/events/AAMkADEvtnope=").get())).toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
  });

  it("creates a Focus block exactly once under a dropped response and a retry with the same transactionId", async () => {
    const client = graph(token);
    const start = new Date(double.now() + 2 * DAY);
    start.setUTCHours(7, 0, 0, 0);
    const block = {
      subject: "Focus: sync engine",
      showAs: "busy",
      categories: ["Focus"],
      sensitivity: "private",
      transactionId: "devpulse-focus-7f3a9c21",
      start: { dateTime: start.toISOString().slice(0, 19), timeZone: "UTC" },
      end: { dateTime: new Date(start.getTime() + 90 * 60_000).toISOString().slice(0, 19), timeZone: "UTC" },
    };
    double.dropNextResponse({ method: "POST", path: "/me/events" });
    await expect(client.api("/me/events").post(block)).rejects.toThrow();
    expect(double.requests.at(-1)).toMatchObject({ method: "POST", path: "/v1.0/me/events", status: 0 });
    const created = (await client.api("/me/events").post(block)) as Record<string, any>;
    expect(created).toMatchObject({ subject: "Focus: sync engine", showAs: "busy", categories: ["Focus"], sensitivity: "private", transactionId: block.transactionId, type: "singleInstance", start: { dateTime: `${block.start.dateTime}.0000000`, timeZone: "UTC" } });
    const retried = (await client.api("/me/events").post(block)) as Record<string, any>;
    expect(retried.id).toBe(created.id);
    expect(double.eventsWithTransactionId(block.transactionId)).toHaveLength(1);

    const moved = (await client.api(`/me/events/${created.id}`).patch({ start: { dateTime: "2030-01-07T10:00:00", timeZone: "W. Europe Standard Time" }, end: { dateTime: "2030-01-07T11:00:00", timeZone: "W. Europe Standard Time" } })) as Record<string, any>;
    expect(moved.start).toEqual({ dateTime: "2030-01-07T09:00:00.0000000", timeZone: "UTC" });
    expect(moved.originalStartTimeZone).toBe("W. Europe Standard Time");
    expect(moved.changeKey).not.toBe(created.changeKey);
    await client.api(`/me/events/${created.id}`).delete();
    expect(await graphError(client.api(`/me/events/${created.id}`).get())).toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
    expect(await graphError(client.api("/me/events").post({ subject: "bad", showAs: "sleeping", start: block.start, end: block.end }))).toMatchObject({ statusCode: 400, code: "RequestBodyRead" });
  });

  it("expands a weekly recurring focus session; an occurrence can be moved (exception) or cancelled", async () => {
    const client = graph(token);
    const series = (await client.api("/me/events").post({
      subject: "Focus (weekdays 9–11)",
      showAs: "busy",
      categories: ["Focus"],
      start: { dateTime: "2031-03-03T09:00:00", timeZone: "UTC" },
      end: { dateTime: "2031-03-03T11:00:00", timeZone: "UTC" },
      recurrence: { pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"] }, range: { type: "endDate", startDate: "2031-03-03", endDate: "2031-03-14" } },
    })) as Record<string, any>;
    expect(series).toMatchObject({ type: "seriesMaster", recurrence: { pattern: { type: "weekly", daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"] }, range: { type: "endDate", endDate: "2031-03-14" } } });
    const view = async () => ((await client.api("/me/calendarView").query({ startDateTime: "2031-03-01T00:00:00Z", endDateTime: "2031-03-20T00:00:00Z" }).top(100).get()) as { value: Array<Record<string, any>> }).value.filter((e) => e.seriesMasterId === series.id);
    const instances = await view();
    expect(instances).toHaveLength(10);
    const [first, second] = instances;
    await client.api(`/me/events/${first!.id}`).patch({ start: { dateTime: "2031-03-03T13:00:00", timeZone: "UTC" }, end: { dateTime: "2031-03-03T15:00:00", timeZone: "UTC" } });
    await client.api(`/me/events/${second!.id}`).delete();
    const after = await view();
    expect(after).toHaveLength(9);
    expect(after[0]).toMatchObject({ id: first!.id, type: "exception", start: { dateTime: "2031-03-03T13:00:00.0000000" }, originalStart: "2031-03-03T09:00:00Z" });
    const listed = ((await client.api(`/me/events/${series.id}/instances`).query({ startDateTime: "2031-03-01T00:00:00Z", endDateTime: "2031-03-20T00:00:00Z" }).top(50).get()) as { value: unknown[] }).value;
    expect(listed).toHaveLength(9);
    await client.api(`/me/events/${series.id}`).delete();
    expect(await view()).toHaveLength(0);
  });

  it("walks calendarView/delta: pages, a delta link with changes and @removed, and 410 SyncStateNotFound on a stale token", async () => {
    const client = graph(token);
    const from = Date.UTC(2032, 4, 3);
    const window = { startDateTime: new Date(from).toISOString(), endDateTime: new Date(from + 7 * DAY).toISOString() };
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await double.createEventByHand({ subject: `Delta ${i}`, start: from + i * DAY + 9 * 3_600_000, end: from + i * DAY + 10 * 3_600_000 }));
    type DeltaPage = { value: Array<Record<string, any>>; "@odata.nextLink"?: string; "@odata.deltaLink"?: string };
    const round = async (start: string): Promise<{ items: Array<Record<string, any>>; deltaLink: string; pages: number }> => {
      const items: Array<Record<string, any>> = [];
      let url: string | undefined = start;
      let pages = 0;
      for (;;) {
        const result = (await client.api(url!).header("Prefer", "odata.maxpagesize=2").get()) as DeltaPage;
        pages += 1;
        items.push(...result.value);
        if (result["@odata.nextLink"]) {
          expect(result["@odata.nextLink"]).toContain("$skiptoken=");
          url = relative(result["@odata.nextLink"]);
        } else {
          expect(result["@odata.deltaLink"]).toContain("$deltatoken=");
          return { items, deltaLink: relative(result["@odata.deltaLink"]!), pages };
        }
      }
    };
    const initial = await round(`/me/calendarView/delta?startDateTime=${window.startDateTime}&endDateTime=${window.endDateTime}`);
    expect(initial.pages).toBe(3);
    expect(initial.items.map((e) => e.subject)).toEqual(["Delta 0", "Delta 1", "Delta 2", "Delta 3", "Delta 4"]);

    const unchanged = await round(initial.deltaLink);
    expect(unchanged.items).toEqual([]);

    await double.moveEventByHand(made[1]!.id as string, { minutes: 30 });
    await double.deleteEventByHand(made[2]!.id as string);
    await double.moveEventByHand(made[3]!.id as string, { start: from + 30 * DAY, end: from + 30 * DAY + 3_600_000 }); // out of the window
    const added = await double.createEventByHand({ subject: "Delta new", start: from + 6 * DAY, end: from + 6 * DAY + 3_600_000 });
    const changes = await round(unchanged.deltaLink);
    expect(changes.items.filter((e) => !e["@removed"]).map((e) => [e.subject, e.start.dateTime])).toEqual([
      ["Delta 1", new Date(from + DAY + 9.5 * 3_600_000).toISOString().replace("Z", "0000")],
      ["Delta new", new Date(from + 6 * DAY).toISOString().replace("Z", "0000")],
    ]);
    expect(changes.items.filter((e) => e["@removed"]).map((e) => e.id).sort()).toEqual([made[2]!.id, made[3]!.id].sort());
    expect(changes.items.find((e) => e["@removed"])).toEqual({ "@odata.type": "#microsoft.graph.event", id: expect.any(String), "@removed": { reason: "deleted" } });
    expect(added.subject).toBe("Delta new");

    double.expireDeltaTokens();
    expect(await graphError(client.api(changes.deltaLink).get())).toMatchObject({ statusCode: 410, code: "SyncStateNotFound" });
  });

  it("keeps each person's calendars to themselves", async () => {
    const brunoClient = graph(double.createToken({ userId: BRUNO }).accessToken);
    const anaEvent = double.events()[0]!;
    expect(await graphError(brunoClient.api(`/me/events/${anaEvent.id}`).get())).toMatchObject({ statusCode: 404 });
    expect(await graphError(brunoClient.api(`/users/${ANA}/calendars`).get())).toMatchObject({ statusCode: 403, code: "ErrorAccessDenied" });
    const mine = (await brunoClient.api(`/users/${BRUNO}/events`).get()) as { value: Array<{ subject: string }> };
    expect(mine.value.map((e) => e.subject)).toEqual(["Bruno's dentist", "Bruno: code review"]);
  });
});

describe("Microsoft double: subscriptions and notifications", () => {
  it("validates the endpoint, then delivers change notifications with clientState; a non-echoing endpoint is refused", async () => {
    const receiver = await startGraphReceiver();
    const silent = await startWebhookReceiver({ status: 200, reply: "ok" });
    try {
      const client = graph(token);
      const expirationDateTime = new Date(double.now() + 4000 * 60_000).toISOString();
      const subscription = (await client.api("/subscriptions").post({ changeType: "created,updated,deleted", notificationUrl: `${receiver.url}/hook?tenant=x`, resource: "me/events", expirationDateTime, clientState: "cs-secret-1" })) as Record<string, any>;
      expect(subscription).toMatchObject({ id: expect.any(String), resource: "me/events", changeType: "created,updated,deleted", clientState: "cs-secret-1", applicationId: double.oauth.clientId, creatorId: ANA });
      const validation = receiver.received[0]!;
      expect(validation.path).toBe("/hook");
      expect(validation.validationToken).toMatch(/^Validation: Testing client application reachability/);
      expect(validation.headers["content-type"]).toMatch(/^text\/plain/);

      const refused = await graphError(client.api("/subscriptions").post({ changeType: "created", notificationUrl: silent.url, resource: "me/events", expirationDateTime }));
      expect(refused).toMatchObject({ statusCode: 400, code: "InvalidRequest", message: "Subscription validation request failed. Response must exactly match validationToken query parameter." });
      expect(silent.received[0]!.path).toMatch(/\?validationToken=Validation%3A/);
      expect(await graphError(client.api("/subscriptions").post({ changeType: "created", notificationUrl: receiver.url, resource: "me/events", expirationDateTime: new Date(double.now() + 5000 * 60_000).toISOString() }))).toMatchObject({ statusCode: 400, message: "Subscription expiration can only be 4230 minutes in the future." });

      const made = await double.createEventByHand({ subject: "Meeting landed on focus", start: double.now() + DAY, end: double.now() + DAY + 3_600_000 });
      const created = (await client.api("/me/events").post({ subject: "Via API", start: { dateTime: "2033-01-01T10:00:00", timeZone: "UTC" }, end: { dateTime: "2033-01-01T11:00:00", timeZone: "UTC" } })) as { id: string };
      await double.settled();
      const notes = receiver.notifications("/hook");
      expect(notes.map((n) => [n.changeType, (n.resourceData as { id: string }).id])).toEqual([["created", made.id], ["created", created.id]]);
      expect(notes[0]).toMatchObject({ subscriptionId: subscription.id, clientState: "cs-secret-1", tenantId: double.tenant.id, resource: `Users/${ANA}/Events/${made.id}`, resourceData: { "@odata.type": "#Microsoft.Graph.Event", id: made.id } });
      // another person's changes are not theirs
      await double.createEventByHand({ userId: BRUNO, subject: "Bruno's", start: double.now(), end: double.now() + 3_600_000 });
      expect(receiver.notifications("/hook")).toHaveLength(2);
      await client.api(`/subscriptions/${subscription.id}`).delete();
      await double.deleteEventByHand(made.id as string);
      expect(receiver.notifications("/hook")).toHaveLength(2);
    } finally {
      await receiver.close();
      await silent.close();
    }
  });

  it("renews by PATCH, expires on the double's clock, and sends lifecycle notifications", async () => {
    const receiver = await startGraphReceiver();
    try {
      const client = graph(token);
      const create = async () =>
        (await client.api("/subscriptions").post({ changeType: "updated,deleted", notificationUrl: `${receiver.url}/changes`, lifecycleNotificationUrl: `${receiver.url}/lifecycle`, resource: `me/calendars/${double.teamCalendarId}/events`, expirationDateTime: new Date(double.now() + 60 * 60_000).toISOString(), clientState: "cs-2" })) as { id: string; expirationDateTime: string };
      const sub = await create();
      expect(receiver.received.filter((r) => r.validationToken).map((r) => r.path)).toEqual(["/changes", "/lifecycle"]);

      const later = new Date(double.now() + 4200 * 60_000).toISOString();
      const renewed = (await client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: later })) as { expirationDateTime: string };
      expect(Date.parse(renewed.expirationDateTime)).toBe(Date.parse(later));

      const teamEvent = double.events({ calendarId: double.teamCalendarId! })[0]!;
      await double.sendLifecycleNotification(sub.id, "reauthorizationRequired");
      await double.moveEventByHand(teamEvent.id as string, { minutes: 15 });
      expect(receiver.notifications("/changes")).toHaveLength(0);
      expect(double.subscriptions()[0]).toMatchObject({ needsReauthorization: true, withheld: 1 });
      await client.api(`/subscriptions/${sub.id}/reauthorize`).post({});
      await double.moveEventByHand(teamEvent.id as string, { minutes: -15 });
      expect(receiver.notifications("/changes").map((n) => n.changeType)).toEqual(["updated"]);
      // a change in the default calendar is outside this subscription
      await double.moveEventByHand(double.events({ calendarId: double.calendars()[0]!.id })[0]!.id as string, { minutes: 5 });
      expect(receiver.notifications("/changes")).toHaveLength(1);

      await double.sendLifecycleNotification(sub.id, "missed");
      await double.sendLifecycleNotification(sub.id, "subscriptionRemoved");
      expect(receiver.notifications("/lifecycle").map((n) => n.lifecycleEvent)).toEqual(["reauthorizationRequired", "missed", "subscriptionRemoved"]);
      expect(receiver.notifications("/lifecycle")[0]).toMatchObject({ subscriptionId: sub.id, clientState: "cs-2", tenantId: double.tenant.id });
      expect(await graphError(client.api(`/subscriptions/${sub.id}`).get())).toMatchObject({ statusCode: 404 });

      const short = await create();
      double.advanceTime(61 * 60_000);
      try {
        const fresh = graph(double.createToken().accessToken); // the old token expired too (3599 s)
        expect(await graphError(client.api("/me").get())).toMatchObject({ statusCode: 401 });
        expect(await graphError(fresh.api(`/subscriptions/${short.id}`).patch({ expirationDateTime: new Date(double.now() + 60 * 60_000).toISOString() }))).toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
        await double.moveEventByHand(teamEvent.id as string, { minutes: 5 });
        expect(receiver.notifications("/changes")).toHaveLength(1);
      } finally {
        double.advanceTime(-61 * 60_000);
      }
    } finally {
      await receiver.close();
    }
  });
});

describe("Microsoft double: faults and the person's page", () => {
  it("answers 429 TooManyRequests with Retry-After (the SDK's RetryHandler waits it out) and 503", async () => {
    double.rateLimitNext("/me/calendars", 1);
    const started = Date.now();
    const result = (await graph(token, 2).api("/me/calendars").get()) as { value: unknown[] };
    expect(result.value).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(double.requests.filter((r) => r.path === "/v1.0/me/calendars").map((r) => r.status)).toEqual([429, 200]);

    double.rateLimitNext("/me/events", 7);
    const raw = await fetch(`${double.graphUrl}/me/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
    expect(await raw.json()).toMatchObject({ error: { code: "TooManyRequests", message: expect.any(String), innerError: { "request-id": expect.any(String) } } });

    double.unavailableNext("/me/calendarView/delta", 1);
    expect(await graphError(graph(token).api("/me/calendarView/delta").get())).toMatchObject({ statusCode: 503, code: "ServiceUnavailable" });
  });

  it("shows the signed-in person's week and lets them move and delete an event by hand", async () => {
    const page = await (await fetch(double.url)).text();
    expect(page).toContain("Ana Lima — week of");
    expect(page).toContain("Daily stand-up");
    const made = await double.createEventByHand({ subject: "Hand-made review", start: double.now() + 60_000, end: double.now() + 31 * 60_000 });
    expect(await (await fetch(double.url)).text()).toContain(`data-event-id="${made.id}"`);
    const moved = await fetch(`${double.url}/outlook/events/move`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ id: String(made.id), minutes: "30" }) });
    expect(moved.status).toBe(302);
    expect(double.events().find((e) => e.id === made.id)!.start).toEqual({ dateTime: new Date(Date.parse(`${(made.start as { dateTime: string }).dateTime.slice(0, 23)}Z`) + 30 * 60_000).toISOString().replace("Z", "0000"), timeZone: "UTC" });
    await fetch(`${double.url}/outlook/events/delete`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ id: String(made.id) }) });
    expect(double.events().some((e) => e.id === made.id)).toBe(false);
  });
});
