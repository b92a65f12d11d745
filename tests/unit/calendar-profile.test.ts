import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorrelationInputError } from "~/lib/correlation";
import { productivityProfile, type ActivitySession } from "~/lib/calendar/profile";
import { ZProductivityProfile } from "~/lib/calendar/schemas";
import { suggestFocusSlots } from "~/lib/calendar/suggest";
import { collectionValueSchemas } from "~/lib/schemas/collections";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ms = (iso: string) => Date.parse(iso);
const hourOfWeek = (day: number, hour: number) => day * 24 + hour;
const MONDAY = 1;
const TUESDAY = 2;
const SUNDAY = 0;

/** The non-zero entries, as { index: weight }. */
const nonZero = (profile: number[]) => Object.fromEntries(profile.flatMap((weight, index) => (weight > 0 ? [[index, weight]] : [])));

describe("productivityProfile", () => {
  it("is a flat 0.5 without activity", () => {
    for (const sessions of [[], [{ start: "2026-03-02T09:00:00Z" }], [{ start: 0, end: 0 }], [{ start: 0, end: HOUR, productivity: 0 }]] as ActivitySession[][]) {
      const profile = productivityProfile(sessions, "Europe/Berlin");
      expect(profile).toHaveLength(168);
      expect(new Set(profile)).toEqual(new Set([0.5]));
    }
  });

  it("counts minutes per hour of the week on the user's clock, the busiest hour being 1", () => {
    // Monday 2026-03-02 09:00–10:30 in Berlin (UTC+1).
    const profile = productivityProfile([{ start: "2026-03-02T08:00:00Z", end: "2026-03-02T09:30:00Z" }], "Europe/Berlin");
    expect(nonZero(profile)).toEqual({ [hourOfWeek(MONDAY, 9)]: 1, [hourOfWeek(MONDAY, 10)]: 0.5 });
    // The same session read in Kolkata (UTC+5:30) is 13:30–15:00.
    expect(nonZero(productivityProfile([{ start: "2026-03-02T08:00:00Z", end: "2026-03-02T09:30:00Z" }], "Asia/Kolkata"))).toEqual({
      [hourOfWeek(MONDAY, 13)]: 0.5,
      [hourOfWeek(MONDAY, 14)]: 1,
    });
  });

  it("adds up sessions across weeks and weighs them by productivity", () => {
    const profile = productivityProfile(
      [
        { start: ms("2026-03-02T09:00:00Z"), end: ms("2026-03-02T10:00:00Z") }, // Monday 9, two weeks running
        { start: new Date("2026-03-09T09:00:00Z"), end: new Date("2026-03-09T10:00:00Z") },
        { start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z", productivity: 0.5 }, // Tuesday 14, half as productive
      ],
      "UTC",
    );
    expect(nonZero(profile)).toEqual({ [hourOfWeek(MONDAY, 9)]: 1, [hourOfWeek(TUESDAY, 14)]: 0.25 });
  });

  it("counts overlapping sessions (two devices at once) once, at the highest productivity", () => {
    const profile = productivityProfile(
      [
        { start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z", productivity: 0.5 },
        { start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z", productivity: 1 },
        { start: "2026-03-02T09:30:00Z", end: "2026-03-02T10:00:00Z", productivity: 0.8 },
        { start: "2026-03-03T09:00:00Z", end: "2026-03-03T10:00:00Z" },
        // 11:00–11:30 at 0.5 under a longer session at 0.25: 30 × 0.5 + 30 × 0.25.
        { start: "2026-03-02T11:00:00Z", end: "2026-03-02T12:00:00Z", productivity: 0.25 },
        { start: "2026-03-02T11:00:00Z", end: "2026-03-02T11:30:00Z", productivity: 0.5 },
      ],
      "UTC",
    );
    expect(nonZero(profile)).toEqual({ [hourOfWeek(MONDAY, 9)]: 1, [hourOfWeek(TUESDAY, 9)]: 1, [hourOfWeek(MONDAY, 11)]: 0.375 });
  });

  it("follows DST: the hour a spring-forward skips gets nothing, the hour a fall-back repeats gets both", () => {
    // Berlin, 2026-03-29 00:30–02:30 UTC is 01:30 CET → 04:30 CEST.
    expect(nonZero(productivityProfile([{ start: "2026-03-29T00:30:00Z", end: "2026-03-29T02:30:00Z" }], "Europe/Berlin"))).toEqual({
      [hourOfWeek(SUNDAY, 1)]: 0.5,
      [hourOfWeek(SUNDAY, 3)]: 1,
      [hourOfWeek(SUNDAY, 4)]: 0.5,
    });
    // Berlin, 2026-10-25 00:00–02:00 UTC is 02:00 CEST → 02:00 CET → 03:00 CET: two hours at 02.
    expect(nonZero(productivityProfile([{ start: "2026-10-25T00:00:00Z", end: "2026-10-25T02:00:00Z" }, { start: "2026-10-26T03:00:00Z", end: "2026-10-26T04:00:00Z" }], "Europe/Berlin"))).toEqual({
      [hourOfWeek(SUNDAY, 2)]: 1,
      [hourOfWeek(MONDAY, 4)]: 0.5,
    });
  });

  it("takes decrypted desktop records as they are: activities values, and focus sessions with a productivity", () => {
    const activities = [
      { projectId: "p1", start: "2026-03-02T09:00:00+01:00", end: "2026-03-02T11:00:00+01:00", kind: "coding", editor: "vscode" },
      { projectId: "p1", start: "2026-03-02T12:00:00+01:00" }, // still running: left out
    ].map((value) => collectionValueSchemas.activities.parse(value));
    const focus = [{ start: "2026-03-03T14:00:00+01:00", end: "2026-03-03T15:00:00+01:00", goal: "Refactor", completed: false }].map((value) => collectionValueSchemas.focus_sessions.parse(value));
    const profile = productivityProfile([...activities, ...focus.map((session) => ({ ...session, productivity: session.completed ? 1 : 0.5 }))], "Europe/Berlin");
    expect(nonZero(profile)).toEqual({ [hourOfWeek(MONDAY, 9)]: 1, [hourOfWeek(MONDAY, 10)]: 1, [hourOfWeek(TUESDAY, 14)]: 0.5 });
  });

  it("refuses what it cannot read", () => {
    expect(() => productivityProfile([], "Mars/Olympus_Mons")).toThrow(RangeError);
    expect(() => productivityProfile([{ start: "2026-03-02T10:00:00Z", end: "2026-03-02T09:00:00Z" }], "UTC")).toThrow(/sessions\[0\] ends before it starts/);
    expect(() => productivityProfile([{ start: 0, end: HOUR, productivity: 1.5 }], "UTC")).toThrow(RangeError);
    expect(() => productivityProfile([{ start: 0, end: HOUR, productivity: Number.NaN }], "UTC")).toThrow(RangeError);
    expect(() => productivityProfile([{ start: Number.POSITIVE_INFINITY, end: HOUR }], "UTC")).toThrow(RangeError);
    expect(() => productivityProfile([{ start: "2026-03-02 09:00", end: "2026-03-02T10:00:00Z" }], "UTC")).toThrow(CorrelationInputError);
  });

  it("feeds suggestFocusSlots: the hours the user works most are suggested first", () => {
    const weeks = [0, 1, 2, 3].map((week) => ms("2026-02-03T15:00:00Z") + week * 7 * 24 * HOUR); // Tuesdays 16:00 Berlin
    const profile = productivityProfile(
      weeks.map((start) => ({ start, end: start + 2 * HOUR })),
      "Europe/Berlin",
    );
    const [best] = suggestFocusSlots(
      {
        from: "2026-03-02T00:00:00Z",
        to: "2026-03-07T00:00:00Z",
        durationMinutes: 90,
        preferences: { workingHours: { start: "09:00", end: "18:00" }, timezone: "Europe/Berlin", minGapMinutes: 10 },
        productivityProfile: profile,
      },
      [],
      0,
    );
    // Tuesday 16:30–18:00 Berlin: all in the peak and ending with the day (16:00–17:30 would leave a 30-minute crumb).
    expect(best).toMatchObject({ startTime: "2026-03-03T15:30:00.000Z", confidence: 1 });
  });
});

// ───────────────────────────── properties ─────────────────────────────

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"];
const clocks = new Map<string, Intl.DateTimeFormat>();
function hourOfWeekAt(zone: string, at: number): number {
  if (!clocks.has(zone)) clocks.set(zone, new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "numeric", hourCycle: "h23" }));
  const parts = Object.fromEntries(clocks.get(zone)!.formatToParts(at).map((part) => [part.type, part.value]));
  return ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday!) * 24 + Number(parts.hour);
}

