import { describe, expect, it } from "vitest";
import { NOTIFICATION_KINDS, notificationSpec, type NotificationChannel, type NotificationKind } from "~/lib/notifications/catalog";
import { ZNotificationPreferences } from "~/lib/schemas/notifications";
import { nextWallTime, quietHoursEnd } from "~/server/notifications/clock";
import { decideNotification, type FocusState } from "~/server/notifications/decide";

/**
 * The decision matrix, table-driven over the pure decision: kinds × preferences × quiet hours
 * (across midnight, and on both DST changes in Berlin) × focus × do-not-disturb × urgent.
 * Each row names the expected outcome per channel; `deliverAt` and the words where they matter.
 */

const prefs = (patch: Record<string, unknown> = {}) => ZNotificationPreferences.parse(patch);
const quiet = (start = "22:00", end = "08:00") => ({ quietHours: { enabled: true, start, end }, timeZone: "Europe/Berlin" });
const at = (iso: string) => new Date(iso);

type Expected = [outcome: "send" | "hold" | "drop", reason: string, deliverAt?: string, text?: string];
type Row = {
  name: string;
  kind: NotificationKind;
  preferences: ReturnType<typeof prefs>;
  now: string;
  focus?: FocusState;
  /** Whether one of the user's endpoints receives the kind (default: yes). */
  webhookEndpoint?: boolean;
  /** The moment a notice about one is about (a focus block's start). */
  moment?: string;
  expect: Partial<Record<NotificationChannel, Expected>>;
};

