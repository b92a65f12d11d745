import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { badgeCount, bellLabel, describeDecision, frequencyLabel, groupDecisions, instantOfWallInput, tomorrowAt, wallInputValue, type Decision } from "~/components/notifications/format";
import { preferenceErrors } from "~/components/notifications/notification-preferences";
import { refusedFieldDetails, ZNotificationPreferencesPatch } from "~/lib/schemas/notifications";

const ms = (iso: string) => Date.parse(iso);

const decision = (over: Partial<Decision>): Decision => ({
  id: crypto.randomUUID(),
  notificationId: "n1",
  channel: "desktop",
  outcome: "send",
  reason: "immediate",
  reasonText: "sent immediately",
  deliverAt: null,
  deliveredAt: null,
  deliveredAs: null,
  decidedAt: new Date("2026-01-10T12:00:00Z"),
  kind: "sync.conflict_detected",
  title: "A sync conflict needs your choice",
  ...over,
});

describe("the bell", () => {
  it("caps the badge at 9+ and reads the exact count in its name", () => {
    expect([0, 1, 9, 10, 250].map(badgeCount)).toEqual(["0", "1", "9", "9+", "9+"]);
    expect(bellLabel("en-GB", undefined)).toBe("Notifications");
    expect(bellLabel("en-GB", 0)).toBe("Notifications");
    expect(bellLabel("en-GB", 1250)).toBe("Notifications, 1,250 unread");
  });

  it("writes the count in the reader's locale, the words in English", () => {
    expect(bellLabel("de-DE", 1250)).toBe("Notifications, 1.250 unread");
    expect(bellLabel("en-US", 1250)).toBe("Notifications, 1,250 unread");
  });
});

describe("frequency labels", () => {
  it("give the daily digest's hour on the locale's clock", () => {
    expect(frequencyLabel("en-GB", "daily")).toBe("Daily digest (17:00)");
    expect(frequencyLabel("en-US", "daily")).toMatch(/^Daily digest \(5:00\sPM\)$/);
    expect(frequencyLabel("de-DE", "hourly")).toBe("Hourly digest");
  });
});

