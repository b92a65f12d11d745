import { createHash, randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Env, parseEnv } from "~/server/env";
import { AppError } from "~/server/errors";
import { microsoft } from "~/server/integrations/microsoft/provider";
import { exchangeCode, refreshTokens } from "~/server/integrations/oauth";
import type { CalendarNotification, CalendarWatch, FocusBlockInput, ProviderSession } from "~/server/integrations/provider";
import { ProviderError, resetCircuits } from "~/server/integrations/resilience";
import { startGraphReceiver } from "../doubles/microsoft/receiver";
import { MICROSOFT_DOUBLE_DEFAULTS, type MicrosoftDouble, startMicrosoftDouble } from "../doubles/microsoft/server";

// The Microsoft 365 / Outlook calendar provider through the real @microsoft/microsoft-graph-client
// against the Microsoft double: OAuth with the provider's own settings, calendars, delta sync,
// focus blocks, subscriptions (the double's handshakes and deliveries answered by the provider's
// own parser), declining, and the failures Graph answers with, as the ProviderErrors jobs act on.
const ANA = MICROSOFT_DOUBLE_DEFAULTS.people[0]!;
const BRUNO = MICROSOFT_DOUBLE_DEFAULTS.people[1]!;
const CALLBACK = MICROSOFT_DOUBLE_DEFAULTS.redirectUris[0];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let double: MicrosoftDouble;
let env: Env;
let ana: ProviderSession;

const envFor = (target: MicrosoftDouble, extra: Record<string, string | undefined> = {}): Env =>
  parseEnv({
    ...process.env,
    ...target.appEnv,
    MICROSOFT_TENANT: undefined,
    ...extra,
  });

const sessionFor = (accessToken: string): ProviderSession => ({ userId: "devpulse-user", accessToken, account: { id: null, login: null, name: null, emails: [] } });

beforeAll(async () => {
  double = await startMicrosoftDouble({ autoApprove: true });
  env = envFor(double);
  ana = sessionFor(double.createToken().accessToken);
});
afterAll(async () => {
  resetCircuits();
  await double.close();
});
afterEach(() => {
  double.reset();
  resetCircuits();
});

/** What a call rejects with (fails the test when it resolves). */
async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

const defaultCalendarId = () => double.calendars()[0]!.id;
const graphRequests = (method: string, path: RegExp) => double.requests.filter((r) => r.method === method && path.test(r.path));
const iso = (ms: number) => new Date(ms).toISOString();

