import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createDevPulseClient } from "~/client";
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
