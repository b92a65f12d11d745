import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CALENDAR_SCOPES, GOOGLE_CALENDAR_SCOPES, GOOGLE_DOUBLE_DEFAULTS, type GoogleDouble, startGoogleDouble } from "../doubles/google/server";
import { startWebhookReceiver } from "../doubles/shared/receiver";

/**
 * The Google double is only useful if the real googleapis / google-auth-library can drive
 * it: these tests run the SDK's OAuth2 client (endpoints pointed at the double) through
 * consent + PKCE, refresh and revoke, and its Calendar v3 client (rootUrl at the double)
 * through pagination, sync tokens, idempotent inserts, focusTime, recurrence, push
 * channels and usage limits. Plain fetch plays the browser.
 */
type Googleapis = typeof import("googleapis");
let googleapis: Googleapis["google"];
let double: GoogleDouble;
const ANA = GOOGLE_DOUBLE_DEFAULTS.accounts[0].email;
const BRUNO = GOOGLE_DOUBLE_DEFAULTS.accounts[1].email;
const CALLBACK = GOOGLE_DOUBLE_DEFAULTS.redirectUris[0];
const ANCHOR = new Date("2025-03-12T10:00:00Z");

const oauthClient = () => new googleapis.auth.OAuth2({ clientId: double.oauth.clientId, clientSecret: double.oauth.clientSecret, redirectUri: CALLBACK, endpoints: double.endpoints });

/** A Calendar client with the SDK's own retries off (the tests look at each answer). */
function calendar(credentials: { access_token?: string; refresh_token?: string; expiry_date?: number } | string) {
  const auth = oauthClient();
  auth.setCredentials(typeof credentials === "string" ? { access_token: credentials } : credentials);
  return { auth, api: googleapis.calendar({ version: "v3", auth, rootUrl: `${double.apiUrl}/`, retry: false }) };
}

const failure = async (promise: Promise<unknown>) => {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { status?: number; code?: string; response?: { status: number; data: unknown; headers: Headers } } | null;
  return { status: error?.response?.status, data: error?.response?.data as Record<string, unknown> & { error?: { errors?: Array<{ reason: string; domain: string }>; code?: number; message?: string } }, headers: error?.response?.headers, code: error?.code, error };
};

/** The browser side: authorize → consent click → redirect with ?code. */
async function consent(url: string, click: "approve" | "cancel"): Promise<URL> {
  const page = await fetch(url, { redirect: "manual" });
  expect(page.status).toBe(200);
  const text = await page.text();
  expect(text).toContain("Authorize DevPulse Cloud");
  expect(text).toContain("calendar.events");
  expect(text).toContain("calendar.readonly");
  expect(text).toContain("View and edit events on all your calendars");
  const requestId = /name="authorization_request" value="([^"]+)"/.exec(text)![1]!;
  const back = await fetch(`${double.oauthUrl}/o/oauth2/v2/auth`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: requestId, decision: click }) });
  expect(back.status).toBe(302);
  return new URL(back.headers.get("location")!);
}

const primaryJson = (api: ReturnType<typeof calendar>["api"], calendarId: string, extra: Record<string, unknown> = {}) => api.events.list({ calendarId, ...extra });

beforeAll(async () => {
  googleapis = (await import("googleapis")).google;
  double = await startGoogleDouble({ demoAnchor: ANCHOR });
}, 20_000);
afterAll(() => double.close());
afterEach(() => double.reset());