describe("connecting", () => {
  it("names missing credentials; otherwise the tenant's v2.0 endpoints, exactly Calendars.ReadWrite and offline_access with reasons, PKCE — and the grant works end to end", async () => {
    expect(microsoft.configuration(parseEnv({ ...process.env, MICROSOFT_CLIENT_ID: undefined, MICROSOFT_CLIENT_SECRET: undefined }), CALLBACK)).toEqual({
      ok: false,
      missing: ["MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET"],
    });
    const tenant = microsoft.configuration(envFor(double, { MICROSOFT_TENANT: double.tenant.id }), CALLBACK);
    expect(tenant.ok && tenant.oauth.tokenUrl).toBe(`${double.url}/${double.tenant.id}/oauth2/v2.0/token`);

    const configuration = microsoft.configuration(env, CALLBACK);
    if (!configuration.ok) throw new Error("Microsoft should be configured");
    const { oauth } = configuration;
    expect(oauth).toMatchObject({ authorizeUrl: `${double.url}/common/oauth2/v2.0/authorize`, tokenUrl: `${double.url}/common/oauth2/v2.0/token`, pkce: true, scopeSeparator: " " });
    expect(oauth.scopes.map((entry) => entry.scope)).toEqual(["Calendars.ReadWrite", "offline_access"]);
    for (const entry of oauth.scopes) expect(entry.why).toMatch(/^[A-Z].{20,}\.$/);

    // The browser side as integrations.connect builds it (auto-approved by the double), then oauth.ts's exchange.
    const verifier = randomBytes(48).toString("base64url");
    const authorize = new URL(oauth.authorizeUrl);
    authorize.search = new URLSearchParams({
      client_id: oauth.clientId,
      redirect_uri: CALLBACK,
      response_type: "code",
      scope: oauth.scopes.map((entry) => entry.scope).join(oauth.scopeSeparator),
      state: "state-1",
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    }).toString();
    const answer = await fetch(authorize, { redirect: "manual" });
    expect(answer.status).toBe(302);
    const code = new URL(answer.headers.get("location")!).searchParams.get("code")!;
    const tokens = await exchangeCode("microsoft", oauth, { code, redirectUri: CALLBACK, codeVerifier: verifier });
    expect(tokens.refreshToken).toEqual(expect.any(String)); // offline_access
    expect(tokens.scopes).toEqual(["https://graph.microsoft.com/Calendars.ReadWrite"]);
    expect(await microsoft.fetchAccount(env, tokens.accessToken)).toEqual({ accountId: ANA.mail, login: ANA.mail, displayName: "Ana Lima", emails: [ANA.mail] });
    const renewed = await refreshTokens("microsoft", oauth, tokens.refreshToken!);
    expect((await microsoft.fetchAccount(env, renewed.accessToken)).accountId).toBe(ANA.mail);

    // No revocation endpoint exists for this grant: revoke is a no-op that calls nobody.
    const before = double.requests.length;
    await microsoft.revoke(env, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    expect(double.requests.length).toBe(before);
    expect(microsoft.webUrl(env)).toBe(`${double.url}/`);
  });
});

describe("calendars and events", () => {
  it("lists calendars (default first, color from hexColor), following @odata.nextLink past Graph's page of 10", async () => {
    expect(await microsoft.listCalendars(env, ana)).toEqual([
      { id: defaultCalendarId(), name: "Calendar", primary: true, canWrite: true, timeZone: null, color: null },
      { id: double.teamCalendarId, name: "Team events", primary: false, canWrite: true, timeZone: null, color: "#87d28e" },
    ]);

    for (let i = 0; i < 10; i++) double.addCalendar({ userId: BRUNO.id, name: `Project ${i}`, color: "lightBlue", hexColor: i === 0 ? "#3A7BD5" : "" });
    const bruno = sessionFor(double.createToken({ userId: BRUNO.id }).accessToken);
    double.reset();
    const calendars = await microsoft.listCalendars(env, bruno);
    expect(calendars.map((c) => c.name)).toEqual(["Calendar", ...Array.from({ length: 10 }, (_, i) => `Project ${i}`)]);
    expect(calendars.slice(1, 3).map((c) => c.color)).toEqual(["#3a7bd5", null]);
    expect(graphRequests("GET", /\/me\/calendars$/).map((r) => r.query.$skip ?? null)).toEqual([null, "10"]);
  });

  it("syncs a window fully, then incrementally after changes in Outlook; maps busy, private, focus, all-day, series and invitations", async () => {
    const from = Date.UTC(2032, 4, 3); // a Monday, far from the demo weeks
    const window = { from: iso(from), to: iso(from + 7 * DAY) };
    const calendarId = defaultCalendarId();
    const design = await double.createEventByHand({ subject: "Design review", start: from + 9 * HOUR, end: from + 10 * HOUR, attendees: [{ name: BRUNO.displayName, address: BRUNO.mail }, { name: "Dana Kim", address: "dana.kim@example.com" }] });
    const lunch = await double.createEventByHand({ subject: "Lunch", start: from + 12 * HOUR, end: from + 13 * HOUR, showAs: "free" });
    await double.createEventByHand({ subject: "Doctor", start: from + DAY + 8 * HOUR, end: from + DAY + 9 * HOUR, showAs: "oof", sensitivity: "private" });
    await double.createEventByHand({ subject: "Deep work", start: from + DAY + 13 * HOUR, end: from + DAY + 15 * HOUR, categories: ["Focus"] });
    await double.createEventByHand({ subject: "Release day", start: from + 2 * DAY, end: from + 3 * DAY, isAllDay: true, showAs: "free" });
    await double.createEventByHand({ subject: "Sales sync", start: from + 3 * DAY + 10 * HOUR, end: from + 3 * DAY + 11 * HOUR, showAs: "tentative", organizer: { name: "Dana Kim", address: "dana.kim@example.com" } });
    const standup = await double.createEventByHand({
      subject: "Stand-up",
      start: from + 9.5 * HOUR,
      end: from + 9.75 * HOUR,
      recurrence: { pattern: { type: "daily", interval: 1 }, range: { type: "numbered", startDate: "2032-05-03", numberOfOccurrences: 3 } },
    });

    const full = await microsoft.syncEvents(env, ana, calendarId, window, null);
    if (full.expired) throw new Error("a first sync cannot be expired");
    expect(full).toMatchObject({ full: true, removedIds: [] });
    expect(full.cursor.startsWith(`${double.graphUrl}/me/calendars/`)).toBe(true);
    const byTitle = (title: string) => full.events.filter((e) => e.title === title);
    expect(full.events).toHaveLength(9);
    expect(byTitle("Design review")[0]).toEqual({
      id: design.id,
      calendarId,
      title: "Design review",
      start: iso(from + 9 * HOUR),
      end: iso(from + 10 * HOUR),
      allDay: false,
      busy: true,
      private: false,
      status: "confirmed",
      focusTime: false,
      seriesId: null,
      attendees: 2,
      url: expect.stringContaining("/calendar/item/"),
    });
    expect(byTitle("Lunch")[0]).toMatchObject({ busy: false });
    expect(byTitle("Doctor")[0]).toMatchObject({ busy: true, private: true });
    expect(byTitle("Deep work")[0]).toMatchObject({ busy: true, focusTime: true });
    expect(byTitle("Release day")[0]).toMatchObject({ allDay: true, start: "2032-05-05T00:00:00.000Z", end: "2032-05-06T00:00:00.000Z", busy: false });
    expect(byTitle("Sales sync")[0]).toMatchObject({ status: "tentative", busy: true });
    const occurrences = byTitle("Stand-up");
    expect(occurrences.map((e) => e.start)).toEqual([0, 1, 2].map((d) => iso(from + d * DAY + 9.5 * HOUR)));
    expect(new Set(occurrences.map((e) => e.seriesId))).toEqual(new Set([standup.id]));
    expect(new Set(occurrences.map((e) => e.id)).size).toBe(3);

    const quiet = await microsoft.syncEvents(env, ana, calendarId, window, full.cursor);
    if (quiet.expired) throw new Error("the cursor is fresh");
    expect(quiet).toMatchObject({ full: false, events: [], removedIds: [] });

    await double.moveEventByHand(design.id as string, { minutes: 30 });
    await double.deleteEventByHand(lunch.id as string);
    const pairing = await double.createEventByHand({ subject: "Pairing", start: from + 4 * DAY + 14 * HOUR, end: from + 4 * DAY + 15 * HOUR });
    await double.createEventByHand({ subject: "Next month", start: from + 30 * DAY, end: from + 30 * DAY + HOUR }); // outside the window
    const changes = await microsoft.syncEvents(env, ana, calendarId, window, quiet.cursor);
    if (changes.expired) throw new Error("the cursor is fresh");
    expect(changes.full).toBe(false);
    expect(changes.events.map((e) => [e.id, e.start]).sort()).toEqual(
      [
        [design.id, iso(from + 9.5 * HOUR)],
        [pairing.id, iso(from + 4 * DAY + 14 * HOUR)],
      ].sort(),
    );
    expect(changes.removedIds).toEqual([lunch.id]);
    expect(changes.cursor).not.toBe(quiet.cursor);
  });

  it("reads every page of a busy calendar's delta (Prefer: odata.maxpagesize) in UTC", async () => {
    const monday = Math.floor(double.now() / DAY) * DAY - ((new Date(double.now()).getUTCDay() + 6) % 7) * DAY;
    const window = { from: iso(monday - 7 * DAY), to: iso(monday + 14 * DAY) };
    const expected = double.calendarView(Date.parse(window.from), Date.parse(window.to), { calendarId: defaultCalendarId() });
    expect(expected.length).toBeGreaterThan(100); // more than one page of ours
    const sync = await microsoft.syncEvents(env, ana, defaultCalendarId(), window, null);
    if (sync.expired) throw new Error("a first sync cannot be expired");
    expect(sync.events.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id as string).sort());
    expect(graphRequests("GET", /\/calendarView\/delta$/).length).toBe(2);
    expect(sync.events.filter((e) => e.title === "Deep work").every((e) => e.focusTime && e.seriesId !== null)).toBe(true);
    expect(sync.events.some((e) => e.private && e.title === "Doctor appointment")).toBe(true);
  });

  it("answers expired:true for a delta link Graph no longer knows (410 SyncStateNotFound) or one under another Graph URL", async () => {
    const window = { from: "2032-06-01T00:00:00Z", to: "2032-06-08T00:00:00Z" };
    const first = await microsoft.syncEvents(env, ana, defaultCalendarId(), window, null);
    if (first.expired) throw new Error("a first sync cannot be expired");
    double.expireDeltaTokens();
    expect(await microsoft.syncEvents(env, ana, defaultCalendarId(), window, first.cursor)).toEqual({ expired: true });
    expect(graphRequests("GET", /\/calendarView\/delta$/).at(-1)!.status).toBe(410);

    const asked = double.requests.length;
    expect(await microsoft.syncEvents(env, ana, defaultCalendarId(), window, "https://graph.example.com/v1.0/me/calendarView/delta?$deltatoken=x")).toEqual({ expired: true });
    expect(double.requests.length).toBe(asked); // the user's token went nowhere
    expect(await microsoft.syncEvents(env, ana, defaultCalendarId(), window, null)).toMatchObject({ expired: false, full: true });
  });
});

