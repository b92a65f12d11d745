import { afterEach, describe, expect, it } from "vitest";
import { CLIENT_HEADER } from "~/lib/client-header";
import { getLocalPublisher } from "~/server/realtime/publisher";
import { openRealtimeStreamCount } from "~/server/realtime/user-events";
import { connectDevice, sessionCookieFor, syncingUser } from "../support/callers";
import { handleTrpcRequest } from "~/server/api/trpc-handler";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { NOTIFICATION_TRAFFIC } from "../support/realtime";
import { readEventStream } from "../support/event-stream";
import { until } from "../support/until";

/**
 * `GET /api/trpc/realtime.events` is written by server/api/realtime-events.ts, not by tRPC's own SSE
 * producer. It must say exactly what tRPC says for the same request, so tRPC's clients read it
 * unchanged: tRPC's fetch handler, configured as the route configures it, is the reference.
 */
const viaTrpc = handleTrpcRequest;
const viaRoute = routeFetch();

const EVENTS_URL = `${TEST_BASE_URL}/api/trpc/realtime.events`;

/** An open event stream, read as text as it arrives. */
type OpenStream = { response: Response; text: () => string; waitFor: (part: string) => Promise<void>; ended: Promise<void>; close: () => void };
const opened: OpenStream[] = [];
afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
});

async function open(send: (request: Request) => Promise<Response>, headers: Record<string, string>): Promise<OpenStream> {
  const hangUp = new AbortController();
  const response = await send(new Request(EVENTS_URL, { headers: { accept: "text/event-stream", ...headers }, signal: hangUp.signal }));
  const reading = readEventStream(response);
  const stream: OpenStream = {
    response,
    ...reading,
    close: () => {
      hangUp.abort();
      reading.cancel();
    },
  };
  opened.push(stream);
  return stream;
}

const changed = (cursor: number) => ({ cursor, changes: 1, sourceDeviceId: null });

async function listener(label: string) {
  const { user, caller } = await syncingUser(label);
  const { token } = await connectDevice(caller, "listener");
  return { user, authorization: `Bearer ${token}` };
}