describe("the decision log in words", () => {
  const now = new Date("2026-01-10T12:05:00Z");
  it("says what was held and why, and how it went out later", () => {
    expect(describeDecision("en-GB", decision({ outcome: "hold", reason: "quiet_hours", reasonText: "quiet hours until 08:00" }), now)).toMatchObject({ status: "Held", text: "Held: quiet hours until 08:00" });
    const delivered = describeDecision("en-GB", decision({ channel: "email", outcome: "hold", reasonText: "batched into the 17:00 digest", deliveredAt: new Date("2026-01-10T12:04:00Z"), deliveredAs: "digest of 4 via smtp" }), now);
    expect(delivered.status).toBe("Delivered");
    expect(delivered.text).toMatch(/^Held \(batched into the 17:00 digest\), then delivered as digest of 4 via smtp at \d\d:\d\d$/);
    expect(describeDecision("en-GB", decision({ channel: "webhook", outcome: "drop", reasonText: "Webhook is off for Sync notifications" }), now).text).toBe("Not sent: Webhook is off for Sync notifications");
    expect(describeDecision("en-GB", decision({ channel: "inApp", reasonText: "listed immediately" }), now).status).toBe("Listed");
  });

  it("writes the delivery time in the reader's locale; the server's reason stays as it was recorded", () => {
    const sent = decision({ reasonText: "sent immediately", deliveredAt: new Date("2026-01-10T15:04:00Z"), deliveredAs: "push" });
    const later = new Date("2026-01-10T15:05:00Z");
    // Zoned explicitly by formatTime's caller elsewhere; here the runtime's zone, so compare with Intl's own answer.
    const expected = (locale: string) => new Intl.DateTimeFormat(locale, { hour: locale === "en-US" ? "numeric" : "2-digit", minute: "2-digit" }).format(sent.deliveredAt!);
    expect(describeDecision("en-US", sent, later).text).toBe(`Sent as push at ${expected("en-US")} (sent immediately)`);
    expect(describeDecision("en-US", sent, later).text).toMatch(/ [AP]M \(/);
    expect(describeDecision("en-GB", sent, later).text).toBe(`Sent as push at ${expected("en-GB")} (sent immediately)`);
  });

  it("groups one notify call's channels together, in the catalog's channel order", () => {
    const at = new Date("2026-01-10T12:00:00Z");
    const later = new Date("2026-01-10T12:03:00Z");
    const groups = groupDecisions([
      decision({ decidedAt: later, channel: "webhook" }),
      decision({ decidedAt: later, channel: "desktop" }),
      decision({ decidedAt: later, channel: "inApp" }),
      decision({ decidedAt: at, channel: "email" }),
    ]);
    expect(groups.map((group) => group.decisions.map((entry) => entry.channel))).toEqual([["inApp", "desktop", "webhook"], ["email"]]);
  });
});

describe("do-not-disturb times on the user's clock", () => {
  it("ends tomorrow at 09:00 in the preference's zone, not the browser's", () => {
    // 23:30 in Berlin on 10 January: tomorrow is the 11th
    expect(tomorrowAt("Europe/Berlin", 9, ms("2026-01-10T22:30:00Z")).toISOString()).toBe("2026-01-11T08:00:00.000Z");
    // 00:30 in Berlin on 11 January (still the 10th in UTC): tomorrow is the 12th
    expect(tomorrowAt("Europe/Berlin", 9, ms("2026-01-10T23:30:00Z")).toISOString()).toBe("2026-01-12T08:00:00.000Z");
    // across the spring-forward night, 09:00 is at the new offset
    expect(tomorrowAt("Europe/Berlin", 9, ms("2026-03-28T12:00:00Z")).toISOString()).toBe("2026-03-29T07:00:00.000Z");
  });

  it("reads a custom time in the zone and writes the input's value back the same", () => {
    expect(instantOfWallInput("America/New_York", "2026-07-01T18:30")?.toISOString()).toBe("2026-07-01T22:30:00.000Z");
    expect(wallInputValue("America/New_York", ms("2026-07-01T22:30:00Z"))).toBe("2026-07-01T18:30");
    expect(instantOfWallInput("UTC", "")).toBeNull();
  });
});

describe("a refused save, per field", () => {
  /** A refusal as the client receives it: the message, and the data the server's error formatter adds. */
  const refusal = (message: string, data: { details?: Record<string, string | number> | null; zodError?: { formErrors: string[]; fieldErrors: Record<string, string[]> } | null } = {}) =>
    TRPCClientError.from({ error: { message, code: -32600, data: { code: "BAD_REQUEST", httpStatus: 400, details: null, zodError: null, ...data } } });

  it("places each field the input check refused on its field", () => {
    const { fields, form } = preferenceErrors(refusal("Invalid input: focusReminderMinutes: Too big: expected number to be <=120", { zodError: { formErrors: [], fieldErrors: { focusReminderMinutes: ["Too big: expected number to be <=120"] } } }));
    expect(fields.get("focusReminderMinutes")).toBe("Too big: expected number to be <=120");
    expect(form).toBeUndefined();
  });

  it("the input check refuses minutes in words for people, not zod's defaults", () => {
    const messageFor = (focusReminderMinutes: number) => ZNotificationPreferencesPatch.safeParse({ focusReminderMinutes }).error?.issues[0]?.message;
    expect(messageFor(500)).toBe("The focus reminder can be at most 120 minutes");
    expect(messageFor(Number.NaN)).toBe("Enter a number of minutes");
    expect(messageFor(-1)).toBe("Use 0 minutes or more");
    expect(messageFor(2.5)).toBe("Use whole minutes");
    expect(messageFor(30)).toBeUndefined();
  });

  it("reads the whole-document check's fields by their full path from the details, never from the message", () => {
    const details = refusedFieldDetails([
      { code: "custom", path: ["quietHours", "start"], message: "Use a 24-hour time like 22:00", input: "25:00" },
      { code: "custom", path: ["categories", "summary", "channels", 0], message: '"desktop" is not a channel for summary notifications', input: "desktop" },
    ]);
    const { fields, form } = preferenceErrors(refusal("a sentence for people, with no paths in it", { details }));
    expect(fields.get("quietHours.start")).toBe("Use a 24-hour time like 22:00");
    expect(fields.get("categories.summary.channels.0")).toMatch(/not a channel/);
    expect(form).toBeUndefined();
    // A message that looks like a field is still only a message; other details are not fields.
    expect(preferenceErrors(refusal("timeZone: looks like a field")).fields.size).toBe(0);
    expect(preferenceErrors(refusal("Too many requests. Try again in a minute.", { details: { retryAfterSeconds: 60 } }))).toEqual({ fields: new Map(), form: "Too many requests. Try again in a minute." });
    expect(preferenceErrors(undefined)).toEqual({ fields: new Map() });
  });
});
