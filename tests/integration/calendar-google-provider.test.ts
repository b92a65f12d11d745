import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Env, parseEnv } from "~/server/env";
import { GOOGLE } from "~/server/integrations/google/facts";
import { google } from "~/server/integrations/google/provider";
import { googleEventId } from "~/server/integrations/google/transform";
import { exchangeCode } from "~/server/integrations/oauth";
import type { CalendarEvent, FocusBlockInput, OAuthClientSettings, ProviderSession } from "~/server/integrations/provider";
import { RESILIENCE, resetCircuits } from "~/server/integrations/resilience";
import { GOOGLE_DOUBLE_DEFAULTS, type GoogleDouble, startGoogleDouble } from "../doubles/google/server";
import { startWebhookReceiver } from "../doubles/shared/receiver";
import { providerErrorOf } from "../support/provider-errors";

// The Google Calendar provider through the real googleapis Calendar v3 client against the
// Google double: OAuth settings, calendars, incremental sync with sync tokens, focus blocks
// (native focusTime, the busy-event fallback, idempotent inserts), push channels, declining,
// and the failures Google answers with, as the ProviderErrors the calendar jobs act on.
const ANA = GOOGLE_DOUBLE_DEFAULTS.accounts[0].email;
const BRUNO = GOOGLE_DOUBLE_DEFAULTS.accounts[1].email;
const CALLBACK = GOOGLE_DOUBLE_DEFAULTS.redirectUris[0];
const WEEK = { from: "2025-03-10T00:00:00.000Z", to: "2025-03-17T00:00:00.000Z" };

let double: GoogleDouble;
let env: Env;
let accounts = 0;

beforeAll(async () => {
  double = await startGoogleDouble({ demoAnchor: new Date("2025-03-12T10:00:00Z") });
  env = parseEnv({
    ...process.env,
    ...double.appEnv,
  });
  // The provider loads googleapis' Calendar client on first use: here, not inside the first test's time.
  await google.listCalendars(env, sessionFor(double.createToken({ email: ANA }).accessToken));
});
afterAll(async () => {
  resetCircuits();
  await double.close();
});
afterEach(() => {
  double.reset();
  resetCircuits();
});

/** A fresh Workspace account (UTC) of its own for a test, so tests never see each other's events. */
function newAccount(name: string, options: { workspace?: boolean } = {}) {
  const email = `${name.toLowerCase()}-${++accounts}@${options.workspace === false ? "gmail.com" : "devpulse.test"}`;
  double.addAccount({ email, name, timeZone: "UTC", workspace: options.workspace ?? true });
  return { email, session: sessionFor(double.createToken({ email }).accessToken, email) };
}

function sessionFor(accessToken: string, email: string = ANA): ProviderSession {
  return { userId: "devpulse-user", accessToken, account: { id: email, login: email, name: null, emails: [email] } };
}

function oauthFor(target: Env): OAuthClientSettings {
  const configuration = google.configuration(target, CALLBACK);
  if (!configuration.ok) throw new Error("Google should be configured");
  return configuration.oauth;
}

const eventsRequests = (method: string) => double.requests.filter((request) => request.method === method && /\/calendar\/v3\/calendars\/[^/]+\/events(\/[^/]+)?$/.test(request.path));
const byTitle = (events: CalendarEvent[]) => Object.fromEntries(events.map((event) => [event.title ?? event.id, event]));

function focusBlock(overrides: Partial<FocusBlockInput> = {}): FocusBlockInput {
  return {
    clientId: `focus-${randomBytes(6).toString("hex")}`,
    title: "Focus: sync engine",
    description: "Scheduled by DevPulse",
    start: "2025-03-14T09:00:00.000Z",
    end: "2025-03-14T11:00:00.000Z",
    timeZone: "Europe/Lisbon",
    recurrence: null,
    autoDecline: true,
    reminders: [10],
    ...overrides,
  };
}

/** One round of sync that must not expire (a full sync, or one right after it), as its changes. */
async function changesSince(session: ProviderSession, calendarId: string, cursor: string | null, window: { from: string; to: string } = WEEK) {
  const result = await google.syncEvents(env, session, calendarId, window, cursor);
  if (result.expired) throw new Error("this sync should not have expired");
  return result;
}