describe("focus blocks", () => {
  const block: FocusBlockInput = {
    clientId: "dpfocus7f3a9c2b",
    title: "Focus: sync engine",
    description: "Heads down on the merge rules.",
    start: "2033-02-07T09:00:00+01:00",
    end: "2033-02-07T11:00:00+01:00",
    timeZone: "Europe/Berlin",
    recurrence: null,
    autoDecline: true,
    reminders: [10, 2],
  };

  it("creates a busy Focus event once, even when the first answer is lost (transactionId), and again on the job's retry", async () => {
    double.dropNextResponse({ path: /\/me\/calendars\/[^/]+\/events$/, method: "POST" });
    const created = await microsoft.createFocusBlock(env, ana, defaultCalendarId(), block);
    expect(created.kind).toBe("busyEvent");
    expect(graphRequests("POST", /\/events$/).map((r) => r.status)).toEqual([0, 201]);
    const stored = double.eventsWithTransactionId(block.clientId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: created.eventId,
      subject: "Focus: sync engine",
      body: { contentType: "text", content: "Heads down on the merge rules." },
      showAs: "busy",
      categories: ["Focus"],
      isReminderOn: true,
      reminderMinutesBeforeStart: 10,
      originalStartTimeZone: "Europe/Berlin",
      start: { dateTime: "2033-02-07T08:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2033-02-07T10:00:00.0000000", timeZone: "UTC" },
      type: "singleInstance",
    });

    const again = await microsoft.createFocusBlock(env, ana, defaultCalendarId(), block);
    expect(again).toEqual(created);
    expect(double.eventsWithTransactionId(block.clientId)).toHaveLength(1);

    const silent = await microsoft.createFocusBlock(env, ana, defaultCalendarId(), { ...block, clientId: "dpfocus-silent", reminders: [] });
    expect(double.events().find((e) => e.id === silent.eventId)).toMatchObject({ isReminderOn: false });
  });

  it("repeats a weekday block in its own time zone (across the switch to summer time); refuses rules Outlook cannot repeat", async () => {
    const weekdays = { ...block, clientId: "dpfocus-weekdays", title: "Morning focus", start: "2033-03-07T09:00:00+01:00", end: "2033-03-07T11:00:00+01:00", recurrence: "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20" };
    const created = await microsoft.createFocusBlock(env, ana, defaultCalendarId(), weekdays);
    const master = double.events().find((e) => e.id === created.eventId);
    expect(master).toMatchObject({
      type: "seriesMaster",
      recurrence: {
        pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"], firstDayOfWeek: "monday" },
        range: { type: "numbered", startDate: "2033-03-07", numberOfOccurrences: 20, recurrenceTimeZone: "Europe/Berlin" },
      },
    });
    const starts = double
      .calendarView(Date.UTC(2033, 2, 1), Date.UTC(2033, 3, 30))
      .filter((e) => e.seriesMasterId === created.eventId)
      .map((e) => (e.start as { dateTime: string }).dateTime.slice(0, 16));
    expect(starts).toHaveLength(20);
    expect(starts.slice(0, 15).every((start) => start.endsWith("T08:00"))).toBe(true); // 09:00 CET
    expect(starts.slice(15)).toEqual(["2033-03-28T07:00", "2033-03-29T07:00", "2033-03-30T07:00", "2033-03-31T07:00", "2033-04-01T07:00"]); // 09:00 CEST

    const posts = graphRequests("POST", /\/events$/).length;
    const refused = await rejection(microsoft.createFocusBlock(env, ana, defaultCalendarId(), { ...weekdays, clientId: "dpfocus-monthly", recurrence: "FREQ=MONTHLY;BYMONTHDAY=1" }), AppError);
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(/BYMONTHDAY .*Supported: FREQ=DAILY or FREQ=WEEKLY/);
    expect(graphRequests("POST", /\/events$/).length).toBe(posts);
  });

  it("moves and renames a block, deletes it, and a second delete is already done", async () => {
    const created = await microsoft.createFocusBlock(env, ana, defaultCalendarId(), { ...block, clientId: "dpfocus-edit" });
    await microsoft.updateFocusBlock(env, ana, defaultCalendarId(), created.eventId, { title: "Focus: reviews", start: "2033-02-08T13:00:00+01:00", end: "2033-02-08T14:30:00+01:00", timeZone: "Europe/Berlin" });
    expect(double.events().find((e) => e.id === created.eventId)).toMatchObject({
      subject: "Focus: reviews",
      body: { content: "Heads down on the merge rules." },
      start: { dateTime: "2033-02-08T12:00:00.0000000" },
      end: { dateTime: "2033-02-08T13:30:00.0000000" },
    });
    await microsoft.deleteFocusBlock(env, ana, defaultCalendarId(), created.eventId);
    expect(double.events().some((e) => e.id === created.eventId)).toBe(false);
    await microsoft.deleteFocusBlock(env, ana, defaultCalendarId(), created.eventId);
    expect(graphRequests("DELETE", /\/me\/events\//).map((r) => r.status)).toEqual([204, 404]);
    const missing = await rejection(microsoft.updateFocusBlock(env, ana, defaultCalendarId(), created.eventId, { title: "x" }), ProviderError);
    expect(missing.kind).toBe("not_found");
  });

  it("declines an invitation (the organizer is told; it leaves the calendar), and a second decline is already done", async () => {
    const invitation = await double.createEventByHand({ subject: "Sales sync", start: Date.UTC(2033, 1, 9, 10), end: Date.UTC(2033, 1, 9, 11), organizer: { name: "Dana Kim", address: "dana.kim@example.com" }, attendees: [{ name: "Ana Lima", address: ANA.mail }] });
    await microsoft.declineEvent(env, ana, defaultCalendarId(), invitation.id as string);
    expect(double.responses.at(-1)).toMatchObject({ eventId: invitation.id, response: "declined", sendResponse: true, organizer: "dana.kim@example.com" });
    expect(double.events().some((e) => e.id === invitation.id)).toBe(false);
    await microsoft.declineEvent(env, ana, defaultCalendarId(), invitation.id as string);
    expect(graphRequests("POST", /\/decline$/).map((r) => r.status)).toEqual([202, 404]);
  });
});

describe("push notifications", () => {
  /** A notification endpoint answered by the provider's own parser, as the webhook route does. */
  async function startEndpoint() {
    const parsed: CalendarNotification[] = [];
    const receiver = await startGraphReceiver({
      respond: ({ url, headers, body }) => {
        const notification = microsoft.parseNotification(headers, url, body);
        if (!notification) return { status: 400 };
        parsed.push(notification);
        return notification.kind === "handshake" ? { status: 200, contentType: "text/plain; charset=utf-8", body: notification.answer } : { status: 202 };
      },
    });
    return { receiver, parsed, address: `${receiver.url}/api/webhooks/microsoft-calendar` };
  }

  it("subscribes through Graph's validation handshake, then reads a change as `sync` with the watch's token", async () => {
    const { receiver, parsed, address } = await startEndpoint();
    try {
      const team = double.teamCalendarId!;
      const asked = new Date(Date.now() + 7 * DAY);
      const watch = await microsoft.watch(env, ana, team, { address, token: "watch-token-1", expiresAt: asked });
      expect(double.deliveries.map((d) => [d.kind, d.status])).toEqual([
        ["validation", 200],
        ["validation", 200],
      ]);
      expect(parsed).toEqual([
        { kind: "handshake", answer: expect.stringMatching(/^Validation: Testing client application reachability/) },
        { kind: "handshake", answer: expect.stringMatching(/^Validation: /) },
      ]);
      expect(watch.resourceId).toBeNull();
      expect(watch.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 4230 * MINUTE);
      expect(watch.expiresAt.getTime()).toBeGreaterThan(Date.now() + 4200 * MINUTE);
      expect(double.subscriptions().find((s) => s.id === watch.id)).toMatchObject({
        resource: `/me/calendars/${team}/events`,
        changeType: "created,updated,deleted",
        clientState: "watch-token-1",
        notificationUrl: address,
        lifecycleNotificationUrl: address,
      });

      await double.createEventByHand({ calendarId: team, subject: "Offsite planning", start: Date.UTC(2033, 4, 2, 9), end: Date.UTC(2033, 4, 2, 10) });
      // A change is named by the version (etag) of the event it is about, so a replay of it can be told apart.
      expect(parsed.at(-1)).toEqual({ kind: "notifications", items: [{ watchId: watch.id, token: "watch-token-1", signal: "sync", deliveryId: expect.stringMatching(new RegExp(`^${watch.id}:created:[^:]+:W/"[0-9a-f]+"$`)) }] });
      expect(double.deliveries.filter((d) => d.kind === "change").map((d) => d.status)).toEqual([202]);
      await microsoft.stopWatch(env, ana, watch);
    } finally {
      await receiver.close();
    }
  });

  it("renews (extends), reads lifecycle events as reauthorize/missed/removed, replaces a removed subscription, and stops", async () => {
    const { receiver, parsed, address } = await startEndpoint();
    try {
      const team = double.teamCalendarId!;
      const target = { address, token: "watch-token-2", expiresAt: new Date(Date.now() + HOUR) };
      const watch = await microsoft.watch(env, ana, team, target);
      const renewed = await microsoft.renewWatch(env, ana, team, watch, { ...target, expiresAt: new Date(Date.now() + 3 * DAY) });
      expect(renewed.id).toBe(watch.id);
      expect(renewed.expiresAt.getTime() - watch.expiresAt.getTime()).toBeGreaterThan(2 * DAY);
      expect(Date.parse(double.subscriptions().find((s) => s.id === watch.id)!.expirationDateTime)).toBe(renewed.expiresAt.getTime());

      const signals = async (event: "reauthorizationRequired" | "missed" | "subscriptionRemoved") => {
        await double.sendLifecycleNotification(watch.id, event);
        return parsed.at(-1);
      };
      expect(await signals("reauthorizationRequired")).toEqual({ kind: "notifications", items: [{ watchId: watch.id, token: "watch-token-2", signal: "reauthorize" }] });
      await microsoft.renewWatch(env, ana, team, renewed, target);
      expect(double.subscriptions().find((s) => s.id === watch.id)).toMatchObject({ needsReauthorization: false });
      expect(await signals("missed")).toEqual({ kind: "notifications", items: [{ watchId: watch.id, token: "watch-token-2", signal: "missed" }] });
      expect(await signals("subscriptionRemoved")).toEqual({ kind: "notifications", items: [{ watchId: watch.id, token: "watch-token-2", signal: "removed" }] });

      const replaced = await microsoft.renewWatch(env, ana, team, renewed, target);
      expect(replaced.id).not.toBe(watch.id);
      expect(double.subscriptions().map((s) => s.id)).toContain(replaced.id);

      // A new token cannot be PATCHed onto a subscription: renewing with one replaces it.
      const rotated: CalendarWatch = await microsoft.renewWatch(env, ana, team, replaced, { ...target, token: "watch-token-3" });
      expect(rotated.id).not.toBe(replaced.id);
      expect(double.subscriptions().map((s) => [s.id, s.clientState])).toEqual([[rotated.id, "watch-token-3"]]);

      await microsoft.stopWatch(env, ana, rotated);
      expect(double.subscriptions()).toEqual([]);
      await microsoft.stopWatch(env, ana, rotated);
      expect(graphRequests("DELETE", /\/subscriptions\//).map((r) => r.status)).toEqual([204, 204, 404]);
    } finally {
      await receiver.close();
    }
  });

  it("refuses to parse what is not Graph's: no validationToken and no notification body", () => {
    const url = new URL("http://app.test/api/webhooks/microsoft-calendar");
    for (const body of ["", "not json", "{}", '{"value":[]}', '{"value":[{"clientState":"x"}]}']) expect(microsoft.parseNotification(new Headers(), url, body)).toBeNull();
  });
});

describe("failures", () => {
  it("a 429 is rate_limited until its Retry-After at once (no sleeping in the job), as is a 503 with Retry-After", async () => {
    double.rateLimitNext("/me/calendars", 7);
    const started = Date.now();
    const limited = await rejection(microsoft.listCalendars(env, ana), ProviderError);
    expect(limited).toMatchObject({ provider: "microsoft", kind: "rate_limited" });
    expect(limited.retryAt!.getTime()).toBeGreaterThanOrEqual(started + 7_000 - 50);
    expect(limited.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 7_000 + 50);
    expect(graphRequests("GET", /\/me\/calendars$/).map((r) => r.status)).toEqual([429]);

    double.unavailableNext(/\/calendarView\/delta$/, 30);
    const busy = await rejection(microsoft.syncEvents(env, ana, defaultCalendarId(), { from: "2032-06-01T00:00:00Z", to: "2032-06-02T00:00:00Z" }, null), ProviderError);
    expect(busy.kind).toBe("rate_limited");
    expect(busy.retryAt!.getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it("a 5xx is retried where repeating is safe, never for a new subscription (unavailable at once)", async () => {
    double.failNext({ path: "/me/calendar", status: 502 });
    expect((await microsoft.fetchAccount(env, ana.accessToken)).login).toBe(ANA.mail);
    expect(graphRequests("GET", /\/me\/calendar$/).map((r) => r.status)).toEqual([502, 200]);

    double.failNext({ path: "/subscriptions", method: "POST", status: 500 });
    const down = await rejection(microsoft.watch(env, ana, double.teamCalendarId!, { address: "http://127.0.0.1:9/unused", token: "t", expiresAt: new Date(Date.now() + HOUR) }), ProviderError);
    expect(down.kind).toBe("unavailable");
    expect(graphRequests("POST", /\/subscriptions$/).map((r) => r.status)).toEqual([500]);
  });

  it("a refused or expired token is unauthorized, and no message carries a token", async () => {
    const refused = await rejection(microsoft.fetchAccount(env, "not-a-token"), ProviderError);
    expect(refused.kind).toBe("unauthorized");
    const short = double.createToken({ expiresInSeconds: 60 }).accessToken;
    double.expireToken(short);
    const expired = await rejection(microsoft.listCalendars(env, sessionFor(short)), ProviderError);
    expect(expired.kind).toBe("unauthorized");
    for (const error of [refused, expired]) {
      expect(error.message).not.toContain("not-a-token");
      expect(error.message).not.toContain(short);
    }
  });
});
