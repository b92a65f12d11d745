import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { calendarEvents, calendars, focusBlocks, jobRuns, webhookDeliveries } from "~/server/db/schema";
import { schemaTableNames } from "~/server/db/tables";
import { readTokens } from "~/server/integrations/tokens";
import { jobs } from "~/server/jobs/send";
import { startGoogleDouble, type GoogleDouble } from "../doubles/google/server";
import { errorOf, signedUpUser } from "../support/callers";
import { useEnv, withEnv } from "../support/env";
import { startIntegrationRoutes } from "../support/integrations";
import { listenRealtime } from "../support/realtime";
import { until } from "../support/until";
import { at, googleCalendarUser, settle, useCalendarTestCleanup } from "./calendar-helpers";

// Calendars end to end on Google: the calendar procedures through the tRPC caller, the jobs on
// the embedded engine, the real googleapis against the Google double, its push channels
// delivering to the app's webhook route on a real port.
let google: GoogleDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;

beforeAll(async () => {
  [google, app] = await Promise.all([startGoogleDouble({ autoApprove: true, demo: false }), startIntegrationRoutes()]);
  google.addRedirectUri(`${app.url}/api/integrations/google/callback`);
  await getDb();
}, 30_000);
afterAll(() => Promise.all([google.close(), app.close()]));
useCalendarTestCleanup();
useEnv(() => ({
  APP_URL: app.url,
  ...google.appEnv,
}));

