import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createDevPulseClient, openRealtime } from "~/client";
import { anonymousCaller, callerFor, connectDevice, errorOf, signedUpUser, syncingUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { change, push, userWithDevices } from "../support/sync";

/** The in-process transport through the real `realtime.events` subscription procedure. */
describe("realtime.events", () => {
  it("streams the caller's own events, and never another user's", async () => {
    const alice = await userWithDevices("rt-alice");
    const bob = await userWithDevices("rt-bob");
    const stream = await alice.caller.realtime.events();
    const received: Array<{ event: string; payload: unknown }> = [];
    const reading = (async () => {
      for await (const message of stream) {
        if (!message.event.startsWith("sync:")) continue; // the user's own notices (new devices) and their delivery runs
        received.push(message);
        if (received.length === 2) break; // ends the generator, which unsubscribes
      }
    })();

    await push(bob.laptop, [change(`b-${randomUUID().slice(0, 8)}`, null, "bob's")]); // must not reach Alice
    await push(alice.laptop, [change("p1", null, "a")]);
    await push(alice.desktop, [change("p1", null, "b")]); // conflicts
    await reading;

    expect(received.map((m) => m.event)).toEqual(["sync:changed", "sync:conflict"]);
    expect(received[0]!.payload).toMatchObject({ changes: 1, sourceDeviceId: alice.laptop.id });
  });

  it("refuses anonymous subscribers", async () => {
    const anonymous = await anonymousCaller();
    await expect(errorOf(async () => anonymous.realtime.events())).resolves.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("client.realtime.events.subscribe (the SDK, over server-sent events)", () => {
  it("delivers the user's events to a desktop client authenticated by its device token", async () => {
    const { user, caller } = await syncingUser("sse");
    const listener = await connectDevice(caller, "listener");
    const writer = await connectDevice(caller, "writer");
    const client = createDevPulseClient({ url: TEST_BASE_URL, token: listener.token, fetch: routeFetch() });

    const received = new Promise<{ event: string; payload: unknown }>((resolve, reject) => {
      const subscription = client.realtime.events.subscribe(undefined, {
        onData: (message) => {
          if (message.event !== "sync:changed") return; // the user's own notices (new devices) and their delivery runs come too
          subscription.unsubscribe();
          resolve(message);
        },
        onError: reject,
      });
    });
    // the stream may still be opening: push until the listener hears one (each push is a new record)
    const writerDevice = { id: writer.deviceId, caller: await callerFor(user, { id: writer.deviceId, name: "writer" }) };
    let heard: { event: string; payload: unknown } | undefined;
    void received.then((message) => (heard = message));
    for (let attempt = 1; !heard && attempt <= 20; attempt++) {
      await push(writerDevice, [change(`p${attempt}`, null, "x")]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await received).toMatchObject({ event: "sync:changed", payload: { changes: 1, sourceDeviceId: writer.deviceId } });
  });
});

/** A fetch to the app whose realtime stream can be cut (open streams error, new ones fail) and restored. */
function cuttableFetch(failure: "network" | "http-502") {
  const base = routeFetch();
  const open = new Set<(reason: Error) => void>();
  let down = false;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.includes("/realtime.events")) return base(input, init);
    if (down) return failure === "network" ? Promise.reject(new TypeError("fetch failed")) : new Response("Bad gateway", { status: 502 });
    const response = await base(input, init);
    const reader = response.body!.getReader();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        open.add((reason) => {
          controller.error(reason);
          void reader.cancel(reason).catch(() => undefined);
        });
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return {
    fetch,
    cut() {
      down = true;
      for (const breakStream of open) breakStream(new TypeError("network connection lost"));
      open.clear();
    },
    restore() {
      down = false;
    },
  };
}

describe("openRealtime over server-sent events when the stream fails", () => {
  for (const failure of ["network", "http-502"] as const) {
    it(`reports the interruption (${failure}) and is ready again, with new events, once the stream is back`, async () => {
      const { user, caller } = await syncingUser(`sse-cut-${failure}`);
      const listener = await connectDevice(caller, "listener");
      const writer = await connectDevice(caller, "writer");
      const writerDevice = { id: writer.deviceId, caller: await callerFor(user, { id: writer.deviceId, name: "writer" }) };
      const network = cuttableFetch(failure);
      const client = createDevPulseClient({ url: TEST_BASE_URL, token: listener.token, fetch: network.fetch });
      const log: string[] = [];
      const heard: unknown[] = [];
      // Only the pushes' events: the user's own notices (new devices) and their delivery runs come too.
      const subscription = openRealtime({ client, baseUrl: TEST_BASE_URL }, { transport: "sse" }, (event) => event.event === "sync:changed" && heard.push(event), {
        onReady: () => log.push("ready"),
        onInterrupted: () => log.push("interrupted"),
      });
      try {
        await vi.waitFor(() => expect(log).toEqual(["ready"]), { timeout: 5_000 });
        network.cut();
        await vi.waitFor(() => expect(log.at(-1)).toBe("interrupted"), { timeout: 10_000 });
        network.restore();
        await vi.waitFor(() => expect(log.at(-1)).toBe("ready"), { timeout: 15_000 });
        for (let attempt = 1; heard.length === 0 && attempt <= 20; attempt++) {
          await push(writerDevice, [change(`cut-${attempt}`, null, "x")]);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(heard[0]).toMatchObject({ event: "sync:changed" });
      } finally {
        subscription.unsubscribe();
      }
    }, 40_000); // EventSource waits 3 s before each reconnection
  }
});