describe("Google double: OAuth 2.0 through google-auth-library", () => {
  it("consent with state and PKCE S256, offline access, code exchange, then refresh before expiry", async () => {
    const client = oauthClient();
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const url = client.generateAuthUrl({ access_type: "offline", prompt: "consent", scope: [...GOOGLE_CALENDAR_SCOPES], state: "st-1", code_challenge: codeChallenge, code_challenge_method: "S256" as never });
    expect(url.startsWith(`${double.oauthUrl}/o/oauth2/v2/auth?`)).toBe(true);
    const back = await consent(url, "approve");
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get("state")).toBe("st-1");
    expect(back.searchParams.get("scope")).toBe(GOOGLE_CALENDAR_SCOPES.join(" "));
    const code = back.searchParams.get("code")!;

    // a wrong verifier is refused as Google refuses it
    const wrong = await failure(client.getToken({ code, codeVerifier: "x".repeat(64) }));
    expect(wrong.status).toBe(400);
    expect(wrong.data).toEqual({ error: "invalid_grant", error_description: "Invalid code verifier." });

    const { tokens } = await client.getToken({ code, codeVerifier });
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\/0/);
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.scope).toBe(GOOGLE_CALENDAR_SCOPES.join(" "));
    expect(tokens.expiry_date! - Date.now()).toBeGreaterThan(3590_000);
    // a code is single use
    expect((await failure(client.getToken({ code, codeVerifier }))).data).toEqual({ error: "invalid_grant", error_description: "Bad Request" });

    // The library refreshes a token about to expire before the call; Google does not rotate refresh tokens.
    const { auth, api } = calendar({ access_token: tokens.access_token!, refresh_token: tokens.refresh_token!, expiry_date: Date.now() - 1000 });
    const list = await api.calendarList.list();
    expect(list.data.items?.map((c) => c.summary)).toEqual([ANA, "Team"]);
    expect(auth.credentials.access_token).not.toBe(tokens.access_token);
    expect(auth.credentials.refresh_token).toBe(tokens.refresh_token);
    expect(double.requests.filter((r) => r.path === "/token").map((r) => r.status)).toEqual([400, 200, 400, 200]);

    // cancel → access_denied
    const denied = await consent(oauthClient().generateAuthUrl({ scope: [...GOOGLE_CALENDAR_SCOPES], state: "st-2" }), "cancel");
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", state: "st-2" });
  });

  it("an expired token answers 401 until refreshed; a revoked grant refuses both the token and the refresh", async () => {
    const { accessToken, refreshToken } = double.createToken();
    double.expireToken(accessToken);
    const expired = await failure(calendar(accessToken).api.calendarList.list());
    expect(expired.status).toBe(401);
    expect(expired.data.error).toMatchObject({ code: 401, status: "UNAUTHENTICATED", errors: [{ reason: "authError", message: "Invalid Credentials", location: "Authorization" }] });
    expect(expired.headers?.get("www-authenticate")).toContain('error="invalid_token"');

    // With a refresh token and no expiry date the library refreshes on the 401 and retries once.
    const { auth, api } = calendar({ access_token: accessToken, refresh_token: refreshToken! });
    expect((await api.events.list({ calendarId: "primary", maxResults: 1 })).status).toBe(200);
    const fresh = auth.credentials.access_token!;

    await auth.revokeToken(fresh);
    expect((await failure(calendar(fresh).api.events.list({ calendarId: "primary" }))).status).toBe(401);
    const stale = oauthClient();
    stale.setCredentials({ refresh_token: refreshToken! });
    const refused = await failure(stale.refreshAccessToken());
    expect(refused.status).toBe(400);
    expect(refused.data).toEqual({ error: "invalid_grant", error_description: "Token has been expired or revoked." });
    expect((await failure(oauthClient().revokeToken(fresh))).data).toEqual({ error: "invalid_token", error_description: "Token expired or revoked" });
  });

  it("refuses scopes it was not granted, a missing token, and reports Workspace accounts in userinfo", async () => {
    const readOnly = double.createToken({ scopes: [CALENDAR_SCOPES.readonly] }).accessToken;
    const write = await failure(calendar(readOnly).api.events.insert({ calendarId: "primary", requestBody: { start: { dateTime: "2025-03-12T10:00:00Z" }, end: { dateTime: "2025-03-12T11:00:00Z" } } }));
    expect(write.status).toBe(403);
    expect(write.data.error?.errors?.[0]?.reason).toBe("insufficientPermissions");
    const anonymous = await fetch(`${double.apiUrl}/calendar/v3/users/me/calendarList`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]!.reason).toBe("required");

    const ana = double.createToken({ scopes: ["openid", "email", "profile", ...GOOGLE_CALENDAR_SCOPES] }).accessToken;
    const info = await fetch(`${double.apiUrl}/oauth2/v3/userinfo`, { headers: { authorization: `Bearer ${ana}` } });
    expect(await info.json()).toMatchObject({ email: ANA, email_verified: true, name: "Ana Lima", hd: "devpulse.test" });
    const bruno = double.createToken({ email: BRUNO, scopes: ["email"] }).accessToken;
    expect(await (await fetch(`${double.apiUrl}/oauth2/v3/userinfo`, { headers: { authorization: `Bearer ${bruno}` } })).json()).not.toHaveProperty("hd");
  });
});