describe("reading", () => {
  it("connecting syncs the calendar list and its events into the cache: free/busy only by default, never a title or a token in any table", async () => {
    const standup = { summary: "Stand-up about Project Nightingale", start: at(1, 9), end: at(1, 9.5), attendees: 3 };
    const { user, caller, googleEmail, connected } = await googleCalendarUser(google, "cal-read", [standup, { summary: "Dentist", start: at(2, 14), end: at(2, 15), visibility: "private" }]);
    expect(connected.callback.pathname).toBe("/integrations");
    expect(Object.fromEntries(connected.callback.searchParams)).toEqual({ connected: "google", account: googleEmail });

    const list = await caller.calendar.calendars();
    expect(list).toEqual([expect.objectContaining({ provider: "google", name: googleEmail, primary: true, included: true, canWrite: true, live: true })]);
    expect(google.channels(googleEmail).filter((channel) => channel.active)).toHaveLength(1); // push notifications watched

    const events = await caller.calendar.events({ from: at(0, 0), to: at(7, 0) });
    expect(events.map((event) => [event.summary, event.titleHidden, event.attendees, event.startTime.toISOString()])).toEqual([
      ["Busy", true, null, standup.start.toISOString()],
      ["Private event", true, null, at(2, 14).toISOString()],
    ]);

    // Nothing of the titles or the token is stored anywhere in the database.
    const db = await getDb();
    const tokens = await readTokens(db, { userId: user.id, provider: "google" });
    for (const table of schemaTableNames()) {
      const rows = (await db.execute(sql.raw(`select * from "${table}"`))) as unknown as { rows?: unknown[] } | unknown[];
      const text = JSON.stringify(Array.isArray(rows) ? rows : rows.rows);
      expect(text, table).not.toContain("Nightingale");
      expect(text, table).not.toContain("Dentist");
      expect(text, table).not.toContain(tokens!.accessToken);
    }
  });

  it("with titles and attendees allowed they are kept (never a private event's); switching titles off forgets them at once", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-titles", [
      { summary: "Planning", start: at(1, 10), end: at(1, 11), attendees: 4 },
      { summary: "Therapy", start: at(1, 12), end: at(1, 13), visibility: "private" },
    ]);
    // Allowing them reads every calendar again in full to fill them in.
    await caller.privacy.updateSettings({ calendar: { titles: true, attendees: true } });
    await settle();
    let events = await caller.calendar.events({ from: at(0, 0), to: at(3, 0) });
    expect(events.map((event) => [event.summary, event.attendees])).toEqual([
      ["Planning", 4],
      ["Private event", 0],
    ]);

    await caller.privacy.updateSettings({ calendar: { titles: false } });
    events = await caller.calendar.events({ from: at(0, 0), to: at(3, 0) });
    expect(events.map((event) => event.summary)).toEqual(["Busy", "Private event"]);
    const stored = await (await getDb()).select({ title: calendarEvents.title }).from(calendarEvents).innerJoin(calendars, eq(calendars.id, calendarEvents.calendarId)).where(eq(calendars.name, googleEmail));
    expect(stored.every((row) => row.title === null)).toBe(true);
  });

  it("a stale sync token means a full resync: nothing lost, nothing doubled", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-stale", [{ summary: "A", start: at(1, 9), end: at(1, 10) }]);
    await google.createEventByHand(googleEmail, { summary: "B", start: at(1, 11), end: at(1, 12) });
    await settle();
    expect(google.invalidateSyncTokens(googleEmail)).toBeGreaterThan(0);
    await google.createEventByHand(googleEmail, { summary: "C", start: at(1, 13), end: at(1, 14) });
    await settle();
    const events = await caller.calendar.events({ from: at(0, 0), to: at(3, 0) });
    expect(events.map((event) => event.startTime.getUTCHours())).toEqual([9, 11, 13]);
  });

  it("cached events past the provider's retention are dropped by the cleanup job", async () => {
    const { user, caller } = await googleCalendarUser(google, "cal-retention", [
      { summary: "Old", start: at(1, 9), end: at(1, 10) },
      { summary: "Kept", start: at(1, 11), end: at(1, 12) },
    ]);
    const db = await getDb();
    const [first] = await db.select().from(calendarEvents).where(eq(calendarEvents.userId, user.id)).orderBy(calendarEvents.startAt).limit(1);
    await db.update(calendarEvents).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(calendarEvents.id, first!.id));
    await jobs.send({ name: "maintenance/cleanup.requested", data: {} });
    await settle();
    expect((await caller.calendar.events({ from: at(0, 0), to: at(3, 0) })).map((event) => event.startTime.getUTCHours())).toEqual([11]);
  });

  it("a refused authorization puts the integration in needs_reauth, and the page is told", async () => {
    const { user, caller, googleEmail } = await googleCalendarUser(google, "cal-revoked");
    google.revokeAccount(googleEmail);
    const { heard, stop } = listenRealtime(user.id, { events: ["integration:error"] });
    await caller.integrations.sync({ provider: "google" });
    await settle();
    stop();
    expect(await caller.integrations.status({ provider: "google" })).toMatchObject({ state: "needs_reauth" });
    expect(heard.map((message) => message.payload)).toContainEqual(expect.objectContaining({ provider: "google", status: "needs_reauth" }));
  });

  it("a push notification with a forged token is refused and starts no sync", async () => {
    const { googleEmail } = await googleCalendarUser(google, "cal-forged");
    const [channel] = google.channels(googleEmail);
    const forged = await fetch(`${app.url}/api/webhooks/google-calendar`, {
      method: "POST",
      headers: { "x-goog-channel-id": channel!.id, "x-goog-channel-token": "not-the-token", "x-goog-resource-state": "exists", "x-goog-resource-id": channel!.resourceId, "x-goog-message-number": "9" },
    });
    expect(forged.status).toBe(401);
    const unknown = await fetch(`${app.url}/api/webhooks/google-calendar`, { method: "POST", headers: {} });
    expect(unknown.status).toBe(400);
  });

  it("a replayed push notification (the same message number on its channel) is acknowledged as a duplicate and starts no second sync", async () => {
    const { user, googleEmail } = await googleCalendarUser(google, "cal-replayed");
    const syncsRequested = async () => (await (await getDb()).select({ runId: jobRuns.runId }).from(jobRuns).where(and(eq(jobRuns.userId, user.id), eq(jobRuns.eventName, "calendar/sync.requested")))).length;
    const before = await syncsRequested();
    const { notifications } = await google.createEventByHand(googleEmail, { summary: "Moved standup", start: at(3, 9), end: at(3, 10) });
    expect(notifications.map((notification) => notification.status)).toEqual([202]);
    await settle();
    expect(await syncsRequested()).toBe(before + 1);

    const replay = await fetch(notifications[0]!.address, { method: "POST", headers: notifications[0]!.headers });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await settle();
    expect(await syncsRequested()).toBe(before + 1);

    // The channel's next message is new.
    await google.createEventByHand(googleEmail, { summary: "Review", start: at(3, 11), end: at(3, 12) });
    await settle();
    expect(await syncsRequested()).toBe(before + 2);
  });

  it("a push notification another request is still handling answers 503 with Retry-After, and one abandoned for a minute is taken over", async () => {
    const { user, googleEmail } = await googleCalendarUser(google, "cal-in-progress");
    const syncsRequested = async () => (await (await getDb()).select({ runId: jobRuns.runId }).from(jobRuns).where(and(eq(jobRuns.userId, user.id), eq(jobRuns.eventName, "calendar/sync.requested")))).length;
    const { notifications } = await google.createEventByHand(googleEmail, { summary: "Claimed twice", start: at(3, 16), end: at(3, 17) });
    expect(notifications.map((notification) => notification.status)).toEqual([202]);
    await settle();
    const before = await syncsRequested();
    const db = await getDb();
    const claim = and(eq(webhookDeliveries.provider, "google"), eq(webhookDeliveries.deliveryId, `${notifications[0]!.headers["x-goog-channel-id"]}:${notifications[0]!.headers["x-goog-message-number"]}`));
    const [recorded] = await db.select().from(webhookDeliveries).where(claim);
    expect(recorded?.handledAt).toBeInstanceOf(Date);

    // As if another request had just claimed the message and were still queueing its sync.
    await db.update(webhookDeliveries).set({ handledAt: null, receivedAt: new Date() }).where(claim);
    const meanwhile = await fetch(notifications[0]!.address, { method: "POST", headers: notifications[0]!.headers });
    expect(meanwhile.status).toBe(503);
    expect(meanwhile.headers.get("retry-after")).toBe("5");
    expect(await meanwhile.json()).toMatchObject({ accepted: 0, inProgress: 1 });

    // That request died a minute ago: Google's retry takes the message over and starts the sync.
    await db.update(webhookDeliveries).set({ receivedAt: new Date(Date.now() - 61_000) }).where(claim);
    const retry = await fetch(notifications[0]!.address, { method: "POST", headers: notifications[0]!.headers });
    expect(await retry.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    await settle();
    expect(await syncsRequested()).toBe(before + 1);
  });

  it("a push notification whose sync cannot be queued answers 500, and Google's retry of the same message starts the sync", async () => {
    const { user, googleEmail } = await googleCalendarUser(google, "cal-unqueued");
    const syncsRequested = async () => (await (await getDb()).select({ runId: jobRuns.runId }).from(jobRuns).where(and(eq(jobRuns.userId, user.id), eq(jobRuns.eventName, "calendar/sync.requested")))).length;
    const before = await syncsRequested();
    // Inngest configured but unreachable: the message is verified and recorded, its sync cannot be handed over.
    const { notifications } = await withEnv({ INNGEST_DEV: "http://127.0.0.1:9", INNGEST_EVENT_KEY: "test-event-key" }, () =>
      google.createEventByHand(googleEmail, { summary: "Moved while the job engine was away", start: at(3, 14), end: at(3, 15) }),
    );
    expect(notifications.map((notification) => notification.status)).toEqual([500]);

    const retry = await fetch(notifications[0]!.address, { method: "POST", headers: notifications[0]!.headers });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    await settle();
    expect(await syncsRequested()).toBe(before + 1);
  });
});

