import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { webhookEndpoints } from "~/server/db/schema";
import { getJobRunner } from "~/server/jobs/send";
import { metrics } from "~/server/metrics/registry";
import { notify } from "~/server/notifications/notify";
import { queueWebhookDeliveries } from "~/server/webhooks/dispatch";
import { signedUpUser } from "../support/callers";
import { listenRealtime } from "../support/realtime";
import { conflictNotification, uniquePath, useWebhookReceiver } from "./webhooks-helpers";

const receiver = useWebhookReceiver("30ms,30ms");

/** A user with one endpoint at a fresh receiver path that knows its secret. */
async function userWithEndpoint(label: string, kinds: ("sync.conflict_detected" | "account.export_ready")[] = ["sync.conflict_detected"]) {
  const account = await signedUpUser(label);
  const path = uniquePath(label);
  const created = await account.caller.webhooks.endpoints.create({ url: `${receiver().url}${path}`, description: label, kinds });
  receiver().useSecret(path, created.secret);
  return { ...account, path, endpoint: created.endpoint, secret: created.secret };
}

async function deliver(userId: string, notification = conflictNotification()) {
  const queued = await queueWebhookDeliveries(await getDb(), userId, notification);
  await getJobRunner().idle();
  return { queued, notification };
}

const counted = async (outcome: string) => (await metrics.webhookDeliveries.get()).values.find((value) => value.labels.outcome === outcome)?.value ?? 0;