describe("Google double: Calendar v3 through googleapis", () => {
  it("pages the calendar list and a week of demo events (40 on the primary calendar)", async () => {
    const { api } = calendar(double.createToken().accessToken);
    const first = await api.calendarList.list({ maxResults: 1 });
    expect(first.data.items).toHaveLength(1);
    expect(first.data.items![0]).toMatchObject({ id: ANA, primary: true, accessRole: "owner", timeZone: "Europe/Lisbon" });
    const second = await api.calendarList.list({ maxResults: 1, pageToken: first.data.nextPageToken! });
    expect(second.data.items![0]).toMatchObject({ summary: "Team", backgroundColor: "#4986e7" });
    expect(second.data.nextPageToken).toBeUndefined();
    expect(second.data.nextSyncToken).toBeTruthy();

    const week = { calendarId: "primary", timeMin: "2025-03-10T00:00:00Z", timeMax: "2025-03-17T00:00:00Z", singleEvents: true, orderBy: "startTime", maxResults: 15 };
    const items: Array<{ start?: { dateTime?: string | null; date?: string | null } | null }> = [];
    let pageToken: string | undefined;
    let pages = 0;
    let syncToken: string | null | undefined;
    do {
      const page = await api.events.list({ ...week, pageToken });
      items.push(...(page.data.items ?? []));
      pageToken = page.data.nextPageToken ?? undefined;
      syncToken = page.data.nextSyncToken;
      pages += 1;
      if (pageToken) expect(syncToken).toBeUndefined();
    } while (pageToken);
    expect(pages).toBe(3);
    expect(items).toHaveLength(40);
    expect(syncToken).toBeTruthy();
    const starts = items.map((e) => Date.parse(e.start?.dateTime ?? `${e.start?.date}T00:00:00Z`));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);

    const focus = (await api.events.list({ ...week, maxResults: 100, eventTypes: ["focusTime"] })).data.items!;
    expect(focus).toHaveLength(2);
    expect(focus[0]).toMatchObject({ eventType: "focusTime", focusTimeProperties: { chatStatus: "doNotDisturb" } });
    const bad = await failure(api.events.list({ calendarId: "primary", orderBy: "startTime" }));
    expect(bad.status).toBe(400);
    expect(bad.data.error?.message).toBe("The requested ordering is not available for the particular query.");
  });

  it("sync tokens: changes and deletions since the token, by the API and by hand; 410 once invalidated", async () => {
    const cleo = double.addAccount({ email: "cleo@devpulse.test", name: "Cleo Park", timeZone: "UTC" });
    const { api } = calendar(double.createToken({ email: cleo.email }).accessToken);
    const at = (h: number) => ({ dateTime: `2025-03-12T${String(h).padStart(2, "0")}:00:00Z` });
    for (const [i, h] of [9, 11, 14].entries()) await api.events.insert({ calendarId: "primary", requestBody: { id: `block0000${i}`, summary: `Block ${i}`, start: at(h), end: at(h + 1) } });

    const full1 = await api.events.list({ calendarId: "primary", maxResults: 2 });
    expect(full1.data.items).toHaveLength(2);
    const full2 = await api.events.list({ calendarId: "primary", maxResults: 2, pageToken: full1.data.nextPageToken! });
    expect(full2.data.items!.map((e) => e.id)).toEqual(["block00002"]);
    const token1 = full2.data.nextSyncToken!;
    const unchanged = await api.events.list({ calendarId: "primary", syncToken: token1 });
    expect(unchanged.data.items).toEqual([]);

    await double.moveEventByHand(cleo.email, "block00000", new Date("2025-03-12T15:00:00Z"), new Date("2025-03-12T16:30:00Z"));
    await double.deleteEventByHand(cleo.email, "block00001");
    await api.events.patch({ calendarId: "primary", eventId: "block00002", requestBody: { summary: "Block 2 (renamed)" } });
    const created = await double.createEventByHand(cleo.email, { summary: "Dentist", start: new Date("2025-03-13T08:00:00Z"), end: new Date("2025-03-13T09:00:00Z"), visibility: "private" });

    const delta = await api.events.list({ calendarId: "primary", syncToken: token1 });
    const byId = Object.fromEntries(delta.data.items!.map((e) => [e.id, e]));
    expect(Object.keys(byId).sort()).toEqual(["block00000", "block00001", "block00002", created.event.id].sort());
    expect(byId.block00000).toMatchObject({ status: "confirmed", start: { dateTime: "2025-03-12T15:00:00Z" }, end: { dateTime: "2025-03-12T16:30:00Z" }, sequence: 1 });
    expect(byId.block00001).toEqual({ kind: "calendar#event", etag: expect.any(String), id: "block00001", status: "cancelled" });
    expect(byId.block00002).toMatchObject({ summary: "Block 2 (renamed)" });
    expect(byId[created.event.id]).toMatchObject({ visibility: "private", summary: "Dentist" });
    const token2 = delta.data.nextSyncToken!;
    expect(token2).not.toBe(token1);
    expect((await api.events.list({ calendarId: "primary", syncToken: token2 })).data.items).toEqual([]);
    expect((await failure(api.events.list({ calendarId: "primary", syncToken: token2, timeMin: "2025-03-01T00:00:00Z" }))).status).toBe(400);

    expect(double.invalidateSyncTokens(cleo.email)).toBeGreaterThanOrEqual(2);
    const gone = await failure(api.events.list({ calendarId: "primary", syncToken: token2 }));
    expect(gone.status).toBe(410);
    expect(gone.data.error).toMatchObject({ code: 410, errors: [{ domain: "global", reason: "fullSyncRequired" }] });
    // a full sync works again and yields a fresh token
    const again = await api.events.list({ calendarId: "primary" });
    expect(again.data.items!.map((e) => e.id).sort()).toEqual(["block00000", "block00002", created.event.id].sort());
    expect(again.data.nextSyncToken).toBeTruthy();
  });

  it("a client-chosen id is taken once: a second insert is 409 duplicate; ids must be base32hex", async () => {
    const { api } = calendar(double.createToken().accessToken);
    const requestBody = { id: "devpulsefocus0001", summary: "Focus", start: { dateTime: "2025-03-14T09:00:00+00:00" }, end: { dateTime: "2025-03-14T10:00:00+00:00" } };
    const first = await api.events.insert({ calendarId: "primary", requestBody });
    expect(first.data).toMatchObject({ id: "devpulsefocus0001", status: "confirmed", iCalUID: "devpulsefocus0001@google.com", eventType: "default" });
    const second = await failure(api.events.insert({ calendarId: "primary", requestBody }));
    expect(second.status).toBe(409);
    expect(second.data.error).toEqual({ errors: [{ domain: "global", reason: "duplicate", message: "The requested identifier already exists." }], code: 409, message: "The requested identifier already exists." });
    expect((await failure(api.events.insert({ calendarId: "primary", requestBody: { ...requestBody, id: "Not-Base32!" } }))).status).toBe(400);
    expect((await failure(api.events.insert({ calendarId: "primary", requestBody: { ...requestBody, id: "abcd" } }))).status).toBe(400);
    // deleted ids stay taken
    await api.events.delete({ calendarId: "primary", eventId: "devpulsefocus0001" });
    expect((await failure(api.events.insert({ calendarId: "primary", requestBody }))).status).toBe(409);
    expect((await failure(api.events.delete({ calendarId: "primary", eventId: "devpulsefocus0001" }))).status).toBe(410);
    const empty = await failure(api.events.insert({ calendarId: "primary", requestBody: { start: requestBody.end, end: requestBody.start } }));
    expect(empty.data.error?.errors?.[0]).toMatchObject({ domain: "calendar", reason: "timeRangeEmpty" });
  });

  it("focusTime is accepted on a Workspace account and refused (400) on a consumer one", async () => {
    const requestBody = {
      summary: "Deep work",
      eventType: "focusTime",
      start: { dateTime: "2025-03-13T09:00:00Z", timeZone: "Europe/Lisbon" },
      end: { dateTime: "2025-03-13T11:00:00Z", timeZone: "Europe/Lisbon" },
      focusTimeProperties: { autoDeclineMode: "declineOnlyNewConflictingInvitations", chatStatus: "doNotDisturb", declineMessage: "In focus" },
    };
    const ana = calendar(double.createToken().accessToken).api;
    const made = await ana.events.insert({ calendarId: "primary", requestBody });
    expect(made.data).toMatchObject({ eventType: "focusTime", focusTimeProperties: requestBody.focusTimeProperties, summary: "Deep work" });
    expect(made.data.transparency).toBeUndefined(); // opaque, Google leaves it out
    const team = double.calendars().find((c) => c.summary === "Team")!;
    expect((await failure(ana.events.insert({ calendarId: team.id, requestBody }))).status).toBe(400);
    expect((await failure(ana.events.patch({ calendarId: "primary", eventId: made.data.id!, requestBody: { eventType: "default" } }))).status).toBe(400);

    const bruno = calendar(double.createToken({ email: BRUNO }).accessToken).api;
    const refused = await failure(bruno.events.insert({ calendarId: "primary", requestBody }));
    expect(refused.status).toBe(400);
    expect(refused.data.error?.message).toBe("Focus time events cannot be created on this calendar.");
    // the fallback, a plain busy event, is fine
    const { eventType: _type, focusTimeProperties: _props, ...plain } = requestBody;
    expect((await bruno.events.insert({ calendarId: "primary", requestBody: plain })).data.eventType).toBe("default");
  });

  it("stores an RRULE and expands it into instances with singleEvents=true (weekly BYDAY, across DST)", async () => {
    const { api } = calendar(double.createToken().accessToken);
    const made = await api.events.insert({
      calendarId: "primary",
      requestBody: { summary: "Focus session", start: { dateTime: "2025-03-24T09:00:00Z", timeZone: "Europe/Lisbon" }, end: { dateTime: "2025-03-24T11:00:00Z", timeZone: "Europe/Lisbon" }, recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6"] },
    });
    expect(made.data.recurrence).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6"]);
    const range = { calendarId: "primary", timeMin: "2025-03-24T00:00:00Z", timeMax: "2025-04-30T00:00:00Z", q: undefined };
    const masters = (await api.events.list({ ...range })).data.items!.filter((e) => e.id === made.data.id);
    expect(masters).toHaveLength(1);
    const instances = (await api.events.list({ ...range, singleEvents: true, orderBy: "startTime", maxResults: 2500 })).data.items!.filter((e) => e.recurringEventId === made.data.id);
    // 09:00 Lisbon: UTC before the DST change on 30 March, +01:00 after
    expect(instances.map((e) => e.start!.dateTime)).toEqual(["2025-03-24T09:00:00Z", "2025-03-26T09:00:00Z", "2025-03-28T09:00:00Z", "2025-03-31T09:00:00+01:00", "2025-04-02T09:00:00+01:00", "2025-04-04T09:00:00+01:00"]);
    expect(instances[0]).toMatchObject({ id: `${made.data.id}_20250324T090000Z`, originalStartTime: { dateTime: "2025-03-24T09:00:00Z" } });
    expect((await api.events.get({ calendarId: "primary", eventId: instances[3]!.id! })).data.start?.dateTime).toBe("2025-03-31T09:00:00+01:00");
    // deleting one instance removes just that one
    await api.events.delete({ calendarId: "primary", eventId: instances[1]!.id! });
    const after = (await api.events.list({ ...range, singleEvents: true, maxResults: 2500 })).data.items!.filter((e) => e.recurringEventId === made.data.id);
    expect(after).toHaveLength(5);
    expect((await failure(api.events.insert({ calendarId: "primary", requestBody: { start: { dateTime: "2025-03-24T09:00:00Z" }, end: { dateTime: "2025-03-24T10:00:00Z" }, recurrence: ["RRULE:FREQ=WEEKLY"] } }))).data.error?.message).toBe("Missing time zone definition for start time.");
    double.reset();
  });

  it("user B sees none of A's calendars or events", async () => {
    const bruno = calendar(double.createToken({ email: BRUNO }).accessToken).api;
    expect((await bruno.calendarList.list()).data.items!.map((c) => c.id)).toEqual([BRUNO]);
    expect((await failure(bruno.events.list({ calendarId: ANA }))).status).toBe(404);
  });
});