const headersOf = (received: IncomingHttpHeaders) => new Headers(Object.entries(received).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value] as [string, string]])));

describe("Google Calendar configuration and account", () => {
  it("lists the variables to set when the app is not configured", () => {
    expect(google.configuration({ ...env, GOOGLE_CLIENT_ID: undefined, GOOGLE_CLIENT_SECRET: undefined }, CALLBACK)).toEqual({ ok: false, missing: ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"] });
    expect(google.configuration({ ...env, GOOGLE_CLIENT_SECRET: undefined }, CALLBACK)).toEqual({ ok: false, missing: ["GOOGLE_CLIENT_SECRET"] });
  });

  it("asks for the two calendar scopes with reasons, PKCE and offline access with consent: every connection gets a refresh token", async () => {
    const oauth = oauthFor(env);
    expect(oauth).toMatchObject({
      clientId: double.oauth.clientId,
      authorizeUrl: `${double.oauthUrl}/o/oauth2/v2/auth`,
      tokenUrl: double.tokenUrl,
      scopeSeparator: " ",
      pkce: true,
      extraAuthorizeParams: { access_type: "offline", prompt: "consent" },
    });
    expect(oauth.scopes.map((entry) => entry.scope)).toEqual(["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.readonly"]);
    expect(oauth.scopes.every((entry) => entry.why.length > 40)).toBe(true);

    // As integrations.connect builds the URL (oauth.ts), twice: Google returns a refresh token on
    // the first grant only, unless prompt=consent asks again.
    for (let connection = 0; connection < 2; connection++) {
      const verifier = randomBytes(48).toString("base64url");
      const url = new URL(oauth.authorizeUrl);
      url.searchParams.set("client_id", oauth.clientId);
      url.searchParams.set("redirect_uri", CALLBACK);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", oauth.scopes.map((entry) => entry.scope).join(oauth.scopeSeparator));
      url.searchParams.set("state", `state-${connection}`);
      url.searchParams.set("code_challenge", createHash("sha256").update(verifier).digest("base64url"));
      url.searchParams.set("code_challenge_method", "S256");
      for (const [key, value] of Object.entries(oauth.extraAuthorizeParams ?? {})) url.searchParams.set(key, value);
      double.approveNext();
      const answer = await fetch(url, { redirect: "manual" });
      expect(answer.status).toBe(302);
      const code = new URL(answer.headers.get("location")!).searchParams.get("code")!;
      const granted = await exchangeCode("google", oauth, { code, redirectUri: CALLBACK, codeVerifier: verifier });
      expect(granted.refreshToken).toBeTruthy();
      expect(granted.scopes).toEqual(oauth.scopes.map((entry) => entry.scope));
      expect(await google.fetchAccount(env, granted.accessToken)).toEqual({ accountId: ANA, login: ANA, displayName: null, emails: [ANA] });
    }
  });

  it("names the account by its primary calendar's address, and links to Google Calendar (or the stand-in's page)", async () => {
    expect(await google.fetchAccount(env, double.createToken({ email: BRUNO }).accessToken)).toEqual({ accountId: BRUNO, login: BRUNO, displayName: null, emails: [BRUNO] });
    expect(google.webUrl(env)).toBe(double.url);
    expect(google.webUrl(parseEnv({ ...process.env, GOOGLE_API_URL: "" }))).toBe("https://calendar.google.com");
  });
});

describe("Google Calendar calendars and sync", () => {
  it("lists every calendar, every page, with who may write to it", async () => {
    expect(await google.listCalendars(env, sessionFor(double.createToken({ email: ANA }).accessToken))).toEqual([
      { id: ANA, name: ANA, primary: true, canWrite: true, timeZone: "Europe/Lisbon", color: "#9fe1e7" },
      { id: "c_7e4m5devpulseteam@group.calendar.google.com", name: "Team", primary: false, canWrite: true, timeZone: "Europe/Lisbon", color: "#4986e7" },
    ]);

    const { email, session } = newAccount("Many");
    for (let i = 0; i < GOOGLE.limits.calendarsPageSize + 10; i++) double.addCalendar({ owner: email, summary: `Project ${String(i).padStart(3, "0")}` });
    const shared = double.addCalendar({ owner: email, summary: "Holidays (shared)", accessRole: "reader" });
    double.reset();
    const calendars = await google.listCalendars(env, session);
    expect(calendars).toHaveLength(GOOGLE.limits.calendarsPageSize + 12);
    expect(calendars.filter((calendar) => calendar.primary).map((calendar) => calendar.id)).toEqual([email]);
    expect(calendars.find((calendar) => calendar.id === shared.id)).toMatchObject({ name: "Holidays (shared)", canWrite: false });
    expect(double.requests.filter((request) => request.path.endsWith("/users/me/calendarList")).map((request) => request.query.pageToken ? "next" : "first")).toEqual(["first", "next"]);
    // A calendar shared read-only refuses a focus block.
    expect((await providerErrorOf(google.createFocusBlock(env, session, shared.id, focusBlock()))).kind).toBe("forbidden");
  });

  it("full sync over a window, then only what changed: moved, deleted, created, and moved out of the window", async () => {
    const { email, session } = newAccount("Cleo");
    const standup = await double.createEventByHand(email, {
      summary: "Stand-up",
      start: new Date("2025-03-12T09:00:00Z"),
      end: new Date("2025-03-12T09:30:00Z"),
      attendees: [{ email, organizer: true }, { email: BRUNO }, { email: "room-1@resource.calendar.google.com", resource: true }],
    });
    const offsite = await double.createEventByHand(email, { summary: "Offsite", start: "2025-03-13", end: "2025-03-14", transparency: "transparent" });
    const dentist = await double.createEventByHand(email, { summary: "Dentist", start: new Date("2025-03-11T17:00:00Z"), end: new Date("2025-03-11T18:00:00Z"), visibility: "private" });
    const deep = await double.createEventByHand(email, { summary: "Deep work", eventType: "focusTime", start: new Date("2025-03-14T14:00:00Z"), end: new Date("2025-03-14T16:00:00Z") });
    await double.createEventByHand(email, { summary: "Next month", start: new Date("2025-04-20T10:00:00Z"), end: new Date("2025-04-20T11:00:00Z") });

    const first = await changesSince(session, email, null);
    expect(first.full).toBe(true);
    expect(first.removedIds).toEqual([]);
    const events = byTitle(first.events);
    expect(Object.keys(events).sort()).toEqual(["Deep work", "Dentist", "Offsite", "Stand-up"]);
    expect(events["Stand-up"]).toEqual({
      id: standup.event.id,
      calendarId: email,
      title: "Stand-up",
      start: "2025-03-12T09:00:00.000Z",
      end: "2025-03-12T09:30:00.000Z",
      allDay: false,
      busy: true,
      private: false,
      status: "confirmed",
      focusTime: false,
      seriesId: null,
      attendees: 2,
      url: standup.event.htmlLink,
    });
    expect(events.Offsite).toMatchObject({ id: offsite.event.id, allDay: true, start: "2025-03-13T00:00:00.000Z", end: "2025-03-14T00:00:00.000Z", busy: false });
    expect(events.Dentist).toMatchObject({ id: dentist.event.id, private: true, busy: true });
    expect(events["Deep work"]).toMatchObject({ id: deep.event.id, focusTime: true, busy: true });

    await double.moveEventByHand(email, standup.event.id, new Date("2025-03-14T10:00:00Z"), new Date("2025-03-14T10:30:00Z"));
    await double.deleteEventByHand(email, dentist.event.id);
    await double.moveEventByHand(email, deep.event.id, new Date("2025-04-01T14:00:00Z"), new Date("2025-04-01T16:00:00Z"));
    const created = await double.createEventByHand(email, { summary: "Pairing", start: new Date("2025-03-13T15:00:00Z"), end: new Date("2025-03-13T16:00:00Z") });

    const second = await changesSince(session, email, first.cursor);
    expect(second.full).toBe(false);
    expect(second.cursor).not.toBe(first.cursor);
    expect(second.events.map((event) => [event.id, event.start])).toEqual([
      [standup.event.id, "2025-03-14T10:00:00.000Z"],
      [created.event.id, "2025-03-13T15:00:00.000Z"],
    ]);
    expect(second.removedIds.sort()).toEqual([dentist.event.id, deep.event.id].sort());
    const request = double.requests.filter((logged) => logged.method === "GET" && logged.path.endsWith("/events")).at(-1)!;
    expect(request.query).toMatchObject({ singleEvents: "true" });
    expect(request.query).not.toHaveProperty("timeMin");

    const third = await google.syncEvents(env, session, email, WEEK, second.cursor);
    expect(third).toMatchObject({ expired: false, full: false, events: [], removedIds: [] });
  });

  it("a sync token Google no longer takes (invalidated, or unknown) answers expired; a full sync starts over", async () => {
    const { email, session } = newAccount("Dora");
    await double.createEventByHand(email, { summary: "Review", start: new Date("2025-03-12T13:00:00Z"), end: new Date("2025-03-12T14:00:00Z") });
    const first = await changesSince(session, email, null);
    expect(double.invalidateSyncTokens(email)).toBeGreaterThanOrEqual(1);
    expect(await google.syncEvents(env, session, email, WEEK, first.cursor)).toEqual({ expired: true });
    expect(await google.syncEvents(env, session, email, WEEK, "CPtoken-from-another-calendar")).toEqual({ expired: true });
    expect(await google.syncEvents(env, session, email, WEEK, null)).toMatchObject({ expired: false, full: true, events: [{ title: "Review" }] });
  });

  it("reads every page of a long window (recurring events expanded into instances)", async () => {
    const { email, session } = newAccount("Paige");
    for (const [summary, start, end] of [["Gym", "07:00", "07:30"], ["Reading", "21:00", "21:30"]] as const) {
      await double.createEventByHand(email, { summary, start: { dateTime: `2025-01-01T${start}:00Z`, timeZone: "UTC" }, end: { dateTime: `2025-01-01T${end}:00Z`, timeZone: "UTC" }, recurrence: ["RRULE:FREQ=DAILY;COUNT=1300"] });
    }
    double.reset();
    const result = await changesSince(session, email, null, { from: "2025-01-01T00:00:00.000Z", to: "2029-01-01T00:00:00.000Z" });
    expect(result.events).toHaveLength(2600);
    expect(new Set(result.events.map((event) => event.id)).size).toBe(2600);
    expect(result.events.every((event) => event.seriesId !== null)).toBe(true);
    expect(eventsRequests("GET")).toHaveLength(2);
  });
});

describe("Google Calendar focus blocks", () => {
  it("makes a native focusTime event on a Workspace account, with our id, reminders and auto-decline", async () => {
    const { email, session } = newAccount("Erin");
    const block = focusBlock({ reminders: [10, 2] });
    const made = await google.createFocusBlock(env, session, email, block);
    expect(made).toEqual({ eventId: googleEventId(block.clientId), kind: "focusTime" });
    expect(double.event(email, made.eventId)).toMatchObject({
      summary: "Focus: sync engine",
      description: "Scheduled by DevPulse",
      eventType: "focusTime",
      focusTimeProperties: { autoDeclineMode: "declineOnlyNewConflictingInvitations", chatStatus: "doNotDisturb" },
      start: { timeZone: "Europe/Lisbon" },
      reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 10 }, { method: "popup", minutes: 2 }] },
    });
    expect(Date.parse((double.event(email, made.eventId)!.start as { dateTime: string }).dateTime)).toBe(Date.parse(block.start));

    const quiet = await google.createFocusBlock(env, session, email, focusBlock({ autoDecline: false, reminders: [], description: null, start: "2025-03-14T14:00:00.000Z", end: "2025-03-14T15:00:00.000Z" }));
    const stored = double.event(email, quiet.eventId)!;
    expect(stored.focusTimeProperties).toEqual({ autoDeclineMode: "declineNone" });
    expect(stored.reminders).toEqual({ useDefault: false, overrides: [] });
    expect(stored).not.toHaveProperty("description");
  });

  it("event ids are the clientId in base32hex (RFC 4648 test vectors), which Google requires", () => {
    expect(googleEventId("foo")).toBe("cpnmu");
    expect(googleEventId("foobar")).toBe("cpnmuoj1e8");
    expect(googleEventId("3f2a9c1e-7b4d-4e8a-9f10-2c6d8e0b5a71")).toMatch(/^[0-9a-v]{58}$/);
    expect(() => googleEventId("ab")).toThrow(RangeError);
  });

  it("falls back to an opaque busy event where Google refuses focusTime (a consumer account)", async () => {
    const { email, session } = newAccount("Bea", { workspace: false });
    const made = await google.createFocusBlock(env, session, email, focusBlock());
    expect(made.kind).toBe("busyEvent");
    const stored = double.event(email, made.eventId)!;
    expect(stored).toMatchObject({ eventType: "default", summary: "Focus: sync engine", status: "confirmed" });
    expect(stored).not.toHaveProperty("transparency"); // opaque: Google leaves the default out
    expect(eventsRequests("POST").map((request) => request.status)).toEqual([400, 200]);
  });

  it("a create whose answer is lost is retried with the same id: exactly one event, reported as made", async () => {
    const { email, session } = newAccount("Finn");
    const block = focusBlock();
    double.dropNextResponse({ path: /\/events$/, method: "POST" });
    const made = await google.createFocusBlock(env, session, email, block);
    expect(made).toEqual({ eventId: googleEventId(block.clientId), kind: "focusTime" });
    expect(eventsRequests("POST").map((request) => request.status)).toEqual([0, 409]);
    expect(double.events(email).filter((event) => event.id === made.eventId)).toHaveLength(1);
    // The job retrying the whole step changes nothing either.
    expect(await google.createFocusBlock(env, session, email, block)).toEqual(made);
    expect(double.events(email)).toHaveLength(1);
  });

  it("a recurring block carries its RRULE, and syncs as its instances", async () => {
    const { email, session } = newAccount("Gil");
    const made = await google.createFocusBlock(env, session, email, focusBlock({ start: "2025-03-24T09:00:00.000Z", end: "2025-03-24T11:00:00.000Z", recurrence: "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6" }));
    expect(double.event(email, made.eventId)!.recurrence).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6"]);
    const synced = await changesSince(session, email, null, { from: "2025-03-24T00:00:00.000Z", to: "2025-05-01T00:00:00.000Z" });
    expect(synced.events.map((event) => event.start)).toEqual([
      "2025-03-24T09:00:00.000Z",
      "2025-03-26T09:00:00.000Z",
      "2025-03-28T09:00:00.000Z",
      // 09:00 in Lisbon, which moved to summer time on 30 March
      "2025-03-31T08:00:00.000Z",
      "2025-04-02T08:00:00.000Z",
      "2025-04-04T08:00:00.000Z",
    ]);
    expect(synced.events.every((event) => event.seriesId === made.eventId && event.focusTime && event.busy)).toBe(true);
  });

  it("updates a block, and deletes it (gone already counts as deleted)", async () => {
    const { email, session } = newAccount("Hana");
    const { eventId } = await google.createFocusBlock(env, session, email, focusBlock());
    await google.updateFocusBlock(env, session, email, eventId, { title: "Focus: review", start: "2025-03-14T13:00:00.000Z", end: "2025-03-14T14:30:00.000Z" });
    const moved = double.event(email, eventId)!;
    expect(moved).toMatchObject({ summary: "Focus: review", description: "Scheduled by DevPulse", start: { timeZone: "Europe/Lisbon" } });
    expect(Date.parse((moved.end as { dateTime: string }).dateTime)).toBe(Date.parse("2025-03-14T14:30:00.000Z"));
    await google.updateFocusBlock(env, session, email, eventId, { timeZone: "UTC", description: null });
    expect(double.event(email, eventId)).toMatchObject({ start: { timeZone: "UTC" }, end: { timeZone: "UTC" } });
    expect(double.event(email, eventId)).not.toHaveProperty("description");
    double.reset();
    await google.updateFocusBlock(env, session, email, eventId, {});
    expect(double.requests).toHaveLength(0);

    await google.deleteFocusBlock(env, session, email, eventId);
    expect(double.event(email, eventId)).toMatchObject({ status: "cancelled" });
    await google.deleteFocusBlock(env, session, email, eventId);
    await google.deleteFocusBlock(env, session, email, googleEventId("never-made"));
    expect(eventsRequests("DELETE").map((request) => request.status)).toEqual([204, 410, 404]);
    expect((await providerErrorOf(google.updateFocusBlock(env, session, email, eventId, { title: "Too late" }))).kind).toBe("not_found");
  });
});

