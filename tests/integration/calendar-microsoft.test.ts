import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { watchesDueForRenewal } from "~/server/calendar/watches";
import { calendars, jobRuns } from "~/server/db/schema";
import { syncRequestFor } from "~/server/integrations/connections";
import { integrationsDueForSync } from "~/server/integrations/sync-runs";
import { jobs } from "~/server/jobs/send";
import { startGoogleDouble, type GoogleDouble } from "../doubles/google/server";
import { MICROSOFT_DOUBLE_DEFAULTS, startMicrosoftDouble, type MicrosoftDouble } from "../doubles/microsoft/server";
import { errorOf, signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, startIntegrationRoutes } from "../support/integrations";
import { until } from "../support/until";
import { at, googleCalendarUser, settle, useCalendarTestCleanup } from "./calendar-helpers";

// Outlook beside Google: Graph subscriptions through the app's webhook route on a real port
// (the validation handshake, change and lifecycle notifications), events merged across
// providers, and conflicts between them. The real SDKs against both doubles.
let google: GoogleDouble;
let microsoft: MicrosoftDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
const ANA = MICROSOFT_DOUBLE_DEFAULTS.people[0]!;

beforeAll(async () => {
  [google, microsoft, app] = await Promise.all([startGoogleDouble({ autoApprove: true, demo: false }), startMicrosoftDouble({ autoApprove: true, demo: false }), startIntegrationRoutes()]);
  google.addRedirectUri(`${app.url}/api/integrations/google/callback`);
  microsoft.addRedirectUri(`${app.url}/api/integrations/microsoft/callback`);
  await getDb();
}, 30_000);
afterAll(() => Promise.all([google.close(), microsoft.close(), app.close()]));
useCalendarTestCleanup();
useEnv(() => ({
  APP_URL: app.url,
  ...google.appEnv,
  ...microsoft.appEnv,
  MICROSOFT_TENANT: "common", // as a multi-tenant app registration signs in
}));