describe("Google double: push notifications", () => {
  it("events.watch delivers sync, then exists on a change by hand; channels.stop and expiry end it", async () => {
    const receiver = await startWebhookReceiver({ status: 200 });
    try {
      const { api } = calendar(double.createToken().accessToken);
      const watched = await api.events.watch({ calendarId: "primary", requestBody: { id: "chan-0001", type: "web_hook", address: `${receiver.url}/api/webhooks/google-calendar`, token: "target=ana&v=1" } });
      expect(watched.data).toMatchObject({ kind: "api#channel", id: "chan-0001", token: "target=ana&v=1", resourceUri: expect.stringContaining("/calendar/v3/calendars/ana%40devpulse.test/events") });
      expect(Number(watched.data.expiration) - double.now()).toBeGreaterThan(6 * 86_400_000);
      await double.flushNotifications();
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]).toMatchObject({ method: "POST", path: "/api/webhooks/google-calendar", body: "" });
      expect(receiver.received[0]!.headers).toMatchObject({ "x-goog-channel-id": "chan-0001", "x-goog-channel-token": "target=ana&v=1", "x-goog-resource-id": watched.data.resourceId, "x-goog-resource-state": "sync", "x-goog-message-number": "1" });

      const meeting = double.events("primary").find((e) => e.summary && !e.recurrence && (e.start as { dateTime?: string }).dateTime)!;
      const moved = await double.moveEventByHand("primary", meeting.id, new Date("2025-03-13T16:00:00Z"), new Date("2025-03-13T17:00:00Z"));
      expect(moved.notifications.map((n) => [n.state, n.status, n.messageNumber])).toEqual([["exists", 200, 2]]);
      expect(receiver.received[1]!.headers).toMatchObject({ "x-goog-resource-state": "exists", "x-goog-message-number": "2", "x-goog-channel-expiration": new Date(Number(watched.data.expiration)).toUTCString() });
      // the app's own writes notify too
      await api.events.patch({ calendarId: "primary", eventId: meeting.id, requestBody: { summary: "Renamed" } });
      await double.flushNotifications();
      expect(receiver.received.map((r) => r.headers["x-goog-resource-state"])).toEqual(["sync", "exists", "exists"]);

      expect((await failure(api.events.watch({ calendarId: "primary", requestBody: { id: "chan-0001", type: "web_hook", address: receiver.url } }))).data.error?.errors?.[0]?.reason).toBe("channelIdNotUnique");
      expect((await failure(api.events.watch({ calendarId: "primary", requestBody: { id: "chan-plain", type: "web_hook", address: "http://example.com/hook" } }))).status).toBe(400);
      expect((await failure(api.channels.stop({ requestBody: { id: "chan-0001", resourceId: "wrong" } }))).status).toBe(404);
      expect((await api.channels.stop({ requestBody: { id: "chan-0001", resourceId: watched.data.resourceId! } })).status).toBe(204);
      await double.deleteEventByHand("primary", meeting.id);
      expect(receiver.received).toHaveLength(3);

      // a channel that expires stops delivering
      await api.events.watch({ calendarId: "primary", requestBody: { id: "chan-0002", type: "web_hook", address: receiver.url, expiration: String(double.now() + 3_600_000) } });
      await double.flushNotifications();
      expect(receiver.received).toHaveLength(4);
      double.advanceTime(3_600_001);
      try {
        expect(double.channels("primary").find((c) => c.id === "chan-0002")).toMatchObject({ active: false, stopped: false });
        await double.createEventByHand("primary", { summary: "Late", start: new Date("2025-03-14T08:00:00Z"), end: new Date("2025-03-14T08:30:00Z") });
        expect(receiver.received).toHaveLength(4);
      } finally {
        double.advanceTime(-3_600_001);
      }
    } finally {
      await receiver.close();
    }
  });
});