const NOW = "2026-01-15T13:20:00Z"; // 14:20 in Berlin (winter, +01:00)
const rows: Row[] = [
  { name: "defaults: everything now", kind: "sync.conflict_detected", preferences: prefs(), now: NOW, expect: { inApp: ["send", "immediate"], desktop: ["send", "immediate"], email: ["send", "immediate"], webhook: ["send", "immediate"] } },
  { name: "only the kind's channels are decided", kind: "calendar.focus_block_starting", preferences: prefs(), now: NOW, expect: { inApp: ["send", "immediate"], desktop: ["send", "immediate"], webhook: ["send", "immediate"] } },
  {
    name: "category off drops every channel",
    kind: "integration.failed",
    preferences: prefs({ categories: { integrations: { frequency: "off" } } }),
    now: NOW,
    expect: { inApp: ["drop", "category_off"], desktop: ["drop", "category_off"], email: ["drop", "category_off", undefined, "Integrations notifications are off"], webhook: ["drop", "category_off"] },
  },
  {
    name: "a channel not enabled is dropped, the others go",
    kind: "sync.conflict_detected",
    preferences: prefs({ categories: { sync: { channels: ["inApp", "webhook"] } } }),
    now: NOW,
    expect: { inApp: ["send", "immediate"], desktop: ["drop", "channel_off"], email: ["drop", "channel_off", undefined, "Email is off for Sync notifications"], webhook: ["send", "immediate"] },
  },
  {
    name: "quiet hours across midnight (23:30): held until 08:00, in-app listed",
    kind: "sync.conflict_detected",
    preferences: prefs(quiet()),
    now: "2026-01-15T22:30:00Z",
    expect: { inApp: ["send", "immediate"], desktop: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z", "quiet hours until 08:00"], email: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z"], webhook: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z"] },
  },
  { name: "quiet hours after midnight (00:30): until 08:00 the same day", kind: "account.export_ready", preferences: prefs(quiet()), now: "2026-01-15T23:30:00Z", expect: { email: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z"] } },
  { name: "outside quiet hours (14:20): now", kind: "account.export_ready", preferences: prefs(quiet()), now: NOW, expect: { email: ["send", "immediate"] } },
  { name: "at the end of quiet hours (08:00): now", kind: "account.export_ready", preferences: prefs(quiet()), now: "2026-01-16T07:00:00Z", expect: { email: ["send", "immediate"] } },
  { name: "quiet hours within a day (12:00–14:00 at 13:00)", kind: "account.export_ready", preferences: prefs(quiet("12:00", "14:00")), now: "2026-01-15T12:00:00Z", expect: { email: ["hold", "quiet_hours", "2026-01-15T13:00:00.000Z", "quiet hours until 14:00"] } },
  {
    name: "DST spring forward: the night of 29 March is an hour shorter, 08:00 is 06:00 UTC",
    kind: "account.export_ready",
    preferences: prefs(quiet()),
    now: "2026-03-28T22:00:00Z",
    expect: { email: ["hold", "quiet_hours", "2026-03-29T06:00:00.000Z", "quiet hours until 08:00"] },
  },
  {
    name: "DST spring forward: quiet hours ending at 02:30, a time that does not exist, end at the jump",
    kind: "account.export_ready",
    preferences: prefs(quiet("22:00", "02:30")),
    now: "2026-03-29T00:30:00Z",
    expect: { email: ["hold", "quiet_hours", "2026-03-29T01:00:00.000Z", "quiet hours until 03:00"] },
  },
  { name: "DST fall back: 08:00 on 25 October is 07:00 UTC", kind: "account.export_ready", preferences: prefs(quiet()), now: "2026-10-24T21:00:00Z", expect: { email: ["hold", "quiet_hours", "2026-10-25T07:00:00.000Z"] } },
  {
    name: "do-not-disturb until 16:00",
    kind: "calendar.conflict_detected",
    preferences: prefs({ doNotDisturbUntil: "2026-01-15T15:00:00Z", timeZone: "Europe/Berlin" }),
    now: NOW,
    expect: { inApp: ["send", "immediate"], desktop: ["hold", "do_not_disturb", "2026-01-15T15:00:00.000Z", "do not disturb until 16:00"], email: ["hold", "do_not_disturb"] },
  },
  { name: "do-not-disturb in the past: now", kind: "calendar.conflict_detected", preferences: prefs({ doNotDisturbUntil: "2026-01-15T10:00:00Z" }), now: NOW, expect: { email: ["send", "immediate"] } },
  {
    name: "in focus until 15:30, held",
    kind: "integration.failed",
    preferences: prefs({ timeZone: "Europe/Berlin" }),
    now: NOW,
    focus: { until: at("2026-01-15T14:30:00Z") },
    expect: { inApp: ["send", "immediate"], desktop: ["hold", "in_focus", "2026-01-15T14:30:00.000Z", "in focus until 15:30"], webhook: ["hold", "in_focus"] },
  },
  {
    name: "email only if still unread after 15 minutes: the email waits, the desktop and webhook go now",
    kind: "sync.conflict_detected",
    preferences: prefs({ emailUnreadAfterMinutes: 15, timeZone: "Europe/Berlin" }),
    now: NOW,
    expect: { inApp: ["send", "immediate"], desktop: ["send", "immediate"], email: ["hold", "unread_delay", "2026-01-15T13:35:00.000Z", "emailed at 14:35 if still unread"], webhook: ["send", "immediate"] },
  },
  { name: "email only if still unread: an urgent notice is emailed at once all the same", kind: "security.device_signed_in", preferences: prefs({ emailUnreadAfterMinutes: 60 }), now: NOW, expect: { email: ["send", "urgent"] } },
  {
    name: "email only if still unread: a digest or quiet hours decide the time, not the wait",
    kind: "integration.failed",
    preferences: prefs({ emailUnreadAfterMinutes: 30, categories: { integrations: { frequency: "hourly" } } }),
    now: NOW,
    expect: { email: ["hold", "digest", "2026-01-15T14:00:00.000Z"] },
  },
  { name: "email only if still unread: in quiet hours the email waits for their end", kind: "account.export_ready", preferences: prefs({ emailUnreadAfterMinutes: 5, ...quiet() }), now: "2026-01-15T22:30:00Z", expect: { email: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z"] } },
  { name: "in focus, but the user lets notifications through", kind: "integration.failed", preferences: prefs({ holdWhileFocused: false }), now: NOW, focus: { until: at("2026-01-15T14:30:00Z") }, expect: { desktop: ["send", "immediate"] } },
  { name: "in focus with no set end: looked at again in 30 minutes", kind: "integration.failed", preferences: prefs(), now: NOW, focus: { until: null }, expect: { email: ["hold", "in_focus", "2026-01-15T13:50:00.000Z"] } },
  {
    name: "hourly digest: batched into the 15:00 digest",
    kind: "sync.conflict_detected",
    preferences: prefs({ categories: { sync: { frequency: "hourly" } }, timeZone: "Europe/Berlin" }),
    now: NOW,
    expect: { inApp: ["send", "immediate"], desktop: ["hold", "digest", "2026-01-15T14:00:00.000Z"], email: ["hold", "digest", "2026-01-15T14:00:00.000Z", "batched into the 15:00 digest"], webhook: ["hold", "digest"] },
  },
  {
    name: "a focus block starting in minutes is never batched into a digest (it would come after the start); the calendar's other notices are",
    kind: "calendar.focus_block_starting",
    preferences: prefs({ categories: { calendar: { frequency: "hourly" } }, timeZone: "Europe/Berlin" }),
    now: NOW,
    expect: { desktop: ["send", "immediate"], webhook: ["send", "immediate"] },
  },
  { name: "…while a calendar conflict still goes in the hourly digest", kind: "calendar.conflict_detected", preferences: prefs({ categories: { calendar: { frequency: "hourly" } }, timeZone: "Europe/Berlin" }), now: NOW, expect: { desktop: ["hold", "digest", "2026-01-15T14:00:00.000Z"] } },
  { name: "a focus block reminder in quiet hours is held, as asked, when the block starts after they end", kind: "calendar.focus_block_starting", preferences: prefs({ ...quiet(), categories: { calendar: { frequency: "hourly" } } }), now: "2026-01-15T23:30:00Z", moment: "2026-01-16T08:30:00Z", expect: { desktop: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z"] } },
  {
    name: "…and not sent to the desktop when the block starts before they end (the webhook still mirrors it)",
    kind: "calendar.focus_block_starting",
    preferences: prefs(quiet()),
    now: "2026-01-15T23:30:00Z",
    moment: "2026-01-16T00:05:00Z",
    expect: { inApp: ["send", "immediate"], desktop: ["drop", "past_moment", undefined, "quiet hours until 08:00, after the moment it is about (01:05)"], webhook: ["hold", "quiet_hours"] },
  },
  {
    name: "a reminder decided at its moment is not sent to the desktop",
    kind: "calendar.focus_block_starting",
    preferences: prefs({ timeZone: "Europe/Berlin" }),
    now: NOW,
    moment: NOW,
    expect: { desktop: ["drop", "past_moment", undefined, "the moment it is about (14:20) had passed"], webhook: ["send", "immediate"] },
  },
  {
    name: "a reminder held in focus until after the block starts is not sent to the desktop",
    kind: "calendar.focus_block_starting",
    preferences: prefs({ timeZone: "Europe/Berlin" }),
    now: NOW,
    focus: { until: at("2026-01-15T14:00:00Z") },
    moment: "2026-01-15T13:25:00Z",
    expect: { desktop: ["drop", "past_moment", undefined, "in focus until 15:00, after the moment it is about (14:25)"], webhook: ["hold", "in_focus"] },
  },
  { name: "daily digest: batched into the 17:00 digest", kind: "sync.conflict_detected", preferences: prefs({ categories: { sync: { frequency: "daily" } }, timeZone: "Europe/Berlin" }), now: NOW, expect: { email: ["hold", "digest", "2026-01-15T16:00:00.000Z", "batched into the 17:00 digest"] } },
  { name: "daily digest after 17:00: tomorrow's", kind: "summary.weekly", preferences: prefs({ categories: { summary: { frequency: "daily" } }, timeZone: "Europe/Berlin" }), now: "2026-01-15T17:30:00Z", expect: { email: ["hold", "digest", "2026-01-16T16:00:00.000Z"] } },
  {
    name: "an hourly digest closing inside quiet hours waits for their end",
    kind: "sync.conflict_detected",
    preferences: prefs({ ...quiet(), categories: { sync: { frequency: "hourly" } } }),
    now: "2026-01-15T20:40:00Z",
    expect: { email: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z", "quiet hours until 08:00"] },
  },
  { name: "do-not-disturb ending inside quiet hours waits for their end", kind: "account.export_ready", preferences: prefs({ ...quiet(), doNotDisturbUntil: "2026-01-15T22:00:00Z" }), now: NOW, expect: { email: ["hold", "quiet_hours", "2026-01-16T07:00:00.000Z"] } },
  {
    name: "urgent: a new device goes out now through quiet hours, DND, focus and frequency off",
    kind: "security.device_signed_in",
    preferences: prefs({ ...quiet(), doNotDisturbUntil: "2026-01-17T00:00:00Z", categories: { security: { frequency: "off" } } }),
    now: "2026-01-15T22:30:00Z",
    focus: { until: at("2026-01-15T23:30:00Z") },
    expect: { inApp: ["send", "urgent"], desktop: ["send", "urgent"], email: ["send", "urgent", "2026-01-15T22:30:00.000Z"], webhook: ["send", "urgent"] },
  },
  {
    name: "urgent respects a channel turned off, but is always listed in-app",
    kind: "account.inactivity_warning",
    preferences: prefs({ categories: { account: { channels: ["webhook"] } } }),
    now: NOW,
    expect: { inApp: ["send", "urgent"], email: ["drop", "channel_off"] },
  },
  {
    name: "no endpoint receives the kind: the webhook channel is dropped at once, even for urgent kinds",
    kind: "security.device_signed_in",
    preferences: prefs(),
    now: NOW,
    webhookEndpoint: false,
    expect: { email: ["send", "urgent"], webhook: ["drop", "no_endpoint"] },
  },
  {
    name: "a webhook channel the user turned off says so, endpoint or not (the reason the user recognises)",
    kind: "sync.conflict_detected",
    preferences: prefs({ categories: { sync: { channels: ["inApp", "email"] } } }),
    now: NOW,
    webhookEndpoint: false,
    expect: { inApp: ["send", "immediate"], webhook: ["drop", "channel_off", undefined, "Webhook is off for Sync notifications"] },
  },
];

describe("decideNotification: the matrix", () => {
  it.each(rows)("$name", (row) => {
    const decisions = decideNotification({ kind: row.kind, preferences: row.preferences, focus: row.focus ?? null, webhookEndpoint: row.webhookEndpoint ?? true, locale: "en-GB", now: at(row.now), moment: row.moment ? at(row.moment) : null });
    expect(decisions.map((decision) => decision.channel)).toEqual(notificationSpec(row.kind).channels);
    for (const [channel, [outcome, reason, deliverAt, text]] of Object.entries(row.expect) as [NotificationChannel, Expected][]) {
      const decision = decisions.find((candidate) => candidate.channel === channel);
      expect(decision, channel).toMatchObject({ outcome, reason });
      if (deliverAt) expect(decision!.deliverAt?.toISOString(), channel).toBe(deliverAt);
      if (text) expect(decision!.reasonText, channel).toBe(text);
      if (outcome === "drop") expect(decision!.deliverAt).toBeNull();
      if (outcome === "send") expect(decision!.deliverAt?.getTime()).toBe(at(row.now).getTime());
    }
  });

  it.each(NOTIFICATION_KINDS)("%s: urgent kinds are never held, others never go out in quiet hours (except in-app)", (kind) => {
    const decisions = decideNotification({ kind, preferences: prefs(quiet()), focus: null, webhookEndpoint: true, locale: "en-GB", now: at("2026-01-15T22:30:00Z"), moment: null });
    for (const decision of decisions) {
      if (notificationSpec(kind).priority === "urgent" || decision.channel === "inApp") expect(decision.outcome).toBe("send");
      else expect(decision).toMatchObject({ outcome: "hold", reason: "quiet_hours" });
    }
  });

  it("writes the reason's time in the user's locale", () => {
    const reason = (locale: "en-GB" | "en-US" | "de-DE") =>
      decideNotification({ kind: "sync.conflict_detected", preferences: prefs(quiet()), focus: null, webhookEndpoint: true, locale, now: at("2026-01-15T22:30:00Z"), moment: null }).find((decision) => decision.channel === "email")!.reasonText;
    expect(reason("en-GB")).toMatch(/^quiet hours until \d\d:\d\d$/);
    expect(reason("en-US")).toMatch(/^quiet hours until \d{1,2}:\d\d\s(AM|PM)$/);
    expect(reason("de-DE")).toBe(reason("en-GB"));
  });

  it("decides in a few milliseconds at most (the budget is 100 ms)", () => {
    const preferences = prefs({ ...quiet(), categories: { sync: { frequency: "hourly" } } });
    const started = performance.now();
    for (let index = 0; index < 1000; index++) decideNotification({ kind: "sync.conflict_detected", preferences, focus: { until: at("2026-01-16T09:00:00Z") }, webhookEndpoint: true, locale: "en-GB", now: at("2026-01-15T20:40:00Z"), moment: null });
    expect((performance.now() - started) / 1000).toBeLessThan(5);
  });
});

describe("wall-clock helpers", () => {
  it("finds the next full hour on a half-hour zone's clock", () => {
    // Kolkata is +05:30: the next 15:00 there after 09:10 UTC (14:40 local) is 09:30 UTC.
    expect(new Date(nextWallTime("Asia/Kolkata", Date.parse("2026-01-15T09:10:00Z"), 3_600_000, 0)).toISOString()).toBe("2026-01-15T09:30:00.000Z");
  });

  it("treats equal start and end as no quiet hours, and disabled ones as none", () => {
    expect(quietHoursEnd({ enabled: true, start: "08:00", end: "08:00" }, "UTC", Date.parse(NOW))).toBeNull();
    expect(quietHoursEnd({ enabled: false, start: "00:00", end: "23:59" }, "UTC", Date.parse(NOW))).toBeNull();
  });
});