const sessionsArbitrary = fc.record({
  zone: fc.constantFrom(...ZONES),
  base: fc.constantFrom(ms("2026-03-27T00:00:00Z"), ms("2026-10-23T00:00:00Z"), ms("2026-04-02T00:00:00Z"), ms("2026-06-10T00:00:00Z")),
  sessions: fc.array(
    fc.record({
      startMinute: fc.integer({ min: 0, max: 4 * 24 * 60 }),
      lengthMinutes: fc.integer({ min: 0, max: 6 * 60 }),
      productivity: fc.option(fc.constantFrom(0, 0.2, 0.5, 0.9, 1), { nil: undefined }),
    }),
    { maxLength: 12 },
  ),
});

describe("productivityProfile: properties", () => {
  it("equals a minute-by-minute count on Intl's clock (each minute at the highest productivity covering it)", () => {
    fc.assert(
      fc.property(sessionsArbitrary, ({ zone, base, sessions }) => {
        const input = sessions.map((session) => ({
          start: base + session.startMinute * MINUTE,
          end: base + (session.startMinute + session.lengthMinutes) * MINUTE,
          ...(session.productivity === undefined ? {} : { productivity: session.productivity }),
        }));
        const weightAt = new Map<number, number>();
        for (const session of input) {
          for (let at = session.start; at < session.end; at += MINUTE) weightAt.set(at, Math.max(weightAt.get(at) ?? 0, session.productivity ?? 1));
        }
        const expected = new Array<number>(168).fill(0);
        for (const [at, weight] of weightAt) expected[hourOfWeekAt(zone, at)]! += weight;
        const busiest = Math.max(...expected);
        const profile = productivityProfile(input, zone);
        expect(ZProductivityProfile.parse(profile)).toEqual(profile);
        profile.forEach((weight, index) => expect(weight).toBeCloseTo(busiest > 0 ? expected[index]! / busiest : 0.5, 9));
        if (busiest > 0) expect(Math.max(...profile)).toBe(1);
        expect(productivityProfile([...input].reverse(), zone)).toEqual(profile);
      }),
      { numRuns: 60 },
    );
  });
});