describe("focus blocks", () => {
  it("a booked block is made in Google exactly once even when Google's first answer is lost, as native focus time", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-once");
    google.dropNextResponse({ path: /\/calendars\/[^/]+\/events$/, method: "POST" });
    const block = await caller.calendar.createFocusBlock({ title: "Deep work: sync engine", duration: 90, startTime: at(1, 13), notifications: [10] });
    expect(block.state).toBe("creating");
    await settle();
    const made = google.events(googleEmail).filter((event) => event.summary === "Deep work: sync engine");
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ eventType: "focusTime" });
    const [row] = await caller.calendar.focusBlocks({ from: at(0, 0), to: at(3, 0) });
    expect(row).toMatchObject({ id: block.id, state: "active", kind: "focusTime", duration: 90 });
    // It shows in the merged week as focus time, linked to the block.
    const events = await caller.calendar.events({ from: at(0, 0), to: at(3, 0) });
    expect(events).toEqual([expect.objectContaining({ focusBlockId: block.id, focusTime: true, startTime: at(1, 13) })]);
  });

  it("on a consumer account the block is an ordinary busy event, and says so", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-consumer", [], { workspace: false });
    await caller.calendar.createFocusBlock({ title: "Focus", duration: 60, startTime: at(1, 9) });
    await settle();
    expect(google.events(googleEmail).map((event) => event.eventType ?? "default")).toEqual(["default"]);
    expect((await caller.calendar.focusBlocks({ from: at(0, 0), to: at(3, 0) }))[0]).toMatchObject({ kind: "busyEvent", state: "active" });
  });

  it("weekday focus sessions recur in the calendar", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-recurring");
    const nextMonday = ((8 - at(0, 0).getUTCDay()) % 7) || 7;
    await caller.calendar.createFocusBlock({ title: "Morning focus", duration: 120, startTime: at(nextMonday, 9), recurrence: { weekdays: [1, 2, 3, 4, 5], count: 5 } });
    await settle();
    const [series] = google.events(googleEmail).filter((event) => event.summary === "Morning focus");
    expect(series?.recurrence).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5"]);
    // Synced back from Google as five instances, Monday to Friday at 09:00 (until fails the test, saying what it found, if they never come).
    const instances = await until(async () => (await caller.calendar.events({ from: at(0, 0), to: at(14, 0) })).filter((event) => event.focusTime), (found) => found.length >= 5, 15_000);
    expect(instances.map((event) => event.startTime.toISOString())).toEqual([0, 1, 2, 3, 4].map((day) => at(nextMonday + day, 9).toISOString()));
  });

  it("moved in Google, the block moves here through a push notification, and the page hears it; deleted there, it is gone here", async () => {
    const { user, caller, googleEmail } = await googleCalendarUser(google, "cal-move");
    const block = await caller.calendar.createFocusBlock({ title: "Write the RFC", duration: 60, startTime: at(1, 10) });
    await settle();
    const [event] = google.events(googleEmail);
    const { waitFor, stop } = listenRealtime(user.id, { events: ["calendar:event_updated"] });
    const moved = await google.moveEventByHand(googleEmail, event!.id, at(1, 15), at(1, 16));
    expect(moved.notifications.length).toBeGreaterThan(0);
    await until(async () => (await caller.calendar.focusBlocks({ from: at(0, 0), to: at(3, 0) }))[0]?.startTime.getTime(), (time) => time === at(1, 15).getTime());
    // The page hears of the event at its new time (as an update, or as new if the sync had not yet seen it).
    const movedHere = (heard: { payload: unknown }[]) => heard.some(({ payload }) => (payload as { eventId: string; start?: string }).eventId === event!.id && (payload as { start?: string }).start === at(1, 15).toISOString());
    await waitFor(movedHere);

    await google.deleteEventByHand(googleEmail, event!.id);
    await until(async () => (await caller.calendar.focusBlocks({ from: at(0, 0), to: at(3, 0) })).length, (count) => count === 0);
    stop();
    expect((await (await getDb()).select().from(focusBlocks).where(eq(focusBlocks.id, block.id)))[0]?.state).toBe("deleted");
  });

  it("edited here, the block changes in Google; deleted here, it is gone there (twice is fine)", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-edit");
    const block = await caller.calendar.createFocusBlock({ title: "Refactor", duration: 60, startTime: at(1, 10) });
    await settle();
    const updated = await caller.calendar.updateFocusBlock({ id: block.id, title: "Refactor the pull path", startTime: at(1, 11), duration: 30 });
    expect(updated).toMatchObject({ title: "Refactor the pull path", duration: 30 });
    const [event] = google.events(googleEmail);
    expect(event).toMatchObject({ summary: "Refactor the pull path" });
    expect(Date.parse((event!.start as { dateTime: string }).dateTime)).toBe(at(1, 11).getTime());
    expect(await caller.calendar.deleteFocusBlock({ id: block.id })).toMatchObject({ deleted: true });
    expect(google.events(googleEmail)).toEqual([]);
    expect((await errorOf(() => caller.calendar.deleteFocusBlock({ id: block.id }))).code).toBe("NOT_FOUND");
  });
});

