import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forEachLocalHour, hourOfWeekOfWall, isTimeZone, weekdayOfWall, zoneOffsetAt, zoneOffsetPieces } from "~/lib/calendar/zoned-time";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ms = (iso: string) => Date.parse(iso);
const iso = (at: number) => new Date(at).toISOString();
const piecesOf = (zone: string, from: string, to: string) =>
  zoneOffsetPieces(zone, ms(from), ms(to)).map((piece) => ({ start: iso(piece.start), end: iso(piece.end), offsetMinutes: piece.offset / MINUTE }));

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "America/Sao_Paulo", "Africa/Casablanca"];

describe("zoneOffsetAt", () => {
  it("reads the offset of the zone at an instant, summer time included", () => {
    expect(zoneOffsetAt("Europe/Berlin", ms("2026-01-15T12:00:00Z"))).toBe(1 * HOUR);
    expect(zoneOffsetAt("Europe/Berlin", ms("2026-07-15T12:00:00Z"))).toBe(2 * HOUR);
    expect(zoneOffsetAt("America/New_York", ms("2026-01-15T12:00:00Z"))).toBe(-5 * HOUR);
    expect(zoneOffsetAt("Asia/Kathmandu", ms("2026-01-15T12:00:00Z"))).toBe(5 * HOUR + 45 * MINUTE);
    expect(zoneOffsetAt("Australia/Lord_Howe", ms("2026-07-15T12:00:00Z"))).toBe(10 * HOUR + 30 * MINUTE);
    expect(zoneOffsetAt("UTC", ms("2026-07-15T12:34:56.789Z"))).toBe(0);
  });

  it("changes exactly at the transition: Berlin springs forward at 01:00 UTC on 2026-03-29", () => {
    expect(zoneOffsetAt("Europe/Berlin", ms("2026-03-29T00:59:59.999Z"))).toBe(1 * HOUR);
    expect(zoneOffsetAt("Europe/Berlin", ms("2026-03-29T01:00:00.000Z"))).toBe(2 * HOUR);
  });

  it("keeps offsets of seconds (Liberia until 1972 was 44 minutes 30 seconds behind UTC)", () => {
    expect(zoneOffsetAt("Africa/Monrovia", ms("1960-06-01T12:00:00Z"))).toBe(-(44 * MINUTE + 30_000));
  });

  it("throws a RangeError for a zone Intl does not know", () => {
    expect(() => zoneOffsetAt("Mars/Olympus_Mons", 0)).toThrow(RangeError);
  });
});

describe("isTimeZone", () => {
  it("accepts IANA names and UTC, refuses anything else", () => {
    for (const zone of ["Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"]) expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ["", "Mars/Olympus_Mons", "Europe/Berlin/Mitte", "not a zone"]) expect(isTimeZone(zone), zone).toBe(false);
  });
});

