import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { notificationDecisions } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { deliverDue } from "~/server/notifications/deliver";
import { notify } from "~/server/notifications/notify";
import { signedUpUser } from "../support/callers";

/**
 * A notice about a moment ("Deep work starts in 5 minutes") is not sent to the desktop once the
 * moment has passed (the catalog's `momentOf`; decide.ts rule 7, deliver.ts): quiet hours that end
 * before the block starts still let it through, a delivery that runs after the start (a restart,
 * the sweep catching up, a hold begun since) drops it and the decision log says why.
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
    const outcome = await deliverDue(await getDb(), getEnv(), user.id, "desktop", { now: new Date("2026-01-13T07:00:00Z") });
    expect(outcome).toMatchObject({ messages: 1, calls: 1 });
    expect(await decision()).toMatchObject({ outcome: "hold", deliveredAt: new Date("2026-01-13T07:00:00Z") });
  });

  it("the same reminder delivered only after the block started is not sent, and the log says why", async () => {
    const { user, decision } = await reminderInQuietHours("moment-passed");
    const outcome = await deliverDue(await getDb(), getEnv(), user.id, "desktop", { now: new Date("2026-01-13T07:45:00Z") });
    expect(outcome).toMatchObject({ messages: 0, calls: 0, delivered: 0 });
    expect(await decision()).toMatchObject({ outcome: "drop", reason: "past_moment", reasonText: "the moment it is about (07:30) had passed", deliveredAt: null });
  });
});
