import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { notificationDecisions } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { deliverDue } from "~/server/notifications/deliver";
import { notify } from "~/server/notifications/notify";
import { signedUpUser } from "../support/callers";
import { listenRealtime } from "../support/realtime";

/**
 * A notice about a moment ("Deep work starts in 5 minutes") is not sent to the desktop once the
 * moment has passed (the catalog's `momentOf`; decide.ts rule 7, deliver.ts): quiet hours that end
 * before the block starts still let it through, saying the minutes left then (`asOf`); a delivery
 * that runs after the start (a restart, the sweep catching up) or a hold begun since that lasts past
 * it drops it, and the decision log says why.
 */

const noSchedule = async () => {};

async function reminderInQuietHours(label: string) {
  const signedUp = await signedUpUser(label);
  await signedUp.caller.notifications.preferences.update({ quietHours: { enabled: true, start: "22:00", end: "07:00" }, timeZone: "UTC", holdWhileFocused: false, doNotDisturbUntil: null });
  const db = await getDb();
  const reminder = await notify(
    db,
    signedUp.user.id,
    "calendar.focus_block_starting",
    { blockId: randomUUID(), title: "Deep work", startsAt: "2026-01-13T07:30:00Z", minutes: 5 },
    { now: new Date("2026-01-13T06:25:00Z"), schedule: noSchedule },
  );
  const decision = async () => {
    const [desktop] = await db
      .select({ outcome: notificationDecisions.outcome, reason: notificationDecisions.reason, reasonText: notificationDecisions.reasonText, deliveredAt: notificationDecisions.deliveredAt })
      .from(notificationDecisions)
      .where(and(eq(notificationDecisions.notificationId, reminder.notificationId), eq(notificationDecisions.channel, "desktop")));
    return desktop!;
  };
  return { ...signedUp, decision };
}

describe("notifications about a moment", () => {
  it("a reminder held by quiet hours that end before the block starts goes when they end", async () => {
    const { user, decision } = await reminderInQuietHours("moment-in-time");
    expect(await decision()).toMatchObject({ outcome: "hold", reason: "quiet_hours", reasonText: "quiet hours until 07:00" });
    const { heard, stop } = listenRealtime(user.id, { events: ["notification:new"] });
    const outcome = await deliverDue(await getDb(), getEnv(), user.id, "desktop", { now: new Date("2026-01-13T07:00:00Z") });
    stop();
    expect(outcome).toMatchObject({ messages: 1, calls: 1 });
    // Decided at 06:25 as "starts in 5 minutes"; sent at 07:00, it says what is true then.
    expect(heard.map((message) => (message.payload as { title: string }).title)).toEqual(["Deep work starts in 30 minutes"]);
    expect(await decision()).toMatchObject({ outcome: "hold", deliveredAt: new Date("2026-01-13T07:00:00Z") });
  });

  it("the same reminder delivered only after the block started is not sent, and the log says why", async () => {
    const { user, decision } = await reminderInQuietHours("moment-passed");
    const outcome = await deliverDue(await getDb(), getEnv(), user.id, "desktop", { now: new Date("2026-01-13T07:45:00Z") });
    expect(outcome).toMatchObject({ messages: 0, calls: 0, delivered: 0 });
    expect(await decision()).toMatchObject({ outcome: "drop", reason: "past_moment", reasonText: "the moment it is about (07:30) had passed", deliveredAt: null });
  });

  it("a reminder that a hold begun since would keep past the block's start is dropped when it comes due, not held again", async () => {
    const { user, caller, decision } = await reminderInQuietHours("moment-rehold");
    await caller.notifications.preferences.update({ doNotDisturbUntil: "2026-01-13T08:00:00Z" });
    const outcome = await deliverDue(await getDb(), getEnv(), user.id, "desktop", { now: new Date("2026-01-13T07:00:00Z") });
    expect(outcome).toMatchObject({ messages: 0, calls: 0, deferredTo: null });
    expect(await decision()).toMatchObject({ outcome: "drop", reason: "past_moment", reasonText: "do not disturb until 08:00, after the moment it is about (07:30)" });
  });
});
