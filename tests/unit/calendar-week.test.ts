import { describe, expect, it } from "vitest";
import { allDayCovers, instantOfWall, layoutCrowdedDay, mondayOf, movedStart, wallOf, weekFrom } from "~/components/calendar/week";

const ms = (iso: string) => Date.parse(iso);
const iso = (at: number) => new Date(at).toISOString();
const weekOf = (zone: string, at: string) => weekFrom(zone, mondayOf(zone, ms(at)));

describe("the week on the user's clock", () => {
  it("runs Monday to Sunday from local midnight: a Sunday evening in Berlin belongs to the week before", () => {
    const week = weekOf("Europe/Berlin", "2026-12-06T22:30:00Z"); // Sunday 23:30 in Berlin
    expect(week.days.map((day) => day.date)).toEqual(["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]);
    expect(iso(week.from.getTime())).toBe("2026-11-29T23:00:00.000Z");
    expect(iso(week.to.getTime())).toBe("2026-12-06T23:00:00.000Z");
  });

  it("has a 23-hour Sunday when summer time starts, and the next week starts at the new offset", () => {
    const week = weekOf("Europe/Berlin", "2026-03-25T12:00:00Z");
    const sunday = week.days[6]!;
    expect(sunday.date).toBe("2026-03-29");
    expect((sunday.end - sunday.start) / 3_600_000).toBe(23);
    expect(iso(week.to.getTime())).toBe("2026-03-29T22:00:00.000Z");
  });

  it("starts the week at the first instant of a day whose midnight is skipped (Santiago springs forward at 00:00)", () => {
    // 2026-09-06 00:00 does not exist in Santiago: the clock goes from 23:59:59 to 01:00 (-04 → -03).
    expect(iso(instantOfWall("America/Santiago", ms("2026-09-06T00:00:00Z")))).toBe("2026-09-06T04:00:00.000Z");
    expect(wallOf("America/Santiago", ms("2026-09-06T04:00:00Z"))).toBe(ms("2026-09-06T01:00:00Z"));
  });
});

describe("layoutCrowdedDay, without limits", () => {
  const zone = "America/New_York";
  const week = weekOf(zone, "2026-12-09T15:00:00Z");
  const wednesday = week.days[2]!;
  const at = (time: string) => ms(`2026-12-09T${time}:00-05:00`);

  it("places events by the clock and puts overlapping ones side by side, each run with its own column count", () => {
    const events = [
      { id: "standup", start: at("09:00"), end: at("09:30") },
      { id: "review", start: at("09:15"), end: at("10:00") },
      { id: "pairing", start: at("09:30"), end: at("10:30") },
      { id: "lunch", start: at("12:00"), end: at("13:00") },
    ];
    const placed = Object.fromEntries(layoutCrowdedDay(zone, wednesday, events).placed.map((entry) => [entry.item.id, { top: entry.top, bottom: entry.bottom, column: entry.column, columns: entry.columns }]));
    expect(placed).toEqual({
      standup: { top: 540, bottom: 570, column: 0, columns: 2 },
      review: { top: 555, bottom: 600, column: 1, columns: 2 },
      pairing: { top: 570, bottom: 630, column: 0, columns: 2 },
      lunch: { top: 720, bottom: 780, column: 0, columns: 1 },
    });
  });

  it("cuts an event crossing midnight to each day it covers", () => {
    const late = { start: at("22:00"), end: ms("2026-12-10T02:00:00-05:00") };
    const [tonight] = layoutCrowdedDay(zone, wednesday, [late]).placed;
    const [morning] = layoutCrowdedDay(zone, week.days[3]!, [late]).placed;
    expect(tonight).toMatchObject({ top: 1320, bottom: 1440, startsBefore: false, endsAfter: true });
    expect(morning).toMatchObject({ top: 0, bottom: 120, startsBefore: true, endsAfter: false });
    expect(layoutCrowdedDay(zone, week.days[4]!, [late]).placed).toEqual([]);
  });
});

describe("allDayCovers", () => {
  it("reads all-day events as dates, whatever the zone's offset, the end day excluded", () => {
    const week = weekOf("Pacific/Auckland", "2026-12-09T00:00:00Z");
    const offsite = { startTime: new Date("2026-12-08T00:00:00Z"), endTime: new Date("2026-12-10T00:00:00Z") };
    expect(week.days.filter((day) => allDayCovers(day, offsite)).map((day) => day.date)).toEqual(["2026-12-08", "2026-12-09"]);
  });
});

describe("movedStart", () => {
  it("moves on the clock and lands on the quarter hour: 09:00 a day later across the end of summer time is 09:00", () => {
    const zone = "Europe/Berlin";
    const saturday = ms("2026-10-24T07:00:00Z"); // 09:00 CEST
    expect(iso(movedStart(zone, saturday, { days: 2, minutes: 0 }))).toBe("2026-10-26T08:00:00.000Z"); // 09:00 CET
    expect(iso(movedStart(zone, saturday, { days: 0, minutes: 37 }))).toBe("2026-10-24T07:30:00.000Z");
    expect(iso(movedStart(zone, ms("2026-10-24T07:10:00Z"), { days: 0, minutes: 0 }))).toBe("2026-10-24T07:15:00.000Z");
  });
});
