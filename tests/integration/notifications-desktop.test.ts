import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeRealtimeEvent } from "~/cli/watch-lines";
import { createDevPulseClient } from "~/client";
import type { RealtimeEvent } from "~/lib/realtime/events";
import { getDb } from "~/server/db/client";
import { notify } from "~/server/notifications/notify";
import { connectDevice, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";

/**
 * The desktop channel end to end: notify → `notification:new` over the SDK's realtime stream
 * (authenticated by a device token, as the desktop app and the CLI are) → the line `devpulse watch` prints.
 */
describe("notifications: the desktop channel", () => {
  it("reaches a device's realtime stream and prints as a notification line in devpulse watch", async () => {
    const { user, caller } = await signedUpUser("notify-desktop");
    const device = await connectDevice(caller, "cli");
    const client = createDevPulseClient({ url: TEST_BASE_URL, token: device.token, fetch: routeFetch() });
    const heard: RealtimeEvent[] = [];
    const subscription = client.realtime.events.subscribe(undefined, { onData: (message) => heard.push(message as RealtimeEvent) });
    try {
      // The stream may still be opening: notify until the device hears one.
      for (let attempt = 0; attempt < 20 && !heard.some((message) => message.event === "notification:new" && message.payload.title.includes("ready")); attempt++) {
        await notify(await getDb(), user.id, "account.export_ready", { exportId: randomUUID(), format: "csv", bytes: 10 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      subscription.unsubscribe();
    }
    const ping = heard.find((message) => message.event === "notification:new");
    expect(ping).toMatchObject({ event: "notification:new", payload: { title: "Your data export is ready", level: "info", href: "/privacy" } });
    expect(describeRealtimeEvent(ping!, new Date("2026-12-05T10:00:00Z"))).toBe(
      "2026-12-05T10:00:00.000Z  notification  [info] Your data export is ready — The CSV export can be downloaded for 7 days.  (/privacy)",
    );
    const unread = heard.find((message) => message.event === "notification:unread");
    expect(unread && describeRealtimeEvent(unread, new Date("2026-12-05T10:00:00Z"))).toMatch(/notifications {2}\d+ unread$/);
  });
});