describe("zoneOffsetPieces", () => {
  it("cuts a span at each transition, to the second", () => {
    expect(piecesOf("Europe/Berlin", "2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z")).toEqual([
      { start: "2026-03-28T00:00:00.000Z", end: "2026-03-29T01:00:00.000Z", offsetMinutes: 60 },
      { start: "2026-03-29T01:00:00.000Z", end: "2026-03-31T00:00:00.000Z", offsetMinutes: 120 },
    ]);
    expect(piecesOf("Europe/Berlin", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")).toEqual([
      { start: "2026-01-01T00:00:00.000Z", end: "2026-03-29T01:00:00.000Z", offsetMinutes: 60 },
      { start: "2026-03-29T01:00:00.000Z", end: "2026-10-25T01:00:00.000Z", offsetMinutes: 120 },
      { start: "2026-10-25T01:00:00.000Z", end: "2027-01-01T00:00:00.000Z", offsetMinutes: 60 },
    ]);
    // Half-hour summer time: Lord Howe Island goes from +11:00 to +10:30 at 02:00 local.
    expect(piecesOf("Australia/Lord_Howe", "2026-04-04T00:00:00Z", "2026-04-05T00:00:00Z")).toEqual([
      { start: "2026-04-04T00:00:00.000Z", end: "2026-04-04T15:00:00.000Z", offsetMinutes: 660 },
      { start: "2026-04-04T15:00:00.000Z", end: "2026-04-05T00:00:00.000Z", offsetMinutes: 630 },
    ]);
  });

  it("is one piece without a transition, and nothing for an empty span", () => {
    expect(piecesOf("Asia/Kathmandu", "2026-04-03T00:00:00Z", "2026-05-03T00:00:00Z")).toEqual([
      { start: "2026-04-03T00:00:00.000Z", end: "2026-05-03T00:00:00.000Z", offsetMinutes: 345 },
    ]);
    expect(zoneOffsetPieces("Europe/Berlin", 1000, 1000)).toEqual([]);
  });

  it("property: the pieces tile [from, to) and each piece's offset is the zone's offset at every instant in it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: ms("2000-01-01T00:00:00Z"), max: ms("2035-01-01T00:00:00Z") }),
        fc.integer({ min: 1, max: 40 * 24 * 60 * MINUTE }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 20 }),
        (zone, from, length, probes) => {
          const to = from + length;
          const pieces = zoneOffsetPieces(zone, from, to);
          expect(pieces[0]!.start).toBe(from);
          expect(pieces.at(-1)!.end).toBe(to);
          pieces.forEach((piece, i) => {
            expect(piece.end).toBeGreaterThan(piece.start);
            if (i > 0) {
              expect(piece.start).toBe(pieces[i - 1]!.end);
              expect(piece.offset).not.toBe(pieces[i - 1]!.offset);
            }
            expect(zoneOffsetAt(zone, piece.start)).toBe(piece.offset);
            expect(zoneOffsetAt(zone, piece.end - 1)).toBe(piece.offset);
          });
          for (const probe of probes) {
            const at = from + Math.floor(probe * length);
            const piece = pieces.find((candidate) => candidate.start <= at && at < candidate.end)!;
            expect(piece.offset).toBe(zoneOffsetAt(zone, at));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("weekdayOfWall and hourOfWeekOfWall", () => {
  it("count days from Sunday = 0 and hours of the week from Sunday 00:00", () => {
    expect(weekdayOfWall(ms("1970-01-01T00:00:00Z"))).toBe(4); // a Thursday
    expect(weekdayOfWall(ms("1969-12-31T23:59:59Z"))).toBe(3); // before 1970 too
    expect(weekdayOfWall(ms("2026-03-01T12:00:00Z"))).toBe(0); // a Sunday
    expect(hourOfWeekOfWall(ms("2026-03-01T00:00:00Z"))).toBe(0);
    expect(hourOfWeekOfWall(ms("2026-03-02T09:59:00Z"))).toBe(24 + 9);
    expect(hourOfWeekOfWall(ms("2026-03-07T23:30:00Z"))).toBe(167);
  });

  it("property: agree with Intl's weekday and hour in UTC", () => {
    const clock = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", hour: "numeric", hourCycle: "h23" });
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    fc.assert(
      fc.property(fc.integer({ min: ms("1900-01-01T00:00:00Z"), max: ms("2100-01-01T00:00:00Z") }), (at) => {
        const parts = Object.fromEntries(clock.formatToParts(at).map((part) => [part.type, part.value]));
        expect(hourOfWeekOfWall(at)).toBe(days.indexOf(parts.weekday!) * 24 + Number(parts.hour));
      }),
    );
  });
});

describe("forEachLocalHour", () => {
  const visits = (zone: string, from: string, to: string) => {
    const seen: Array<[number, number]> = [];
    const pieces = zoneOffsetPieces(zone, ms(from), ms(to));
    forEachLocalHour(pieces, ms(from), ms(to), (hour, spent) => seen.push([hour, spent / MINUTE]));
    return seen;
  };
  const SUNDAY = 0;

  it("skips the hour a spring-forward jumps over (Berlin, 01:30 → 04:30 local on 2026-03-29)", () => {
    expect(visits("Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T02:30:00Z")).toEqual([
      [SUNDAY * 24 + 1, 30],
      [SUNDAY * 24 + 3, 60],
      [SUNDAY * 24 + 4, 30],
    ]);
  });

  it("visits the hour a fall-back repeats twice (Berlin, 02:00–03:00 local happens twice on 2026-10-25)", () => {
    expect(visits("Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z")).toEqual([
      [SUNDAY * 24 + 2, 60],
      [SUNDAY * 24 + 2, 60],
    ]);
  });

  it("cuts a local hour where a transition falls inside it (Chatham: 03:45 +13:45 becomes 02:45 +12:45 on 2026-04-05)", () => {
    expect(visits("Pacific/Chatham", "2026-04-04T13:30:00Z", "2026-04-04T14:30:00Z")).toEqual([
      [SUNDAY * 24 + 3, 30], // 03:15–03:45 summer time
      [SUNDAY * 24 + 2, 15], // 02:45–03:00 standard time
      [SUNDAY * 24 + 3, 15], // 03:00–03:15
    ]);
  });

  it("follows half-hour offsets (Kolkata, +05:30) and wraps from Saturday night to Sunday", () => {
    expect(visits("Asia/Kolkata", "2026-03-07T18:00:00Z", "2026-03-07T19:30:00Z")).toEqual([
      [167, 30], // Saturday 23:30–24:00
      [0, 60], // Sunday 00:00–01:00
    ]);
  });

  it("property: the visits add up to the span and each is within one local hour", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: ms("2020-01-01T00:00:00Z"), max: ms("2030-01-01T00:00:00Z") }), fc.integer({ min: 1, max: 3 * 24 * 60 * MINUTE }), (zone, from, length) => {
        const pieces = zoneOffsetPieces(zone, from, from + length);
        let total = 0;
        forEachLocalHour(pieces, from, from + length, (hour, spent) => {
          expect(hour).toBeGreaterThanOrEqual(0);
          expect(hour).toBeLessThan(168);
          expect(spent).toBeGreaterThan(0);
          expect(spent).toBeLessThanOrEqual(HOUR);
          total += spent;
        });
        expect(total).toBe(length);
      }),
    );
  });
});
