import { createHmac } from "node:crypto";
import Pusher from "pusher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as pusherAuth } from "~/app/api/pusher/auth/route";
import { userChannel } from "~/lib/realtime/channels";
import { parseEnv } from "~/server/env";
import { authorizeUserChannel, createPusherPublisher, pusherFromEnv } from "~/server/realtime/pusher";
import { startPusherDouble } from "../doubles/pusher/server";

const app = { appId: "4242", key: "test-key", secret: "test-secret-of-the-pusher-app" };

describe("Pusher publisher against a double of Pusher's HTTP API", () => {
  let double: Awaited<ReturnType<typeof startPusherDouble>>;
  beforeAll(async () => {
    double = await startPusherDouble(app);
  });
  afterAll(() => double.close());

  const pusherWith = (secret: string) => new Pusher({ ...app, secret, host: "127.0.0.1", port: String(double.port), useTLS: false });

  it("triggers the event on the user's private channel with a signature Pusher accepts", async () => {
    await createPusherPublisher(pusherWith(app.secret)).publish("user-1", "sync:changed", { cursor: 7, changes: 2, sourceDeviceId: "device-1" });
    expect(double.rejected).toEqual([]);
    expect(double.events).toContainEqual({
      name: "sync:changed",
      channels: [userChannel("user-1")],
      data: JSON.stringify({ cursor: 7, changes: 2, sourceDeviceId: "device-1" }),
    });
  });

  it("fails loudly when Pusher refuses the signature (wrong secret)", async () => {
    const before = double.events.length;
    await expect(createPusherPublisher(pusherWith("not-the-secret")).publish("user-1", "sync:changed", { cursor: 1, changes: 1, sourceDeviceId: null })).rejects.toThrow();
    expect(double.rejected.at(-1)).toBe("Invalid signature");
    expect(double.events).toHaveLength(before);
  });

  it("refuses payloads that do not match the event catalog", async () => {
    const before = double.events.length;
    await expect(createPusherPublisher(pusherWith(app.secret)).publish("user-1", "sync:changed", { cursor: -1 } as never)).rejects.toThrow(/cursor/);
    expect(double.events).toHaveLength(before);
  });

  it("is configured from the environment, by cluster or by host", () => {
    expect(pusherFromEnv(parseEnv({}))).toBeUndefined();
    expect(pusherFromEnv(parseEnv({ PUSHER_APP_ID: "1", PUSHER_KEY: "k", PUSHER_SECRET: "s", PUSHER_CLUSTER: "eu" }))).toBeInstanceOf(Pusher);
    expect(pusherFromEnv(parseEnv({ PUSHER_APP_ID: "1", PUSHER_KEY: "k", PUSHER_SECRET: "s", PUSHER_HOST: "127.0.0.1", PUSHER_PORT: "6001", PUSHER_USE_TLS: "false" }))).toBeInstanceOf(Pusher);
    expect(() => parseEnv({ PUSHER_KEY: "k" })).toThrow(/PUSHER_APP_ID: is required[\s\S]*PUSHER_SECRET: is required[\s\S]*PUSHER_CLUSTER/);
  });
});

describe("channel authorisation for pusher-js", () => {
  const pusher = new Pusher({ ...app, cluster: "eu" });

  it("signs the caller's own private channel as Pusher documents (HMAC-SHA256 of socket_id:channel)", () => {
    const socketId = "1234.5678";
    const channel = userChannel("alice");
    const { auth } = authorizeUserChannel(pusher, "alice", { socketId, channelName: channel });
    const expected = createHmac("sha256", app.secret).update(`${socketId}:${channel}`).digest("hex");
    expect(auth).toBe(`${app.key}:${expected}`);
  });

  it("refuses another user's channel, anonymous callers and malformed sockets", () => {
    expect(() => authorizeUserChannel(pusher, "mallory", { socketId: "1.2", channelName: userChannel("alice") })).toThrow(/only subscribe to your own channel/);
    expect(() => authorizeUserChannel(pusher, null, { socketId: "1.2", channelName: userChannel("alice") })).toThrow(/Sign in/);
    expect(() => authorizeUserChannel(pusher, "alice", { socketId: "nope", channelName: userChannel("alice") })).toThrow(/socket_id/);
  });

  it("the endpoint says so when Pusher is not configured (the in-process transport is in use)", async () => {
    const response = await pusherAuth(
      new Request("http://localhost:3000/api/pusher/auth", { method: "POST", body: "socket_id=1.2&channel_name=private-user-x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    expect(response.status).toBe(404);
  });
});