describe("Google Calendar push notifications", () => {
  it("watches a calendar: Google's deliveries read as signals; renewal opens a new channel and stops the old", async () => {
    const receiver = await startWebhookReceiver({ status: 200 });
    try {
      const { email, session } = newAccount("Ines");
      const target = { address: `${receiver.url}/api/webhooks/google-calendar`, token: "watch=w1&v=1", expiresAt: new Date(Date.now() + GOOGLE.limits.watchLifetimeMs) };
      const watch = await google.watch(env, session, email, target);
      expect(watch.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(watch.resourceId).toBeTruthy();
      expect(watch.expiresAt.getTime()).toBe(target.expiresAt.getTime());
      await double.flushNotifications();
      const read = (index: number) => google.parseNotification(headersOf(receiver.received[index]!.headers), new URL(target.address), receiver.received[index]!.body);
      // Each message is named by its channel and number, so a replay of it can be told apart.
      expect(read(0)).toEqual({ kind: "notifications", items: [{ watchId: watch.id, token: "watch=w1&v=1", signal: "ignore", deliveryId: `${watch.id}:1` }] });

      const meeting = await double.createEventByHand(email, { summary: "Sync", start: new Date("2025-03-12T10:00:00Z"), end: new Date("2025-03-12T10:30:00Z") });
      expect(meeting.notifications.map((notification) => notification.status)).toEqual([200]);
      expect(read(1)).toEqual({ kind: "notifications", items: [{ watchId: watch.id, token: "watch=w1&v=1", signal: "sync", deliveryId: `${watch.id}:2` }] });

      const renewed = await google.renewWatch(env, session, email, watch, { ...target, token: "watch=w1&v=2" });
      expect(renewed.id).not.toBe(watch.id);
      expect(double.channels(email).map((channel) => [channel.id, channel.active])).toEqual([
        [watch.id, false],
        [renewed.id, true],
      ]);
      await double.flushNotifications();
      const before = receiver.received.length;
      await double.moveEventByHand(email, meeting.event.id, new Date("2025-03-12T11:00:00Z"), new Date("2025-03-12T11:30:00Z"));
      expect(receiver.received.slice(before).map((delivery) => headersOf(delivery.headers).get("x-goog-channel-id"))).toEqual([renewed.id]);
      expect(read(receiver.received.length - 1)).toMatchObject({ items: [{ watchId: renewed.id, token: "watch=w1&v=2", signal: "sync" }] });

      await google.stopWatch(env, session, renewed);
      expect(double.channels(email).every((channel) => channel.stopped)).toBe(true);
      await google.stopWatch(env, session, renewed); // Google no longer knows it: already stopped
      // Renewing a channel Google already dropped still gives a working one.
      const again = await google.renewWatch(env, session, email, renewed, target);
      expect(double.channels(email).find((channel) => channel.id === again.id)).toMatchObject({ active: true });
      await google.stopWatch(env, session, again);

      expect(google.parseNotification(new Headers({ "x-goog-resource-state": "exists" }), new URL(target.address), "")).toBeNull();
      expect(google.parseNotification(new Headers({ "x-goog-channel-id": "c1", "x-goog-resource-state": "not_exists" }), new URL(target.address), "")).toEqual({
        kind: "notifications",
        items: [{ watchId: "c1", token: null, signal: "sync" }],
      });
    } finally {
      await receiver.close();
    }
  });
});

describe("Google Calendar declining", () => {
  it("declines an invitation (and one instance of a recurring one) as the connected person; gone counts as declined", async () => {
    const { email, session } = newAccount("Jo");
    const invitation = await double.createEventByHand(email, {
      summary: "Vendor demo",
      start: new Date("2025-03-14T09:30:00Z"),
      end: new Date("2025-03-14T10:00:00Z"),
      attendees: [{ email: BRUNO, organizer: true, responseStatus: "accepted" }, { email, responseStatus: "needsAction" }, { email: "mona@example.com" }],
    });
    const series = await double.createEventByHand(email, {
      summary: "Weekly sync",
      start: { dateTime: "2025-03-11T09:00:00Z", timeZone: "UTC" },
      end: { dateTime: "2025-03-11T09:30:00Z", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=3"],
      attendees: [{ email: BRUNO, organizer: true }, { email }],
    });
    const instances = async () => (await changesSince(session, email, null)).events.filter((event) => event.seriesId === series.event.id);
    const [, middle] = await instances();

    await google.declineEvent(env, session, email, invitation.event.id);
    expect(double.event(email, invitation.event.id)!.attendees).toEqual([
      { email: BRUNO, organizer: true, responseStatus: "accepted" },
      { email, responseStatus: "declined", self: true },
      { email: "mona@example.com", responseStatus: "needsAction" },
    ]);
    await google.declineEvent(env, session, email, middle!.id);
    expect((await instances()).map((event) => event.busy)).toEqual([true, false, true]);
    expect((await changesSince(session, email, null)).events.find((event) => event.id === invitation.event.id)?.busy).toBe(false);

    double.reset();
    await google.declineEvent(env, session, email, invitation.event.id); // already declined: nothing to write
    await double.deleteEventByHand(email, invitation.event.id);
    await google.declineEvent(env, session, email, invitation.event.id);
    await google.declineEvent(env, session, email, googleEventId("no-such-meeting"));
    expect(eventsRequests("PATCH")).toHaveLength(0);
  });
});

describe("Google Calendar failures", () => {
  it("a rate limit (429, or 403 with a usage-limit reason) is rate_limited with Retry-After's time, not retried", async () => {
    const { email, session } = newAccount("Kai");
    double.rateLimitNext(/\/events$/, { status: 429, retryAfterSeconds: 7 });
    const before = Date.now();
    const limited = await providerErrorOf(google.syncEvents(env, session, email, WEEK, null));
    expect(limited.kind).toBe("rate_limited");
    expect(limited.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 7_000);
    expect(limited.retryAt!.getTime()).toBeLessThan(Date.now() + 8_000);

    double.rateLimitNext(/\/events$/, { status: 403, reason: "userRateLimitExceeded", retryAfterSeconds: 3, method: "POST" });
    const forbidden = await providerErrorOf(google.createFocusBlock(env, session, email, focusBlock()));
    expect(forbidden).toMatchObject({ kind: "rate_limited" });
    expect(forbidden.retryAt!.getTime() - Date.now()).toBeGreaterThan(2_000);
    expect(double.requests.map((request) => request.status)).toEqual([429, 403]);
  });

  it("5xx is retried with backoff, then unavailable", async () => {
    const { session } = newAccount("Lea");
    const backoff = RESILIENCE.backoffBaseMs;
    RESILIENCE.backoffBaseMs = 1;
    try {
      double.failNext({ path: "/users/me/calendarList", status: 503 });
      expect(await google.listCalendars(env, session)).toHaveLength(1);
      double.failNext({ path: "/users/me/calendarList", status: 500, times: RESILIENCE.retries + 1 });
      expect((await providerErrorOf(google.listCalendars(env, session))).kind).toBe("unavailable");
      expect(double.requests.map((request) => request.status)).toEqual([503, 200, 500, 500, 500, 500]);
    } finally {
      RESILIENCE.backoffBaseMs = backoff;
    }
  });

  it("a token Google refuses is unauthorized; revoke ends the whole grant and may be repeated", async () => {
    const email = newAccount("Mia").email;
    const revoked = double.createToken({ email });
    double.revokeToken(revoked.accessToken);
    expect((await providerErrorOf(google.listCalendars(env, sessionFor(revoked.accessToken, email)))).kind).toBe("unauthorized");

    const granted = double.createToken({ email });
    const minted = double.createToken({ email });
    await google.revoke(env, { accessToken: granted.accessToken, refreshToken: granted.refreshToken });
    expect((await providerErrorOf(google.fetchAccount(env, granted.accessToken))).kind).toBe("unauthorized");
    expect(await google.fetchAccount(env, minted.accessToken)).toMatchObject({ accountId: email }); // another grant stays
    await google.revoke(env, { accessToken: granted.accessToken, refreshToken: granted.refreshToken });
    await google.revoke(env, { accessToken: minted.accessToken, refreshToken: null });
    expect((await providerErrorOf(google.fetchAccount(env, minted.accessToken))).kind).toBe("unauthorized");
    expect(double.requests.filter((request) => request.path === "/revoke").map((request) => request.status)).toEqual([200, 400, 200]);
  });
});
