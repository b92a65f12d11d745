import { describe, expect, it } from "vitest";
import { declinedSide, lookAlikes, meetingLabel, type ConflictSide } from "~/components/calendar/conflict-labels";

const zone = "Europe/Lisbon";
const side = (id: string, from: string, to: string, calendar: Partial<ConflictSide> = {}): ConflictSide => ({
  id,
  summary: "Busy",
  startTime: new Date(`2026-12-07T${from}:00Z`),
  endTime: new Date(`2026-12-07T${to}:00Z`),
  calendarName: "ana@devpulse.test",
  provider: "google",
  focusTime: false,
  ...calendar,
});

// The sandbox's Monday with titles not kept: three "Busy" events at 15:00 in one calendar, two of them 15:00–15:30.
const shortA = side("22b0", "15:00", "15:30");
const shortB = side("5856", "15:00", "15:30");
const long = side("98b9", "15:00", "16:00");
const conflicts = [
  [shortA, shortB],
  [shortA, long],
  [shortB, long],
] as const;

describe("conflict labels without titles", () => {
  it("names the meeting to decline by its time and calendar with the provider", () => {
    expect(meetingLabel("en-GB", long, zone)).toBe("the 15:00–16:00 meeting in ana@devpulse.test (Google Calendar)");
    expect(meetingLabel("en-GB", side("x", "08:00", "08:30", { calendarName: "Calendar", provider: "microsoft" }), zone)).toBe("the 08:00–08:30 meeting in Calendar (Microsoft Outlook)");
  });

  it("numbers the events that read exactly alike, the same number in every row, so no two rows read the same", () => {
    const alike = lookAlikes(conflicts.flat());
    expect(alike.get("22b0")).toEqual({ number: 1, of: 2 });
    expect(alike.get("5856")).toEqual({ number: 2, of: 2 });
    expect(alike.has("98b9")).toBe(false);
    const rows = conflicts.map((pair) => pair.map((event) => `${meetingLabel("en-GB", event, zone, alike.get(event.id))}`).join(" / "));
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows[1]).toBe("meeting 1 of 2 at 15:00–15:30 in ana@devpulse.test (Google Calendar) / the 15:00–16:00 meeting in ana@devpulse.test (Google Calendar)");
  });

  it("does not number events told apart by their calendar or provider", () => {
    const work = side("a", "15:00", "15:30", { calendarName: "Work" });
    const outlook = side("b", "15:00", "15:30", { provider: "microsoft" });
    expect(lookAlikes([shortA, work, outlook]).size).toBe(0);
  });

  it("declines the side the server declines: the earlier meeting, never focus time", () => {
    const focus = side("0000", "14:00", "16:00", { focusTime: true });
    expect(declinedSide(focus, long)).toBe(long);
    const early = side("ffff", "14:30", "15:30");
    expect(declinedSide(long, early)).toBe(early);
    expect(declinedSide(focus, { ...focus, id: "1111" })).toBeUndefined();
    // Two meetings starting together: the lower id, as the server orders them, whichever side is listed first.
    const [lower, higher] = [side("0001", "15:00", "15:30"), side("0002", "15:00", "16:00")];
    expect(declinedSide(higher, lower)).toBe(lower);
    expect(declinedSide(lower, higher)).toBe(lower);
  });
});