describe("Google double: faults", () => {
  it("429 and 403 rateLimitExceeded carry Retry-After", async () => {
    const { api } = calendar(double.createToken().accessToken);
    double.rateLimitNext("/calendars/primary/events", { status: 429, retryAfterSeconds: 7 });
    const limited = await failure(api.events.list({ calendarId: "primary" }));
    expect(limited.status).toBe(429);
    expect(limited.headers?.get("retry-after")).toBe("7");
    expect(limited.data.error?.errors?.[0]).toEqual({ domain: "usageLimits", reason: "rateLimitExceeded", message: "Rate Limit Exceeded" });
    double.rateLimitNext(/\/events$/, { retryAfterSeconds: 2, method: "POST" });
    const forbidden = await failure(api.events.insert({ calendarId: "primary", requestBody: { start: { dateTime: "2025-03-14T09:00:00Z" }, end: { dateTime: "2025-03-14T10:00:00Z" } } }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers?.get("retry-after")).toBe("2");
    expect(forbidden.data.error?.errors?.[0]?.reason).toBe("rateLimitExceeded");
    expect(double.requests.map((r) => r.fault)).toEqual([true, true]);
    // then it answers again
    expect((await api.events.list({ calendarId: "primary", maxResults: 1 })).status).toBe(200);
    double.failNext({ path: "/users/me/calendarList", status: 503 });
    expect((await failure(api.calendarList.list())).status).toBe(503);
  });

  it("dropNextResponse: the insert happens, the client sees a network error, the retry with the same id is 409", async () => {
    const { api } = calendar(double.createToken().accessToken);
    double.dropNextResponse({ path: "/calendars/primary/events", method: "POST" });
    const requestBody = { id: "blockretried0001", summary: "Focus block", start: { dateTime: "2025-03-14T13:00:00Z" }, end: { dateTime: "2025-03-14T14:00:00Z" } };
    const dropped = await failure(api.events.insert({ calendarId: "primary", requestBody }));
    expect(dropped.status).toBeUndefined();
    expect(dropped.error).toBeTruthy();
    expect(double.requests.at(-1)).toMatchObject({ method: "POST", path: `/calendar/v3/calendars/primary/events`, status: 0 });
    expect(double.event("primary", "blockretried0001")).toMatchObject({ summary: "Focus block", status: "confirmed" });
    expect((await failure(api.events.insert({ calendarId: "primary", requestBody }))).status).toBe(409);
    expect((await api.events.get({ calendarId: "primary", eventId: "blockretried0001" })).data.summary).toBe("Focus block");
    expect(double.events("primary").filter((e) => e.summary === "Focus block")).toHaveLength(1);
  });
});

describe("Google double: the person's page", () => {
  it("lists the signed-in person's week and moves an event by hand through a form", async () => {
    double.signInAs(ANA);
    const page = await (await fetch(`${double.url}/?week=2025-03-10`)).text();
    expect(page).toContain("Local sandbox of Google Calendar");
    // 40 on the primary calendar and 10 on Team, plus what earlier tests added that week
    expect(page.match(/data-testid="gcal-event"/g)!.length).toBeGreaterThanOrEqual(50);
    expect(page).toContain('data-testid="gcal-event-title">Daily stand-up<');
    const target = double.events("primary").find((e) => e.summary && !e.recurrence && (e.start as { dateTime?: string }).dateTime?.startsWith("2025-03-1"))!;
    const moved = await fetch(`${double.url}/events/move`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ calendarId: ANA, eventId: target.id, start: "2025-03-11T07:00" }) });
    expect(moved.status).toBe(302);
    expect(double.event("primary", target.id)).toMatchObject({ start: { dateTime: "2025-03-11T07:00:00Z" } });
    expect(double.lastChangedBy("primary", target.id)).toBe("user");
  });
});
