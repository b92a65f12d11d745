import { describe, expect, it } from "vitest";
import { weekItems } from "~/components/calendar/items";
import { profileSessions } from "~/components/calendar/profile-sessions";
import { productivityProfile } from "~/lib/calendar/profile";
import type { DecryptedRecord } from "~/lib/sync/decrypt-all";

const at = (time: string) => new Date(`2026-12-08T${time}:00Z`);
const event = (id: string, from: string, to: string, extra: Partial<Parameters<typeof weekItems>[0][number]> = {}) => ({
  id,
  calendarId: "work",
  calendarName: "Work",
  color: "#039be5",
  summary: "Busy",
  titleHidden: true,
  startTime: at(from),
  endTime: at(to),
  isAllDay: false,
  status: "confirmed",
  focusTime: false,
  focusBlockId: null as string | null,
  ...extra,
});
const block = (id: string, from: string, to: string, state: string) => ({ id, calendarId: "work", title: "Deep work", startTime: at(from), endTime: at(to), state, error: state === "failed" ? "Calendar is read-only" : null });
const calendars = [{ id: "work", name: "Work", color: "#039be5" }];

describe("weekItems", () => {
  it("shows a synced focus block once, as the block; blocks still being made or refused from DevPulse's record; cancelled events not at all", () => {
    const events = [
      event("standup", "09:00", "09:15"),
      event("synced-block", "10:00", "11:30", { focusTime: true, focusBlockId: "b1", titleHidden: false, summary: "Deep work" }),
      event("cancelled", "12:00", "13:00", { status: "cancelled" }),
      event("offsite", "00:00", "00:00", { isAllDay: true, summary: "Offsite", titleHidden: false }),
    ];
    const blocks = [block("b1", "10:00", "11:30", "active"), block("b2", "14:00", "15:00", "creating"), block("b3", "16:00", "17:00", "failed")];
    const { timed, allDay } = weekItems(events, blocks, calendars);
    expect(timed.map((item) => [item.kind, item.id, item.title])).toEqual([
      ["event", "event:standup", "Busy"],
      ["block", "block:b1", "Deep work"],
      ["block", "block:b2", "Deep work"],
      ["block", "block:b3", "Deep work"],
    ]);
    expect(allDay.map((entry) => entry.id)).toEqual(["offsite"]);
  });

  it("keeps an event whose block is not among the blocks shown, and colours a calendar without a colour grey", () => {
    const { timed } = weekItems([event("orphan", "10:00", "11:00", { focusBlockId: "elsewhere", color: null })], [], calendars);
    expect(timed).toHaveLength(1);
    expect(timed[0]).toMatchObject({ kind: "event", accent: "#71717a", fill: "#71717a26" });
  });
});

describe("profileSessions", () => {
  const record = (collection: DecryptedRecord["collection"], id: string, value: unknown): DecryptedRecord => ({ collection, id, revision: 1, schemaVersion: 1, value });
  const since = Date.parse("2026-11-01T00:00:00Z");

  it("weighs coding activity fully and unfinished focus sessions at half; leaves out running, old and unreadable ones", () => {
    const sessions = profileSessions(
      [
        record("activities", "a1", { start: "2026-12-01T09:00:00Z", end: "2026-12-01T11:00:00Z", kind: "coding" }),
        record("activities", "running", { start: "2026-12-05T09:00:00Z" }),
        record("activities", "old", { start: "2026-09-01T09:00:00Z", end: "2026-09-01T10:00:00Z" }),
        record("activities", "garbled", { begin: "yesterday" }),
        record("focus_sessions", "f1", { start: "2026-12-02T14:00:00Z", end: "2026-12-02T15:00:00Z", completed: false }),
        record("focus_sessions", "f2", { start: "2026-12-03T14:00:00Z", end: "2026-12-03T15:00:00Z", completed: true }),
        record("projects", "p1", { name: "DevPulse" }),
      ],
      since,
    );
    expect(sessions).toEqual([
      { start: "2026-12-01T09:00:00Z", end: "2026-12-01T11:00:00Z" },
      { start: "2026-12-02T14:00:00Z", end: "2026-12-02T15:00:00Z", productivity: 0.5 },
      { start: "2026-12-03T14:00:00Z", end: "2026-12-03T15:00:00Z", productivity: 1 },
    ]);
    // What the page sends: a full hour weighs 1 (Tuesday 09:00, Thursday 14:00), the unfinished one half (Wednesday 14:00).
    const profile = productivityProfile(sessions, "UTC");
    expect([profile[2 * 24 + 9], profile[3 * 24 + 14], profile[4 * 24 + 14], profile[1 * 24 + 9]]).toEqual([1, 0.5, 1, 0]);
  });
});