describe("outbound webhook deliveries", () => {
  it("sign each delivery per Standard Webhooks: the receiver verifies it with the same package, and the body is the allowlisted payload", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("signed");
    const deliveredBefore = await counted("delivered");
    const started = performance.now();
    const { queued, notification } = await deliver(user.id);
    const elapsedMs = performance.now() - started;

    expect(queued).toEqual({ endpoints: 1 });
    const [got] = receiver().at(path);
    expect(got).toMatchObject({ verification: "verified", id: `msg_${notification.id}`, answeredWith: 200 });
    expect(got!.signature).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(JSON.parse(got!.body)).toEqual({
      type: "sync.conflict_detected",
      timestamp: notification.createdAt,
      data: {
        id: notification.id,
        kind: "sync.conflict_detected",
        title: "A sync conflict needs your choice",
        body: "Two devices changed the same item. Nothing was overwritten: choose which version to keep.",
        href: `http://localhost:3000/conflicts/${(notification.data as { conflictIds: string[] }).conflictIds[0]}`,
        level: "warning",
        data: notification.data,
      },
    });

    const [log] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(log).toMatchObject({ status: "delivered", attempts: 1, eventType: "sync.conflict_detected", log: [{ attempt: 1, outcome: "delivered", responseCode: 200 }] });
    expect(log!.log[0]!.durationMs).toBeLessThanOrEqual(Math.ceil(elapsedMs));
    expect(await counted("delivered")).toBe(deliveredBefore + 1);
  });

  it("carry a notify() of a subscribed kind end to end: one signed delivery, which the receiver verifies", async () => {
    const { user, path, secret } = await userWithEndpoint("notify", ["account.export_ready"]);
    const exportId = randomUUID();
    const { notificationId } = await notify(await getDb(), user.id, "account.export_ready", { exportId, format: "json", bytes: 42 });
    await getJobRunner().idle();

    const [got, ...more] = receiver().at(path);
    expect(more).toHaveLength(0);
    // The webhook-id names the message (a burst's update is another message about the same notification); the body names the notification.
    expect(got).toMatchObject({ verification: "verified", verifiedWith: 0, id: expect.stringMatching(/^msg_[0-9a-f]{32}$/), answeredWith: 200 });
    // Verified here too, with the secret the user was shown, as their own receiver would.
    const verified = new Webhook(secret).verify(got!.body, { "webhook-id": got!.id, "webhook-timestamp": got!.timestamp, "webhook-signature": got!.signature });
    expect(verified).toMatchObject({ type: "account.export_ready", data: { id: notificationId, kind: "account.export_ready", title: "Your data export is ready", data: { exportId, format: "json", bytes: 42 } } });
  });

  it("go only to enabled endpoints subscribed to the kind", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("kinds", ["account.export_ready"]);
    expect((await deliver(user.id)).queued).toEqual({ endpoints: 0 });
    await caller.webhooks.endpoints.update({ id: endpoint.id, kinds: ["sync.conflict_detected"], enabled: false });
    expect((await deliver(user.id)).queued).toEqual({ endpoints: 0 });
    expect(receiver().at(path)).toHaveLength(0);
  });

  it("are one per endpoint when the same notification is queued twice (the sender retried)", async () => {
    const { user, path } = await userWithEndpoint("twice");
    const notification = conflictNotification();
    await deliver(user.id, notification);
    await deliver(user.id, notification);
    expect(receiver().at(path)).toHaveLength(1);
  });

  it("retry a 500 with the same webhook-id until the endpoint answers 2xx, each attempt in the log", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("retry");
    receiver().answer(path, 500, 2);
    const { notification } = await deliver(user.id);

    expect(receiver().at(path).map((r) => [r.answeredWith, r.id, r.verification])).toEqual([
      [500, `msg_${notification.id}`, "verified"],
      [500, `msg_${notification.id}`, "verified"],
      [200, `msg_${notification.id}`, "verified"],
    ]);
    const [log] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(log).toMatchObject({ status: "delivered", attempts: 3 });
    expect(log!.log.map((a) => [a.attempt, a.outcome, a.responseCode])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
      [3, "delivered", 200],
    ]);
    expect(log!.log[0]!.responseBody).toContain("answered 500");
    // A success clears the endpoint's failing streak.
    expect((await caller.webhooks.endpoints.list())[0]).toMatchObject({ enabled: true, failingSince: null, consecutiveFailures: 0 });
  });

  it("give up on an endpoint that does not answer within the timeout, and try again", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("hang");
    receiver().answer(path, "hang", 1);
    await deliver(user.id);
    const [log] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(log!.log.map((a) => [a.outcome, a.responseCode])).toEqual([
      ["failed", null],
      ["delivered", 200],
    ]);
    expect(log!.log[0]!.error).toMatch(/No answer within 0\.5 s/);
    // The attempt was given up at its deadline (WEBHOOK_TIMEOUT_MS 500), not before.
    expect(log!.log[0]!.durationMs).toBeGreaterThanOrEqual(495);
  });

  it("do not follow redirects", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("redirect");
    receiver().answer(path, 301, "always");
    await deliver(user.id);
    const [log] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(log).toMatchObject({ status: "failed", attempts: 3 });
    expect(log!.log[0]).toMatchObject({ outcome: "failed", responseCode: 301, error: "Answered 301: redirects are not followed" });
  });

  it("turn the endpoint off at once on 410 Gone, and tell the user", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("gone");
    receiver().answer(path, 410, 1);
    const realtime = listenRealtime(user.id, { events: ["webhook:endpoint_disabled"] });
    await deliver(user.id);
    realtime.stop();

    expect(receiver().at(path)).toHaveLength(1); // no retry after Gone
    expect((await caller.webhooks.endpoints.list())[0]).toMatchObject({ enabled: false, disabledReason: "gone" });
    expect(realtime.heard).toEqual([{ userId: user.id, event: "webhook:endpoint_disabled", payload: { endpointId: endpoint.id, reason: "gone" } }]);
    // …and in the bell, through the notification layer (not on the webhook channel that just failed).
    const { items } = await caller.notifications.list({ limit: 5 });
    expect(items.find((n) => n.kind === "webhooks.endpoint_disabled")).toMatchObject({ title: `Webhook endpoint turned off: ${new URL(endpoint.url).hostname}`, href: "/settings/webhooks" });
    // Off means off: the next notification goes nowhere.
    expect((await deliver(user.id)).queued).toEqual({ endpoints: 0 });
    // Turned back on by the user, it starts afresh.
    await caller.webhooks.endpoints.update({ id: endpoint.id, enabled: true });
    expect((await caller.webhooks.endpoints.list())[0]).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
  });

  it("turn off an endpoint whose deliveries keep failing, and tell the user", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("failing");
    receiver().answer(path, 500, "always");
    const realtime = listenRealtime(user.id, { events: ["webhook:endpoint_disabled"] });
    for (let i = 1; i <= 4; i++) await deliver(user.id);
    expect((await caller.webhooks.endpoints.list())[0]).toMatchObject({ enabled: true, consecutiveFailures: 4 });
    await deliver(user.id);
    realtime.stop();

    expect(receiver().at(path)).toHaveLength(5 * 3); // every delivery had its three attempts
    const [after] = await caller.webhooks.endpoints.list();
    expect(after).toMatchObject({ enabled: false, disabledReason: "failing", consecutiveFailures: 5 });
    const deliveries = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    // Failing since the very first failed attempt: set once, not moved on by each later failure.
    expect(after!.failingSince).toEqual(deliveries.at(-1)!.log[0]!.startedAt);
    expect(realtime.heard).toEqual([
      { userId: user.id, event: "webhook:endpoint_disabled", payload: { endpointId: endpoint.id, reason: "failing" } },
    ]);
    expect((await caller.notifications.list()).items.filter((n) => n.kind === "webhooks.endpoint_disabled")).toHaveLength(1);
    expect(deliveries.map((d) => d.status)).toEqual(["failed", "failed", "failed", "failed", "failed"]);
  });

  it("turn off an endpoint that has failed every attempt for a day", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("day");
    receiver().answer(path, 503, "always");
    await (await getDb())
      .update(webhookEndpoints)
      .set({ failingSince: new Date(Date.now() - 25 * 60 * 60 * 1000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    await deliver(user.id);
    expect(receiver().at(path)).toHaveLength(1);
    expect((await caller.webhooks.endpoints.list())[0]).toMatchObject({ enabled: false, disabledReason: "failing" });
  });

  it("send a signed test message on request, shown in the delivery log", async () => {
    const { caller, path, endpoint } = await userWithEndpoint("test");
    const { deliveryId } = await caller.webhooks.endpoints.test({ id: endpoint.id });
    await getJobRunner().idle();
    const [got] = receiver().at(path);
    expect(got).toMatchObject({ verification: "verified" });
    expect(JSON.parse(got!.body)).toMatchObject({ type: "webhook.test", data: { kind: "webhook.test", title: "Test delivery from DevPulse Cloud" } });
    expect(await caller.webhooks.deliveries.list({ endpointId: endpoint.id })).toMatchObject([{ id: deliveryId, status: "delivered", eventType: "webhook.test" }]);
  });

  it("redeliver a message as a new delivery with the same webhook-id, signed anew", async () => {
    const { user, caller, path, endpoint } = await userWithEndpoint("redeliver");
    receiver().answer(path, 500, "always");
    await deliver(user.id);
    receiver().reset(path);
    const [failed] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(failed).toMatchObject({ status: "failed" });

    const { deliveryId } = await caller.webhooks.deliveries.redeliver({ deliveryId: failed!.id });
    await getJobRunner().idle();
    const [again, original] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(again).toMatchObject({ id: deliveryId, status: "delivered", redeliveryOf: failed!.id, messageId: failed!.messageId });
    expect(original).toMatchObject({ id: failed!.id, status: "failed" });
    const received = receiver().at(path);
    expect(received.at(-1)).toMatchObject({ id: failed!.messageId, verification: "verified", answeredWith: 200 });
    expect(received.at(-1)!.body).toBe(received[0]!.body);
  });
});