describe("GET /api/trpc/realtime.events, as tRPC's own SSE handler answers it", () => {
  // The first sign-up of a run warms the whole server up: seconds on a busy machine.
  it("sends the same headers, `connected` event and event bytes, for a device token and a session cookie", { timeout: 60_000 }, async () => {
    const { user, authorization } = await listener("sse-wire");
    const cookie = await sessionCookieFor(user);
    const credentialsOfEachKind: Array<Record<string, string>> = [{ authorization }, { cookie }];
    for (const credentials of credentialsOfEachKind) {
      const reference = await open(viaTrpc, credentials);
      const ours = await open(viaRoute, credentials);
      await reference.waitFor("event: connected");
      await ours.waitFor("event: connected");
      // tRPC subscribes only after `connected` is out; ours before: wait until both listen.
      await until(() => getLocalPublisher().listenerCount(user.id), (count) => count === 2, 10_000, 10);

      await getLocalPublisher().publish(user.id, "sync:changed", changed(41));
      await getLocalPublisher().publish(user.id, "device:changed", { deviceId: "5b0c1a4e-0000-4000-8000-000000000001", change: "revoked" });
      await reference.waitFor('"revoked"');
      await ours.waitFor('"revoked"');

      // The user's own notification traffic (the device they just connected) may come too, at any moment.
      const framesOf = (text: string) => text.split("\n\n\n").filter((frame) => !NOTIFICATION_TRAFFIC.some((event) => frame.includes(`"event":"${event}"`)));
      expect(framesOf(ours.text())).toEqual(framesOf(reference.text()));
      expect(framesOf(ours.text())).toEqual([
        "event: connected\ndata: {}",
        'data: {"json":{"event":"sync:changed","payload":{"cursor":41,"changes":1,"sourceDeviceId":null}}}',
        'data: {"json":{"event":"device:changed","payload":{"deviceId":"5b0c1a4e-0000-4000-8000-000000000001","change":"revoked"}}}',
        "",
      ]);
      expect(ours.response.status).toBe(reference.response.status);
      expect([...ours.response.headers]).toEqual([...reference.response.headers]);

      reference.close();
      ours.close();
      await ours.ended;
      await until(() => getLocalPublisher().listenerCount(user.id), (count) => count === 0, 10_000, 10);
    }
  });

  it("refuses as tRPC does: `connected`, then tRPC's error shape in a `serialized-error` event, HTTP 200", async () => {
    const refusals: Array<{ why: string; headers: Record<string, string>; code: string }> = [
      { why: "no credentials", headers: {}, code: "UNAUTHORIZED" },
      { why: "an unusable device token", headers: { authorization: "Bearer dp_not-a-real-token" }, code: "UNAUTHORIZED" },
      { why: "a malformed client header", headers: { authorization: "Bearer dp_not-a-real-token", [CLIENT_HEADER]: "no version here" }, code: "" },
    ];
    for (const refusal of refusals) {
      const reference = await open(viaTrpc, refusal.headers);
      const ours = await open(viaRoute, refusal.headers);
      await Promise.all([reference.ended, ours.ended]);
      expect(ours.text(), refusal.why).toBe(reference.text());
      expect(ours.text(), refusal.why).toMatch(/^event: connected\ndata: \{\}\n\n\nevent: serialized-error\ndata: \{"json":\{"message":.*\}\n\n\n$/);
      if (refusal.code) expect(ours.text(), refusal.why).toContain(`"code":"${refusal.code}"`);
      expect(ours.response.status, refusal.why).toBe(200);
      expect([...ours.response.headers], refusal.why).toEqual([...reference.response.headers]);
    }
  });
});

describe("realtime.events streams over the route", () => {
  it("carry each user's events to that user's streams only", async () => {
    const alice = await listener("sse-alice");
    const bob = await listener("sse-bob");
    const alices = [await open(viaRoute, { authorization: alice.authorization }), await open(viaRoute, { authorization: alice.authorization })];
    const bobs = await open(viaRoute, { authorization: bob.authorization });
    for (const stream of [...alices, bobs]) await stream.waitFor("event: connected");

    await getLocalPublisher().publish(alice.user.id, "sync:changed", changed(7));
    await getLocalPublisher().publish(bob.user.id, "sync:changed", changed(8));
    for (const stream of alices) await stream.waitFor('"cursor":7');
    await bobs.waitFor('"cursor":8');

    for (const stream of alices) expect(stream.text()).not.toContain('"cursor":8');
    expect(bobs.text()).not.toContain('"cursor":7');
  });

  it("end quietly when the reader cancels first and the request aborts after", async () => {
    const { user, authorization } = await listener("sse-cancel-first");
    const thrown: unknown[] = [];
    const onThrown = (error: unknown) => thrown.push(error);
    process.on("uncaughtException", onThrown);
    try {
      const hangUp = new AbortController();
      const response = await viaRoute(new Request(EVENTS_URL, { headers: { accept: "text/event-stream", authorization }, signal: hangUp.signal }));
      const reading = readEventStream(response);
      await reading.waitFor("event: connected");
      reading.cancel();
      await until(() => getLocalPublisher().listenerCount(user.id), (count) => count === 0, 10_000, 10);
      hangUp.abort(); // the closed stream must not be closed again (it threw "Controller is already closed")
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("uncaughtException", onThrown);
    }
    expect(thrown).toEqual([]);
  });

  it("count as open streams while open, and leave no listener behind when they close", async () => {
    const { user, authorization } = await listener("sse-count");
    const before = openRealtimeStreamCount();
    const streams = [await open(viaRoute, { authorization }), await open(viaRoute, { authorization })];
    for (const stream of streams) await stream.waitFor("event: connected");
    expect(openRealtimeStreamCount()).toBe(before + 2);
    expect(getLocalPublisher().listenerCount(user.id)).toBe(2);

    streams[0]!.close();
    await until(() => openRealtimeStreamCount(), (count) => count === before + 1, 10_000, 10);
    expect(getLocalPublisher().listenerCount(user.id)).toBe(1);
    streams[1]!.close();
    await until(() => openRealtimeStreamCount(), (count) => count === before, 10_000, 10);
    expect(getLocalPublisher().listenerCount(user.id)).toBe(0);
  });
});
