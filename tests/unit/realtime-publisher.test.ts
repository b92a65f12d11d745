import { describe, expect, it } from "vitest";
import { createLocalPublisher, type RealtimeMessage } from "~/server/realtime/publisher";

const changed = (cursor: number) => ({ cursor, changes: 1, sourceDeviceId: null });

/** The in-process transport's per-user listener registry. */
describe("createLocalPublisher", () => {
  it("delivers a publish to that user's listeners only", async () => {
    const publisher = createLocalPublisher();
    const alice: RealtimeMessage[] = [];
    const bob: RealtimeMessage[] = [];
    publisher.subscribeUser("alice", (message) => alice.push(message));
    publisher.subscribeUser("alice", (message) => alice.push(message));
    publisher.subscribeUser("bob", (message) => bob.push(message));

    await publisher.publish("alice", "sync:changed", changed(1));

    expect(alice).toEqual([
      { userId: "alice", event: "sync:changed", payload: changed(1) },
      { userId: "alice", event: "sync:changed", payload: changed(1) },
    ]);
    expect(bob).toEqual([]);
  });

  it("forgets a user when their last listener unsubscribes, and an unsubscribe twice is harmless", async () => {
    const publisher = createLocalPublisher();
    const heard: string[] = [];
    const first = publisher.subscribeUser("carol", () => heard.push("first"));
    const second = publisher.subscribeUser("carol", () => heard.push("second"));
    expect(publisher.listenedUserCount()).toBe(1);

    first();
    first();
    await publisher.publish("carol", "sync:changed", changed(2));
    expect(heard).toEqual(["second"]);
    expect(publisher.listenedUserCount()).toBe(1);

    second();
    expect(publisher.listenedUserCount()).toBe(0);
    // A stale unsubscribe must not remove a listener added after the user was forgotten.
    const third = publisher.subscribeUser("carol", () => heard.push("third"));
    second();
    await publisher.publish("carol", "sync:changed", changed(3));
    expect(heard).toEqual(["second", "third"]);
    third();
    expect(publisher.listenedUserCount()).toBe(0);
  });

  it("also delivers every user's events to listeners of all users, and a throwing listener stops no other", async () => {
    const publisher = createLocalPublisher();
    const all: string[] = [];
    const own: string[] = [];
    publisher.subscribe((message) => all.push(message.userId));
    publisher.subscribeUser("dave", () => {
      throw new Error("a broken stream");
    });
    publisher.subscribeUser("dave", (message) => own.push(message.userId));

    await publisher.publish("dave", "sync:changed", changed(4));
    await publisher.publish("erin", "sync:changed", changed(5));

    expect(own).toEqual(["dave"]);
    expect(all).toEqual(["dave", "erin"]);
  });

  it("refuses a payload outside the event catalog before any listener hears it", async () => {
    const publisher = createLocalPublisher();
    const heard: unknown[] = [];
    publisher.subscribeUser("frank", (message) => heard.push(message));
    await expect(publisher.publish("frank", "sync:changed", { ...changed(6), extra: 1 } as never)).rejects.toThrow();
    expect(heard).toEqual([]);
  });
});
