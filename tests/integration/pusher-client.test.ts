import { createHmac, randomUUID } from "node:crypto";
import Pusher from "pusher";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { createDevPulseClient, openRealtime, RealtimeSubscriptionError, type RealtimeEvent, type RealtimeSubscription } from "~/client";
import { userChannel } from "~/lib/realtime/channels";
import { realtimeEvents } from "~/lib/realtime/events";
import { parseEnv } from "~/server/env";
import { switchPusherTransport } from "~/server/realtime/pusher";
import { startPusherDouble, type PusherDouble } from "../doubles/pusher/server";
import { callerFor, connectDevice, signedUpUser, syncingUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { NOTIFICATION_TRAFFIC } from "../support/realtime";
import { change, push } from "../support/sync";

const app = { appId: "4343", key: "client-test-key", secret: "client-test-secret-of-the-app" };

/** Subscriptions and sockets a test opened, closed after it whether it passed or not. */
const opened: Array<{ unsubscribe(): void }> = [];
afterEach(() => {
  for (const subscription of opened.splice(0)) subscription.unsubscribe();
});

/** A user with a listening device (its SDK client) and a writing device (a caller speaking as it). */
async function userWithListener(label: string, fetch: typeof globalThis.fetch = routeFetch()) {
  const { user, caller } = await syncingUser(label);
  const listener = await connectDevice(caller, "listener");
  const writer = await connectDevice(caller, "writer");
  return {
    user,
    listenerToken: listener.token,
    client: createDevPulseClient({ url: TEST_BASE_URL, token: listener.token, fetch }),
    writer: { id: writer.deviceId, caller: await callerFor(user, { id: writer.deviceId, name: "writer" }) },
  };
}

/** Collects what a subscription hears, and when it is ready. */
function recorder() {
  const events: RealtimeEvent[] = [];
  const errors: Error[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  return { events, errors, ready, handler: (event: RealtimeEvent) => void events.push(event), options: { onReady: () => markReady(), onError: (error: Error) => void errors.push(error) } };
}

describe("client.realtime.subscribe over Pusher (pusher-js against the Pusher double)", () => {
  let double: PusherDouble;
  let restoreTransport: () => void;
  let serverSdk: Pusher;
  beforeAll(async () => {
    double = await startPusherDouble(app);
    // The app in this process publishes to and authorises for the double, until afterAll.
    const env = { PUSHER_APP_ID: app.appId, PUSHER_KEY: app.key, PUSHER_SECRET: app.secret, PUSHER_HOST: "127.0.0.1", PUSHER_PORT: String(double.port), PUSHER_USE_TLS: "false" };
    restoreTransport = switchPusherTransport(parseEnv(env));
    serverSdk = new Pusher({ ...app, host: "127.0.0.1", port: String(double.port), useTLS: false });
  });
  afterAll(async () => {
    restoreTransport?.();
    await double?.close();
  });

  it("tells a device how to connect, with the public key and its own channel only", async () => {
    const { user, client } = await userWithListener("pusher-info");
    const connection = await client.realtime.connection.query();
    expect(connection).toEqual({ transport: "pusher", key: app.key, channel: userChannel(user.id), wsHost: "127.0.0.1", wsPort: double.port, forceTLS: false });
    expect(JSON.stringify(connection)).not.toContain(app.secret);
  });

  it("a device hears another device's sync end to end: app → Pusher REST → WebSocket → pusher-js → handler", async () => {
    const authRequests: Request[] = [];
    const fetch = routeFetch();
    const spyingFetch: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      if (new URL(request.url).pathname === "/api/pusher/auth") authRequests.push(request.clone());
      return fetch(request);
    };
    const { user, client, writer } = await userWithListener("pusher-sdk", spyingFetch);
    const heard = recorder();
    const subscription = await client.realtime.subscribe(heard.handler, heard.options);
    opened.push(subscription);
    expect(subscription.transport).toBe("pusher");
    await heard.ready;

    // pusher-js asked the app's auth route, as the device, for exactly its own channel
    expect(authRequests).toHaveLength(1);
    expect(authRequests[0]!.headers.get("authorization")).toMatch(/^Bearer /);
    const form = new URLSearchParams(await authRequests[0]!.text());
    expect(form.get("channel_name")).toBe(userChannel(user.id));
    expect([...double.subscriptions().entries()]).toContainEqual([form.get("socket_id"), [userChannel(user.id)]]);

    const { cursor } = await push(writer, [change(`p-${randomUUID().slice(0, 8)}`, null, "from the writer")]);
    // The user's own notification traffic (the devices just signed in) may arrive too, at any moment.
    const heardOtherThanNotifications = () => heard.events.filter((e) => !NOTIFICATION_TRAFFIC.includes(e.event));
    await vi.waitFor(() => expect(heardOtherThanNotifications()).toHaveLength(1), { timeout: 5_000 });
    const [event] = heardOtherThanNotifications();
    expect(event).toEqual({ event: "sync:changed", payload: { cursor, changes: 1, sourceDeviceId: writer.id } });
    expect(realtimeEvents["sync:changed"].safeParse(event!.payload).success).toBe(true);
    expect(double.events).toContainEqual(expect.objectContaining({ name: "sync:changed", channels: [userChannel(user.id)] }));
    expect(heard.errors).toEqual([]);
  });

  it("reports a dropped connection as an interruption, and is ready again (with events) once pusher-js reconnects", async () => {
    const { client, writer } = await userWithListener("pusher-drop");
    const log: string[] = [];
    const heard = recorder();
    const subscription = await client.realtime.subscribe(heard.handler, {
      onReady: () => log.push("ready"),
      onInterrupted: () => log.push("interrupted"),
    });
    opened.push(subscription);
    await vi.waitFor(() => expect(log).toEqual(["ready"]), { timeout: 5_000 });
    double.dropConnections();
    await vi.waitFor(() => expect(log).toContain("interrupted"), { timeout: 10_000 });
    await vi.waitFor(() => expect(log.at(-1)).toBe("ready"), { timeout: 15_000 });
    await push(writer, [change(`drop-${randomUUID().slice(0, 8)}`, null, "after the reconnection")]);
    // (The new-device notices of the user's sign-up arrive on the same channel too; this is about the push.)
    await vi.waitFor(() => expect(heard.events.filter((e) => e.event === "sync:changed")).toHaveLength(1), { timeout: 5_000 });
  }, 40_000);

  it("passes on only catalog events with valid payloads, and only the ones asked for", async () => {
    const { user, client } = await userWithListener("pusher-filter");
    const all = recorder();
    const onlyNotifications = recorder();
    opened.push(await client.realtime.subscribe(all.handler, all.options));
    opened.push(await client.realtime.subscribe(onlyNotifications.handler, { ...onlyNotifications.options, events: ["notification:new"] }));
    await Promise.all([all.ready, onlyNotifications.ready]);

    const channel = userChannel(user.id);
    // Straight through Pusher, past the app's own validation: what a compromised or newer publisher could send.
    await serverSdk.trigger(channel, "evil:event", { steal: "cookies" });
    await serverSdk.trigger(channel, "sync:changed", { cursor: -1, changes: 1, sourceDeviceId: null });
    await serverSdk.trigger(channel, "notification:new", { id: "n1", title: "x".repeat(121), level: "info" });
    await serverSdk.trigger(channel, "sync:changed", { cursor: 4, changes: 1, sourceDeviceId: null });
    await serverSdk.trigger(channel, "notification:new", { id: "n2", title: "Report ready", level: "info", href: "/dashboard" });

    const expected = { event: "notification:new", payload: { id: "n2", title: "Report ready", level: "info", href: "/dashboard" } };
    await vi.waitFor(() => expect(all.events).toContainEqual(expected), { timeout: 5_000 });
    await vi.waitFor(() => expect(onlyNotifications.events).toContainEqual(expected), { timeout: 5_000 });
    // one socket delivers in order: everything sent before the last event has been seen by now. The user's own
    // background activity (the new-device notice of setting up the listener, its delivery run) may interleave: left out.
    const triggered = (events: typeof all.events) => events.filter((e) => e.event === "sync:changed" || (e.event === "notification:new" && ["n1", "n2"].includes(e.payload.id)));
    expect(triggered(all.events)).toEqual([{ event: "sync:changed", payload: { cursor: 4, changes: 1, sourceDeviceId: null } }, expected]);
    expect(triggered(onlyNotifications.events)).toEqual([expected]);
    expect(onlyNotifications.events.every((e) => e.event === "notification:new")).toBe(true);
    expect([...all.errors, ...onlyNotifications.errors]).toEqual([]);
  });

  it("a handler that throws is reported and does not stop later events", async () => {
    const { user, client } = await userWithListener("pusher-throws");
    const errors: Error[] = [];
    const seen: number[] = [];
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const subscription = await client.realtime.subscribe(
      (event) => {
        if (event.event !== "sync:changed") return;
        seen.push(event.payload.cursor);
        if (event.payload.cursor === 1) throw new Error("handler bug");
      },
      { onReady: () => markReady(), onError: (error) => void errors.push(error) },
    );
    opened.push(subscription);
    await ready;
    await serverSdk.trigger(userChannel(user.id), "sync:changed", { cursor: 1, changes: 1, sourceDeviceId: null });
    await serverSdk.trigger(userChannel(user.id), "sync:changed", { cursor: 2, changes: 1, sourceDeviceId: null });
    await vi.waitFor(() => expect(seen).toEqual([1, 2]), { timeout: 5_000 });
    expect(errors.map((e) => e.message)).toEqual(["handler bug"]);
  });

  it("pusher-js cannot join another user's channel: the app refuses to sign it (403) and the double never subscribes it", async () => {
    const alice = await userWithListener("pusher-alice");
    const bob = await signedUpUser("pusher-bob");
    const ownConnection = await alice.client.realtime.connection.query();
    if (ownConnection.transport !== "pusher") throw new Error("expected the Pusher transport");
    const heard = recorder();
    const subscription = openRealtime(
      { client: alice.client, baseUrl: TEST_BASE_URL, authHeaders: () => ({ authorization: `Bearer ${alice.listenerToken}` }), fetch: routeFetch() },
      { ...ownConnection, channel: userChannel(bob.user.id) },
      heard.handler,
      heard.options,
    );
    opened.push(subscription);

    await vi.waitFor(() => expect(heard.errors).toHaveLength(1), { timeout: 5_000 });
    expect(heard.errors[0]).toBeInstanceOf(RealtimeSubscriptionError);
    expect(heard.errors[0]).toMatchObject({ status: 403, message: expect.stringMatching(/only subscribe to your own channel/) });
    expect([...double.subscriptions().values()].flat()).not.toContain(userChannel(bob.user.id));

    await serverSdk.trigger(userChannel(bob.user.id), "notification:new", { id: "n1", title: "For Bob only", level: "info" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard.events).toEqual([]);
  });

  it("the SDK reports a refused device token instead of connecting", async () => {
    const client = createDevPulseClient({ url: TEST_BASE_URL, token: "dp_not-a-real-token", fetch: routeFetch() });
    await expect(client.realtime.subscribe(() => {})).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });

  describe("the double's WebSocket side, spoken to directly", () => {
    type Frame = { event: string; channel?: string; data?: unknown };
    async function rawSocket(key = app.key) {
      const ws = new WebSocket(`ws://127.0.0.1:${double.port}/app/${key}?protocol=7&client=test&version=1`);
      opened.push({ unsubscribe: () => ws.terminate() });
      const frames: Frame[] = [];
      ws.on("message", (raw) => frames.push(JSON.parse(raw.toString()) as Frame));
      const closed = new Promise<number>((resolve) => ws.on("close", resolve));
      await new Promise<void>((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const next = async (event: string) => {
        await vi.waitFor(() => expect(frames.map((f) => f.event)).toContain(event), { timeout: 5_000 });
        return frames.splice(frames.findIndex((f) => f.event === event), 1)[0]!;
      };
      return { ws, frames, next, closed, send: (frame: Frame) => ws.send(JSON.stringify(frame)) };
    }
    const sign = (secret: string, socketId: string, channel: string) => `${app.key}:${createHmac("sha256", secret).update(`${socketId}:${channel}`).digest("hex")}`;

    it("establishes the connection, answers pings, and refuses a forged channel signature", async () => {
      const socket = await rawSocket();
      const established = await socket.next("pusher:connection_established");
      expect(typeof established.data).toBe("string"); // protocol 7: data is a JSON string
      const { socket_id: socketId, activity_timeout } = JSON.parse(established.data as string) as { socket_id: string; activity_timeout: number };
      expect(socketId).toMatch(/^\d+\.\d+$/);
      expect(activity_timeout).toBeGreaterThan(0);

      socket.send({ event: "pusher:ping", data: {} });
      await socket.next("pusher:pong");

      const victim = userChannel(randomUUID());
      socket.send({ event: "pusher:subscribe", data: { channel: victim, auth: sign("a-guessed-secret", socketId, victim) } });
      const refusal = await socket.next("pusher:subscription_error");
      expect(refusal).toMatchObject({ channel: victim, data: { type: "AuthError", status: 401 } });
      expect(double.refusedSubscriptions).toContainEqual(expect.objectContaining({ socketId, channel: victim }));

      // the same socket, correctly signed, is let into another private channel: the refusal was the signature
      const own = userChannel(randomUUID());
      socket.send({ event: "pusher:subscribe", data: { channel: own, auth: sign(app.secret, socketId, own) } });
      expect(await socket.next("pusher_internal:subscription_succeeded")).toMatchObject({ channel: own });

      await serverSdk.trigger(victim, "notification:new", { id: "n1", title: "secret", level: "info" });
      await serverSdk.trigger(own, "notification:new", { id: "n2", title: "mine", level: "info" });
      const delivered = await socket.next("notification:new");
      // delivery is in order, so the victim's event, sent first, would have arrived first
      expect(delivered).toEqual({ event: "notification:new", channel: own, data: JSON.stringify({ id: "n2", title: "mine", level: "info" }) });
      expect(socket.frames.filter((f) => f.channel === victim)).toEqual([]);
    });

    it("closes connections for an unknown app key with Pusher's error 4001", async () => {
      const socket = await rawSocket("not-the-key");
      const error = await socket.next("pusher:error");
      expect(error.data).toMatchObject({ code: 4001 });
      expect(await socket.closed).toBe(4001);
    });
  });
});

describe("client.realtime.subscribe without Pusher (server-sent events)", () => {
  let restoreTransport: () => void;
  beforeAll(() => {
    restoreTransport = switchPusherTransport(parseEnv({}));
  });
  afterAll(() => restoreTransport?.());

  it("falls back to the SSE subscription and delivers validated events", async () => {
    const { client, writer } = await userWithListener("sse-sdk");
    expect(await client.realtime.connection.query()).toEqual({ transport: "sse" });
    const heard = recorder();
    const subscription: RealtimeSubscription = await client.realtime.subscribe(heard.handler, { ...heard.options, events: ["sync:changed"] });
    opened.push(subscription);
    expect(subscription.transport).toBe("sse");
    await heard.ready;
    // the stream may still be registering on the server after it opened: push until one is heard
    for (let attempt = 1; heard.events.length === 0 && attempt <= 20; attempt++) {
      await push(writer, [change(`sse-${attempt}`, null, "x")]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(heard.events[0]).toMatchObject({ event: "sync:changed", payload: { changes: 1, sourceDeviceId: writer.id } });
    expect(heard.events.every((e) => e.event === "sync:changed")).toBe(true);
    expect(heard.errors).toEqual([]);
  });
});