describe("conflicts and suggestions", () => {
  it("a meeting landing on a focus block is one conflict, announced once; moving the block puts it in the next free slot", async () => {
    const { user, caller, googleEmail } = await googleCalendarUser(google, "cal-conflict");
    await caller.privacy.updateSettings({ calendar: { titles: true } });
    const block = await caller.calendar.createFocusBlock({ title: "Focus", duration: 60, startTime: at(3, 10) });
    await settle();
    const { heard, stop } = listenRealtime(user.id, { events: ["calendar:conflict_detected"] });
    await google.createEventByHand(googleEmail, { summary: "Surprise review", start: at(3, 10.5), end: at(3, 11.5) });
    await until(async () => (await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) })).length, (count) => count === 1);
    await settle();
    const [conflict] = await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) });
    expect(conflict).toMatchObject({ kind: "focus_block", actions: { move: true, decline: true, keep: true } });
    expect([conflict!.first.summary, conflict!.second.summary].sort()).toEqual(["Focus", "Surprise review"]);
    // Another sync finds the same pair: not announced again.
    await caller.integrations.sync({ provider: "google" });
    await settle();
    stop();
    expect(heard).toHaveLength(1);
    // …and one notification through the notification layer (issue 18's "calendar conflict").
    expect((await caller.notifications.list()).items.filter((item) => item.kind === "calendar.conflict_detected")).toHaveLength(1);

    const resolved = await caller.calendar.resolveConflict({ key: conflict!.key, action: "move" });
    expect(resolved).toMatchObject({ action: "move" });
    const [moved] = await caller.calendar.focusBlocks({ from: at(0, 0), to: at(7, 0) });
    expect(moved!.id).toBe(block.id);
    expect(moved!.startTime.getTime()).toBeGreaterThanOrEqual(at(3, 11.5).getTime());
    await caller.integrations.sync({ provider: "google" });
    await settle();
    expect(await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) })).toEqual([]);
  });

  it("keeping both hides the conflict; declining answers the invitation at Google", async () => {
    const { caller, googleEmail } = await googleCalendarUser(google, "cal-decline", [
      { summary: "One", start: at(2, 9), end: at(2, 10), attendees: 2 },
      { summary: "Two", start: at(2, 9.5), end: at(2, 10.5), attendees: 2 },
      { summary: "Three", start: at(4, 9), end: at(4, 10), attendees: 2 },
      { summary: "Four", start: at(4, 9.5), end: at(4, 10.5), attendees: 2 },
    ]);
    const conflicts = await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) });
    expect(conflicts.map((conflict) => conflict.kind)).toEqual(["double_booking", "double_booking"]);
    await caller.calendar.resolveConflict({ key: conflicts[0]!.key, action: "keep" });
    expect(await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) })).toHaveLength(1);
    const declined = await caller.calendar.resolveConflict({ key: conflicts[1]!.key, action: "decline" });
    expect(declined.action).toBe("decline");
    expect(google.events(googleEmail).length).toBe(4);
    expect(await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) })).toEqual([]);
  });

  it("suggestions never overlap a busy time in any included calendar, and leaving a calendar out frees its time", async () => {
    const { caller } = await googleCalendarUser(google, "cal-suggest", [{ summary: "Offsite", start: at(1, 9), end: at(1, 17) }]);
    const request = { from: at(1, 0).toISOString(), to: at(2, 0).toISOString(), durationMinutes: 60, preferences: { workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: "09:00", end: "17:00" }, timezone: "UTC", minGapMinutes: 0 } };
    expect((await caller.calendar.suggestFocusSlots(request)).slots).toEqual([]);
    const [calendar] = await caller.calendar.calendars();
    await caller.calendar.setIncluded({ calendarId: calendar!.id, included: false });
    const { slots } = await caller.calendar.suggestFocusSlots(request);
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(Date.parse(slot.startTime)).toBeGreaterThanOrEqual(at(1, 9).getTime());
  });
});

