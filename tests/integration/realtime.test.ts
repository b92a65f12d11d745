import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { anonymousCaller, errorOf } from "../support/callers";
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