describe("signing secret rotation", () => {
  it("signs with both secrets during the grace period, then with the new one only", async () => {
    const { user, caller, path, endpoint, secret: oldSecret } = await userWithEndpoint("rotate");
    const rotated = await caller.webhooks.endpoints.rotateSecret({ id: endpoint.id });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.previousSecretExpiresAt.getTime()).toBeGreaterThan(Date.now() + 23 * 60 * 60 * 1000);
    expect((await caller.webhooks.endpoints.list())[0]!.previousSecretExpiresAt).toEqual(rotated.previousSecretExpiresAt);

    // A receiver that switched to the new secret verifies; one still on the old secret does too.
    receiver().useSecret(path, rotated.secret);
    await deliver(user.id);
    const first = receiver().at(path).at(-1)!;
    expect(first.verification).toBe("verified");
    expect(first.signature.split(" ")).toHaveLength(2);
    const headers = { "webhook-id": first.id, "webhook-timestamp": first.timestamp, "webhook-signature": first.signature };
    expect(() => new Webhook(oldSecret).verify(first.body, headers)).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(first.body, headers)).not.toThrow();

    // The grace period over, the old secret no longer verifies.
    await (await getDb())
      .update(webhookEndpoints)
      .set({ previousSecretExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    receiver().useSecret(path, oldSecret);
    await deliver(user.id);
    const second = receiver().at(path).at(-1)!;
    expect(second.verification).toBe("unverified");
    expect(second.signature.split(" ")).toHaveLength(1);
    expect(() =>
      new Webhook(rotated.secret).verify(second.body, { "webhook-id": second.id, "webhook-timestamp": second.timestamp, "webhook-signature": second.signature }),
    ).not.toThrow();
    expect((await caller.webhooks.endpoints.list())[0]!.previousSecretExpiresAt).toBeNull();
  });

  it("never returns or stores a secret in the clear outside create and rotate", async () => {
    const { caller, endpoint, secret } = await userWithEndpoint("secret");
    const listed = JSON.stringify(await caller.webhooks.endpoints.list());
    expect(listed).not.toContain("whsec_");
    expect(listed).not.toContain("tv1.");
    const updated = JSON.stringify(await caller.webhooks.endpoints.update({ id: endpoint.id, description: "renamed" }));
    expect(updated).not.toContain("whsec_");
    const [row] = await (await getDb()).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
    expect(row!.secret).toMatch(/^tv1\./);
    expect(row!.secret).not.toContain(secret.slice(6));
  });
});

describe("the Standard Webhooks receiver double", () => {
  it("shows what it received escaped on its page, never as markup", async () => {
    const path = uniquePath("escape");
    await fetch(`${receiver().url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"title":"<script>alert(1)</script> & co"}' });
    const page = await (await fetch(receiver().url)).text();
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co");
    expect(page).not.toContain("<script>");
  });
});