describe("Outlook beside Google", () => {
  it("connects through Graph's validation handshake, merges the week across providers, follows changes and lifecycle notifications, and books a block once", async () => {
    const account = await googleCalendarUser(google, "ms-both", [{ summary: "Google standup", start: at(2, 9), end: at(2, 9.5) }]);
    const { caller, user } = account;
    await microsoft.createEventByHand({ subject: "Outlook planning", start: at(2, 9.25), end: at(2, 10), userId: ANA.id });
    microsoft.signInAs(ANA.id);
    await connectThroughProvider(user, "microsoft", { dueWithinMs: 3_000 });
    await settle();

    // The subscription was created: Graph validated our notification URL through the app route.
    const [subscription] = microsoft.subscriptions();
    expect(subscription).toMatchObject({ notificationUrl: `${app.url}/api/webhooks/microsoft-calendar`, lifecycleNotificationUrl: `${app.url}/api/webhooks/microsoft-calendar` });
    const list = await caller.calendar.calendars();
    expect(list.map((calendar) => [calendar.provider, calendar.primary, calendar.live])).toEqual([
      ["google", true, true],
      ["microsoft", true, true],
    ]);

    // One merged week, in time order; the overlap across providers is a double booking.
    const week = await caller.calendar.events({ from: at(0, 0), to: at(7, 0) });
    expect(week.map((event) => [event.provider, event.startTime.toISOString()])).toEqual([
      ["google", at(2, 9).toISOString()],
      ["microsoft", at(2, 9.25).toISOString()],
    ]);
    const [conflict] = await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) });
    expect(conflict).toMatchObject({ kind: "double_booking" });
    expect([conflict!.first.provider, conflict!.second.provider].sort()).toEqual(["google", "microsoft"]);

    // A change in Outlook arrives by notification.
    const [outlookEvent] = microsoft.events({ userId: ANA.id });
    await microsoft.moveEventByHand(outlookEvent!.id as string, { start: at(3, 14), end: at(3, 15) });
    await until(async () => (await caller.calendar.events({ from: at(0, 0), to: at(7, 0) })).find((event) => event.provider === "microsoft")?.startTime.getTime(), (time) => time === at(3, 14).getTime());
    await settle();
    expect(await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) })).toEqual([]);

    // "missed": the cursor is dropped and a full read follows.
    const db = await getDb();
    await microsoft.sendLifecycleNotification(subscription!.id, "missed");
    await settle();
    const [outlook] = await db.select().from(calendars).where(eq(calendars.provider, "microsoft"));
    expect(outlook!.userId).toBe(user.id);
    expect(outlook!.syncCursor).not.toBeNull(); // read again in full, with a new delta link

    // "reauthorizationRequired": renewed with a fresh token (Graph holds notifications back until then), still one subscription.
    await microsoft.sendLifecycleNotification(subscription!.id, "reauthorizationRequired");
    await settle();
    const [renewed] = await until(() => microsoft.subscriptions(), (live) => live.length === 1 && !live[0]!.needsReauthorization && live[0]!.clientState !== subscription!.clientState);

    // "subscriptionRemoved": a new subscription is made.
    await microsoft.sendLifecycleNotification(renewed!.id, "subscriptionRemoved");
    await settle();
    await until(() => microsoft.subscriptions().map((live) => live.id), (ids) => ids.length === 1 && ids[0] !== renewed!.id);

    // A block in Outlook, made once though Graph's first answer is lost.
    microsoft.dropNextResponse({ path: /\/events$/, method: "POST" });
    const outlookCalendar = (await caller.calendar.calendars()).find((calendar) => calendar.provider === "microsoft")!;
    const block = await caller.calendar.createFocusBlock({ title: "Outlook focus", duration: 60, startTime: at(4, 9), calendarId: outlookCalendar.id });
    await settle();
    expect(microsoft.eventsWithTransactionId(block.id, ANA.id)).toHaveLength(1);
    expect(microsoft.eventsWithTransactionId(block.id, ANA.id)[0]).toMatchObject({ showAs: "busy", categories: ["Focus"] });
    expect((await caller.calendar.focusBlocks({ from: at(0, 0), to: at(7, 0) }))[0]).toMatchObject({ provider: "microsoft", kind: "busyEvent", state: "active" });

    // Declining a meeting of her own is refused by Outlook: said as Outlook's refusal, not as our failure.
    await microsoft.createEventByHand({ subject: "Own one", start: at(5, 9), end: at(5, 10), userId: ANA.id });
    await microsoft.createEventByHand({ subject: "Own two", start: at(5, 9.5), end: at(5, 10.5), userId: ANA.id });
    await settle();
    const own = (await caller.calendar.conflicts({ from: at(5, 0), to: at(6, 0) }))[0]!;
    const refused = await errorOf(() => caller.calendar.resolveConflict({ key: own.key, action: "decline" }));
    expect(refused.code).not.toBe("INTERNAL_SERVER_ERROR");
    expect(refused.message).toMatch(/Outlook|Microsoft/);
    expect(await caller.calendar.conflicts({ from: at(5, 0), to: at(6, 0) })).toHaveLength(1); // still undecided

    // Disconnecting deletes the subscription.
    await caller.integrations.disconnect({ provider: "microsoft" });
    expect(microsoft.subscriptions()).toEqual([]);
    expect((await caller.calendar.calendars()).map((calendar) => calendar.provider)).toEqual(["google"]);
  });

  it("a replayed change notification (the same version of the same event) is acknowledged as a duplicate and starts no second sync", async () => {
    const { user, caller } = await signedUpUser("ms-replayed");
    microsoft.signInAs(ANA.id);
    await connectThroughProvider(user, "microsoft", { dueWithinMs: 3_000 });
    await settle();
    const db = await getDb();
    const syncsRequested = async () => (await db.select({ runId: jobRuns.runId }).from(jobRuns).where(and(eq(jobRuns.userId, user.id), eq(jobRuns.eventName, "calendar/sync.requested")))).length;
    const before = await syncsRequested();
    const sent = microsoft.deliveries.length;
    await microsoft.createEventByHand({ subject: "Replayed", start: at(4, 9), end: at(4, 10), userId: ANA.id });
    await settle();
    expect(await syncsRequested()).toBe(before + 1);
    const change = microsoft.deliveries.slice(sent).find((delivery) => delivery.kind === "change")!;
    expect(change.status).toBe(202);

    const replay = await fetch(change.url, { method: "POST", headers: { "content-type": "application/json" }, body: change.body });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await settle();
    expect(await syncsRequested()).toBe(before + 1);

    // A new version of the same event is a new change.
    const [event] = microsoft.events({ userId: ANA.id }).filter((each) => each.subject === "Replayed");
    await microsoft.moveEventByHand(event!.id as string, { start: at(4, 11), end: at(4, 12) });
    await settle();
    expect(await syncsRequested()).toBe(before + 2);
    await caller.integrations.disconnect({ provider: "microsoft" });
  });

  it("every hour, calendars are due for a sync, and watches about to expire are renewed", async () => {
    const { caller, user, googleEmail } = await googleCalendarUser(google, "ms-renew");
    const db = await getDb();
    // The hourly scheduler's list: a calendar integration is synced as a calendar.
    const due = (await integrationsDueForSync(db)).filter((owner) => owner.userId === user.id);
    expect(due.map((owner) => syncRequestFor(owner.userId, owner.provider))).toEqual([{ name: "calendar/sync.requested", data: { userId: user.id, provider: "google" } }]);

    const [before] = google.channels(googleEmail).filter((channel) => channel.active);
    await db.update(calendars).set({ watchExpiresAt: new Date(Date.now() + 60_000) }).where(eq(calendars.userId, user.id));
    const expiring = (await watchesDueForRenewal(db)).filter((owner) => owner.userId === user.id);
    expect(expiring).toEqual([{ userId: user.id, provider: "google" }]);
    await jobs.send(expiring.map((owner) => ({ name: "calendar/watches.renew-requested" as const, data: owner })));
    await settle();
    const active = google.channels(googleEmail).filter((channel) => channel.active);
    expect(active).toHaveLength(1);
    expect(active[0]!.id).not.toBe(before!.id);
    expect((await caller.calendar.calendars())[0]?.live).toBe(true);
    expect(await watchesDueForRenewal(db).then((owners) => owners.filter((owner) => owner.userId === user.id))).toEqual([]);
  });
});
