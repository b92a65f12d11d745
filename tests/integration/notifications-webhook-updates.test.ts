import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { getEnv } from "~/server/env";
import { getJobRunner } from "~/server/jobs/send";
import { deliverDue } from "~/server/notifications/deliver";
import { notify } from "~/server/notifications/notify";
import type { DueDelivery } from "~/server/notifications/schedule";
import { signedUpUser } from "../support/callers";
import { uniquePath, useWebhookReceiver } from "./webhooks-helpers";

const receiver = useWebhookReceiver();

/**
 * The webhook channel through the notification layer: a burst's first message and its update
 * are two messages about one notification, so both reach the endpoint, each with its own
 * webhook-id (the update was once queued under the first one's id and silently deduplicated).
 * The channels that interrupt a person carry the burst once: the desktop toast already shown is
 * not shown again, and a mail not sent yet goes once, with the grown count.
 */
describe("notifications on the webhook channel", () => {
  it("a burst's first message and its update both reach the endpoint, as two messages about one notification; the desktop is told once", async () => {
    const { user, caller } = await signedUpUser("notify-hook-burst");
    const path = uniquePath("burst");
    const created = await caller.webhooks.endpoints.create({ url: `${receiver().url}${path}`, description: "burst", kinds: ["sync.conflict_detected"] });
    receiver().useSecret(path, created.secret);
    const db = await getDb();
    const scheduled: DueDelivery[] = [];
    const schedule = async (deliveries: DueDelivery[]) => void scheduled.push(...deliveries);
    const t0 = Date.parse("2026-03-02T10:00:00Z");
    const conflicts = (count: number) => ({ count, conflictIds: Array.from({ length: count }, () => randomUUID()) });

    const first = await notify(db, user.id, "sync.conflict_detected", conflicts(2), { now: new Date(t0), schedule });
    await deliverDue(db, getEnv(), user.id, "webhook", { now: new Date(t0) });
    const second = await notify(db, user.id, "sync.conflict_detected", conflicts(3), { now: new Date(t0 + 60_000), schedule });
    expect(second).toMatchObject({ folded: true, notificationId: first.notificationId });
    const outcomeOf = (channel: string) => second.decisions.find((decision) => decision.channel === channel);
    // The first desktop toast went out inside notify: the fold adds none. Its mail waits for the delivery job: the fold joins it.
    expect(first.delivered.desktop).toBeDefined();
    expect(outcomeOf("desktop")).toMatchObject({ outcome: "drop", reason: "folded", deliverAt: null });
    expect(outcomeOf("email")).toMatchObject({ outcome: "send", reason: "immediate" });
    expect(outcomeOf("webhook")).toMatchObject({ outcome: "hold", reason: "folded" });
    const update = scheduled.filter((delivery) => delivery.channel === "webhook").at(-1)!;
    expect(update.at.toISOString()).toBe(new Date(t0 + 60_000 + 15 * 60_000).toISOString());
    await deliverDue(db, getEnv(), user.id, "webhook", { now: update.at });
    await getJobRunner().idle();

    const got = receiver().at(path);
    expect(got.map((message) => message.verification)).toEqual(["verified", "verified"]);
    expect(new Set(got.map((message) => message.id)).size).toBe(2);
    const bodies = got.map((message) => JSON.parse(message.body) as { data: { id: string; data: { count: number } } });
    expect(bodies.map((body) => body.data.id)).toEqual([first.notificationId, first.notificationId]);
    expect(bodies.map((body) => body.data.data.count)).toEqual([2, 5]);
  });
});