describe("status from the calendar", () => {
  // Waits on the clock by design (a block 5 s ahead, then 2.5 s for the next moment): 8 s alone, more beside a second suite.
  it("while a focus block runs the chat status shows focus until its end; a status set by hand is never overridden", { timeout: 45_000 }, async () => {
    const { caller } = await googleCalendarUser(google, "cal-status");
    const start = new Date(Date.now() + 5_000);
    await caller.calendar.createFocusBlock({ title: "Focus now", duration: 30, startTime: start });
    await settle(); // the status run now sleeps until the start (further off than settle waits for)
    expect((await caller.status.current()).status).toBeNull(); // not before it starts
    await until(async () => (await caller.status.current()).status, (status) => status?.source === "calendar", 15_000);
    expect(Date.now()).toBeGreaterThanOrEqual(start.getTime());
    const { status } = await caller.status.current();
    expect(status).toMatchObject({ templateKey: "focus", source: "calendar" });
    expect(Math.abs(status!.expiresAt!.getTime() - (start.getTime() + 30 * 60_000))).toBeLessThan(61_000);

    // The user's own status wins over the next calendar moment.
    await caller.status.set({ template: "debugging" });
    await caller.calendar.createFocusBlock({ title: "Later focus", duration: 30, startTime: new Date(Date.now() + 1_000) });
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await settle();
    expect((await caller.status.current()).status).toMatchObject({ templateKey: "debugging", source: "manual" });
    await caller.status.clear();
  });

  it("meetings show on the status only when switched on, with their title only when titles are allowed there", async () => {
    const start = new Date(Date.now() + 2_000);
    const { caller } = await googleCalendarUser(google, "cal-meeting", [{ summary: "Design review", start, end: new Date(start.getTime() + 45 * 60_000), attendees: 2 }]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await caller.integrations.sync({ provider: "google" });
    await settle();
    expect((await caller.status.current()).status).toBeNull(); // meetings are off by default
    await caller.privacy.updateSettings({ calendar: { meetingStatus: true, titles: true, meetingTitles: true } });
    await settle();
    await caller.integrations.sync({ provider: "google" });
    await until(async () => (await caller.status.current()).status, (status) => status?.source === "calendar", 10_000);
    expect((await caller.status.current()).status).toMatchObject({ text: "Design review", source: "calendar" });
    await caller.status.clear();
  });
});

describe("whose data", () => {
  it("user B sees none of A's calendars, events, blocks or conflicts, and cannot change them", async () => {
    const a = await googleCalendarUser(google, "cal-owner-a", [
      { summary: "X", start: at(2, 9), end: at(2, 10) },
      { summary: "Y", start: at(2, 9.5), end: at(2, 10.5) },
    ]);
    const block = await a.caller.calendar.createFocusBlock({ title: "A's block", duration: 30, startTime: at(3, 9) });
    await settle();
    const [calendar] = await a.caller.calendar.calendars();
    const [conflict] = await a.caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) });
    const b = await signedUpUser("cal-owner-b");
    expect(await b.caller.calendar.calendars()).toEqual([]);
    expect(await b.caller.calendar.events({ from: at(0, 0), to: at(7, 0) })).toEqual([]);
    expect(await b.caller.calendar.events({ from: at(0, 0), to: at(7, 0), calendarIds: [calendar!.id] })).toEqual([]);
    expect(await b.caller.calendar.focusBlocks({ from: at(0, 0), to: at(7, 0) })).toEqual([]);
    expect(await b.caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) })).toEqual([]);
    expect((await errorOf(() => b.caller.calendar.setIncluded({ calendarId: calendar!.id, included: false }))).code).toBe("NOT_FOUND");
    expect((await errorOf(() => b.caller.calendar.updateFocusBlock({ id: block.id, title: "mine now" }))).code).toBe("NOT_FOUND");
    expect((await errorOf(() => b.caller.calendar.deleteFocusBlock({ id: block.id }))).code).toBe("NOT_FOUND");
    expect((await errorOf(() => b.caller.calendar.resolveConflict({ key: conflict!.key, action: "keep" }))).code).toBe("NOT_FOUND");
    // Keys that are not two event ids are refused as input, not tried against the uuid columns (a 500 before).
    for (const key of [`${"-".repeat(36)}:${"-".repeat(36)}`, `${"a".repeat(36)}:${"a".repeat(36)}`, conflict!.key.split(":")[0]!, `${conflict!.key}:${calendar!.id}`]) {
      expect((await errorOf(() => b.caller.calendar.resolveConflict({ key, action: "keep" }))).code, key).toBe("BAD_REQUEST");
    }
    expect((await errorOf(() => b.caller.calendar.createFocusBlock({ title: "x", duration: 30, startTime: at(3, 9), calendarId: calendar!.id }))).code).toBe("NOT_FOUND");
    expect((await a.caller.calendar.calendars())[0]?.included).toBe(true);
    expect((await a.caller.calendar.focusBlocks({ from: at(0, 0), to: at(7, 0) }))[0]?.title).toBe("A's block");
  });

  it("disconnecting stops the push channel and deletes every calendar, event and block", async () => {
    const { user, caller, googleEmail } = await googleCalendarUser(google, "cal-disconnect", [{ summary: "Z", start: at(1, 9), end: at(1, 10) }]);
    await caller.calendar.createFocusBlock({ title: "B", duration: 30, startTime: at(2, 9) });
    await settle();
    expect(google.channels(googleEmail).filter((channel) => channel.active)).toHaveLength(1);
    await caller.integrations.disconnect({ provider: "google" });
    expect(google.channels(googleEmail).filter((channel) => channel.active)).toHaveLength(0);
    const db = await getDb();
    for (const table of [calendars, calendarEvents, focusBlocks]) expect(await db.select().from(table).where(eq(table.userId, user.id))).toEqual([]);
  });
});

describe("bad input", () => {
  it("answers a clear 400 and stores nothing", async () => {
    const { caller } = await googleCalendarUser(google, "cal-bad");
    expect((await errorOf(() => caller.calendar.createFocusBlock({ title: "", duration: 60, startTime: at(1, 9) }))).code).toBe("BAD_REQUEST");
    expect((await errorOf(() => caller.calendar.createFocusBlock({ title: "x", duration: 5, startTime: at(1, 9) }))).message).toContain("at least 15 minutes");
    expect((await errorOf(() => caller.calendar.events({ from: at(5, 0), to: at(1, 0) }))).code).toBe("BAD_REQUEST");
    expect((await errorOf(() => caller.calendar.suggestFocusSlots({ from: at(1, 0).toISOString(), to: at(2, 0).toISOString(), durationMinutes: 60, preferences: { workingHours: { start: "17:00", end: "09:00" }, timezone: "Mars/Olympus", minGapMinutes: 0 } }))).code).toBe("BAD_REQUEST");
    expect(await caller.calendar.focusBlocks({ from: at(0, 0), to: at(7, 0) })).toEqual([]);
  });
});
