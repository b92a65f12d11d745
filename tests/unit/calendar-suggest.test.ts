import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { naiveSuggestFocusSlots } from "../../bench/lib/naive-suggest";
import { ZSuggestFocusSlotsInput, ZTimeSlot, type PartOfDay, type SuggestFocusSlotsInput, type TimeSlot } from "~/lib/calendar/schemas";
import { SLOT_SCORE, suggestFocusSlots, type BusyInterval } from "~/lib/calendar/suggest";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ms = (iso: string) => Date.parse(iso);
const event = (from: string, to: string, tentative = false): BusyInterval => ({ start: ms(from), end: ms(to), ...(tentative ? { tentative } : {}) });
const startsOf = (slots: TimeSlot[]) => slots.map((slot) => slot.startTime);
const EPOCH = 0;

/** One UTC working day, Monday 2026-03-02, 09:00–17:00. */
const monday = (overrides: Partial<SuggestFocusSlotsInput> = {}, minGapMinutes = 15): SuggestFocusSlotsInput => ({
  from: "2026-03-02T00:00:00Z",
  to: "2026-03-03T00:00:00Z",
  durationMinutes: 60,
  preferences: { workingHours: { start: "09:00", end: "17:00" }, timezone: "UTC", minGapMinutes },
  ...overrides,
});

describe("suggestFocusSlots: examples", () => {
  it("keeps the gap around a 10–11 meeting: 9:00–9:45 fits 45 minutes, nothing starts before 11:15", () => {
    const slots = suggestFocusSlots(monday({ durationMinutes: 45, limit: 50 }), [event("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z")], EPOCH);
    const early = slots.find((slot) => slot.startTime === "2026-03-02T09:00:00.000Z");
    expect(early).toEqual({ startTime: "2026-03-02T09:00:00.000Z", endTime: "2026-03-02T09:45:00.000Z", duration: 45, confidence: 0.5 - SLOT_SCORE.adjacentPenalty, conflictCount: 0 });
    for (const slot of slots) {
      if (slot === early) continue;
      expect(ms(slot.startTime)).toBeGreaterThanOrEqual(ms("2026-03-02T11:15:00Z"));
    }
  });

  it("prefers slots that leave no unusable fragment and do not touch a meeting (60 minutes, meeting 10–11, gap 15)", () => {
    // Free: 09:00–09:45 (too short) and 11:15–17:00. 12:15–15:00 and 16:00 leave ≥ 60 minutes
    // on both sides (0.5); 11:15 starts right at the gap after the meeting (−0.05);
    // 11:30–12:00 or 15:15–15:45 would leave 15–45 minutes nobody can use (−0.1).
    const slots = suggestFocusSlots(monday(), [event("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z")], EPOCH);
    expect(slots.map((slot) => [slot.startTime.slice(11, 16), slot.confidence])).toEqual([
      ["12:15", 0.5],
      ["13:15", 0.5],
      ["14:15", 0.5],
      ["16:00", 0.5],
      ["11:15", 0.45],
    ]);
  });

  it("suggests nothing in a full calendar", () => {
    const full = [event("2026-03-02T08:00:00Z", "2026-03-02T12:30:00Z"), event("2026-03-02T12:00:00Z", "2026-03-02T18:00:00Z")];
    expect(suggestFocusSlots(monday({ durationMinutes: 15 }, 0), full, EPOCH)).toEqual([]);
    // Free 12:30–13:15 between two meetings, but the 15-minute gaps leave 15 minutes: too short for 30.
    const nearlyFull = [event("2026-03-02T08:00:00Z", "2026-03-02T12:30:00Z"), event("2026-03-02T13:15:00Z", "2026-03-02T18:00:00Z")];
    expect(suggestFocusSlots(monday({ durationMinutes: 30 }), nearlyFull, EPOCH)).toEqual([]);
    expect(startsOf(suggestFocusSlots(monday({ durationMinutes: 15 }), nearlyFull, EPOCH))).toEqual(["2026-03-02T12:45:00.000Z"]);
  });

  it("ranks the morning first when the user prefers mornings", () => {
    const input = monday({ limit: 8 }, 0);
    const plain = suggestFocusSlots(input, [], EPOCH);
    const morning = suggestFocusSlots({ ...input, preferences: { ...input.preferences, preferredTimes: ["morning"] } }, [], EPOCH);
    expect(startsOf(morning).slice(0, 3).map((start) => start.slice(11, 16))).toEqual(["09:00", "10:00", "11:00"]);
    expect(morning.slice(0, 3).every((slot) => slot.confidence === 0.5)).toBe(true);
    expect(morning.slice(3).every((slot) => ms(slot.startTime) >= ms("2026-03-02T12:00:00Z") && slot.confidence === 0.5 * SLOT_SCORE.outsidePreferredTimes)).toBe(true);
    const evening = suggestFocusSlots({ ...input, preferences: { ...input.preferences, preferredTimes: ["afternoon"] } }, [], EPOCH);
    expect(evening[0]!.startTime).toBe("2026-03-02T12:00:00.000Z");
    expect(plain[0]!.startTime).toBe("2026-03-02T09:00:00.000Z"); // no preference: equal scores, earliest first
  });

  it("counts tentative events in conflictCount without letting them block, and ranks clashing slots lower", () => {
    const tentative = event("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z", true);
    const slots = suggestFocusSlots(monday({ limit: 50 }, 15), [tentative], EPOCH);
    // The whole day is still free (no gap kept around a tentative event); the clashing slot comes last.
    expect(slots.map((slot) => [slot.startTime.slice(11, 16), slot.conflictCount, slot.confidence])).toEqual([
      ["10:00", 0, 0.5],
      ["11:00", 0, 0.5],
      ["12:00", 0, 0.5],
      ["13:00", 0, 0.5],
      ["14:00", 0, 0.5],
      ["15:00", 0, 0.5],
      ["16:00", 0, 0.5],
      ["09:00", 1, 0.5 - SLOT_SCORE.tentativePenalty],
    ]);
    const two = suggestFocusSlots(monday({ limit: 50 }, 15), [tentative, event("2026-03-02T09:30:00Z", "2026-03-02T09:45:00Z", true)], EPOCH);
    expect(two.find((slot) => slot.startTime === "2026-03-02T09:00:00.000Z")?.conflictCount).toBe(2);
  });

  it("follows the productivity profile: Tuesday 14:00 is the best hour, in the user's zone", () => {
    const profile = new Array<number>(168).fill(0.2);
    profile[2 * 24 + 14] = 1; // Tuesday 14:00–15:00
    const input: SuggestFocusSlotsInput = {
      from: "2026-03-02T00:00:00Z",
      to: "2026-03-07T00:00:00Z",
      durationMinutes: 60,
      preferences: { workingHours: { start: "09:00", end: "17:00" }, timezone: "America/New_York", minGapMinutes: 0 },
      productivityProfile: profile,
      limit: 3,
    };
    const [best, second] = suggestFocusSlots(input, [], EPOCH);
    expect(best).toMatchObject({ startTime: "2026-03-03T19:00:00.000Z", confidence: 1 }); // 14:00 EST
    // 13:30 or 14:30 (half in the peak, 0.6) would overlap it: next comes the earliest plain hour.
    expect(second).toMatchObject({ startTime: "2026-03-02T14:00:00.000Z" }); // Monday 09:00 EST
    expect(second!.confidence).toBeCloseTo(0.2, 12);
    const withoutPeak = suggestFocusSlots({ ...input, preferences: { ...input.preferences, workingHours: { days: [2], start: "13:30", end: "14:30" } } }, [], EPOCH);
    expect(withoutPeak).toEqual([expect.objectContaining({ startTime: "2026-03-03T18:30:00.000Z", confidence: 0.6 })]);
  });

  it("follows the clock across a DST change: Berlin 09:00 is 08:00 UTC before 2026-03-29 and 07:00 UTC after", () => {
    const input: SuggestFocusSlotsInput = {
      from: "2026-03-27T00:00:00Z", // Friday
      to: "2026-03-31T00:00:00Z", // Tuesday
      durationMinutes: 120,
      preferences: { workingHours: { days: [1, 5], start: "09:00", end: "11:00" }, timezone: "Europe/Berlin", minGapMinutes: 0 },
    };
    expect(suggestFocusSlots(input, [], EPOCH)).toEqual([
      { startTime: "2026-03-27T08:00:00.000Z", endTime: "2026-03-27T10:00:00.000Z", duration: 120, confidence: 0.5, conflictCount: 0 },
      { startTime: "2026-03-30T07:00:00.000Z", endTime: "2026-03-30T09:00:00.000Z", duration: 120, confidence: 0.5, conflictCount: 0 },
    ]);
  });

  it("keeps only the working hours the clock shows on a DST night (Berlin, 01:00–04:00 on 2026-03-29 is two hours)", () => {
    const input: SuggestFocusSlotsInput = {
      from: "2026-03-28T12:00:00Z",
      to: "2026-03-29T12:00:00Z",
      durationMinutes: 120,
      preferences: { workingHours: { days: [0], start: "01:00", end: "04:00" }, timezone: "Europe/Berlin", minGapMinutes: 0 },
    };
    expect(startsOf(suggestFocusSlots(input, [], EPOCH))).toEqual(["2026-03-29T00:00:00.000Z"]);
    expect(suggestFocusSlots({ ...input, durationMinutes: 135 }, [], EPOCH)).toEqual([]);
  });

  it("works until midnight with 24:00 and never suggests a slot starting before now", () => {
    const input = monday({ durationMinutes: 60, limit: 50, preferences: { workingHours: { start: "20:00", end: "24:00" }, timezone: "UTC", minGapMinutes: 0 } });
    expect(startsOf(suggestFocusSlots(input, [], EPOCH)).map((start) => start.slice(11, 16))).toEqual(["20:00", "21:00", "22:00", "23:00"]);
    const now = ms("2026-03-02T20:50:00Z");
    const later = suggestFocusSlots(input, [], now);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((slot) => ms(slot.startTime) >= now)).toBe(true);
    expect(later[0]!.startTime).toBe("2026-03-02T21:00:00.000Z");
    expect(suggestFocusSlots(input, [], ms("2026-03-03T00:00:00Z"))).toEqual([]);
  });

  it("validates its input", () => {
    const valid = monday();
    const refuses = (input: unknown, path: string) => {
      const error = (() => {
        try {
          suggestFocusSlots(input as SuggestFocusSlotsInput, [], EPOCH);
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(error, path).toBeInstanceOf(ZodError);
      expect((error as ZodError).issues.map((issue) => issue.path.join("."))).toContain(path);
    };
    refuses({ ...valid, preferences: { ...valid.preferences, timezone: "Mars/Olympus_Mons" } }, "preferences.timezone");
    refuses({ ...valid, to: valid.from }, "to");
    refuses({ ...valid, to: "2026-04-03T00:00:01Z" }, "to"); // more than 31 days
    refuses({ ...valid, from: "2026-03-02T00:00:00" }, "from"); // no zone
    refuses({ ...valid, durationMinutes: 10 }, "durationMinutes");
    refuses({ ...valid, durationMinutes: 481 }, "durationMinutes");
    refuses({ ...valid, limit: 51 }, "limit");
    refuses({ ...valid, productivityProfile: new Array(167).fill(0.5) }, "productivityProfile");
    refuses({ ...valid, productivityProfile: new Array(168).fill(1.5) }, "productivityProfile.0");
    refuses({ ...valid, preferences: { ...valid.preferences, minGapMinutes: 241 } }, "preferences.minGapMinutes");
    refuses({ ...valid, preferences: { ...valid.preferences, workingHours: { start: "17:00", end: "09:00" } } }, "preferences.workingHours.end");
    refuses({ ...valid, preferences: { ...valid.preferences, workingHours: { start: "9:00", end: "17:00" } } }, "preferences.workingHours.start");
    refuses({ ...valid, preferences: { ...valid.preferences, workingHours: { days: [1, 1], start: "09:00", end: "17:00" } } }, "preferences.workingHours.days");
    refuses({ ...valid, preferences: { ...valid.preferences, preferredTimes: ["night"] } }, "preferences.preferredTimes.0");
    expect(ZSuggestFocusSlotsInput.parse(valid)).toMatchObject({ limit: 10, preferences: { workingHours: { days: [1, 2, 3, 4, 5] } } });
    expect(() => suggestFocusSlots(valid, [{ start: 10, end: 5 }], EPOCH)).toThrow(RangeError);
    expect(() => suggestFocusSlots(valid, [{ start: Number.NaN, end: 5 }], EPOCH)).toThrow(RangeError);
    expect(() => suggestFocusSlots(valid, [], Number.NaN)).toThrow(RangeError);
  });
});

// ───────────────────────────── properties ─────────────────────────────

/** Weeks with and without DST changes, in zones with whole-hour, half-hour and 45-minute offsets. */
const SCENES = [
  { zone: "Europe/Berlin", from: "2026-03-27T00:00:00Z" }, // spring forward on the 29th
  { zone: "Europe/Berlin", from: "2026-10-23T00:00:00Z" }, // fall back on the 25th
  { zone: "America/New_York", from: "2026-03-06T00:00:00Z" },
  { zone: "America/New_York", from: "2026-10-30T00:00:00Z" },
  { zone: "Australia/Lord_Howe", from: "2026-04-03T00:00:00Z" }, // half-hour DST
  { zone: "Pacific/Chatham", from: "2026-04-03T00:00:00Z" }, // +13:45 → +12:45
  { zone: "Asia/Kathmandu", from: "2026-06-10T00:00:00Z" },
  { zone: "Asia/Kolkata", from: "2026-06-10T00:00:00Z" },
  { zone: "UTC", from: "2026-06-10T00:00:00Z" },
] as const;

const clockTime = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

type Scenario = { input: SuggestFocusSlotsInput; busy: BusyInterval[]; now: number };

/** A random calendar over 1–`maxDays` days: meetings (some tentative, some at odd seconds), working hours, preferences, maybe a profile. */
function scenario(maxDays: number): fc.Arbitrary<Scenario> {
  return fc
    .record({
      scene: fc.constantFrom(...SCENES),
      offsetHours: fc.integer({ min: 0, max: 48 }),
      days: fc.integer({ min: 1, max: maxDays }),
      workingDays: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 3, maxLength: 7 }),
      // Any minute for the bounds, often at night so that DST changes fall inside working hours.
      workingStart: fc.oneof(fc.integer({ min: 0, max: 23 * 60 }), fc.constantFrom(60, 120, 150, 165, 8 * 60, 9 * 60)),
      workingLength: fc.oneof(fc.integer({ min: 15, max: 14 * 60 }), fc.integer({ min: 4 * 60, max: 10 * 60 })),
      durationMinutes: fc.oneof({ arbitrary: fc.constantFrom(15, 30, 45, 60, 90, 120), weight: 4 }, { arbitrary: fc.integer({ min: 15, max: 300 }), weight: 1 }),
      minGapMinutes: fc.oneof(fc.constantFrom(0, 5, 15, 30), fc.integer({ min: 0, max: 90 })),
      preferredTimes: fc.option(fc.uniqueArray(fc.constantFrom<PartOfDay>("morning", "afternoon", "evening"), { maxLength: 3 }), { nil: undefined }),
      // Few distinct weights, so that equal scores (and the tie-break) are common.
      profile: fc.option(fc.array(fc.constantFrom(0, 0.25, 0.5, 0.75, 1), { minLength: 168, maxLength: 168 }), { nil: undefined }),
      limit: fc.integer({ min: 1, max: 50 }),
      meetings: fc.array(
        fc.record({
          startMinute: fc.integer({ min: -120, max: 4 * 24 * 60 }),
          lengthMinutes: fc.oneof(fc.constantFrom(0, 15, 30, 60), fc.integer({ min: 0, max: 240 })),
          seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 59 })),
          tentative: fc.boolean(),
        }),
        { maxLength: 25 },
      ),
      nowMinute: fc.option(fc.integer({ min: -600, max: 18 * 60 }), { nil: undefined, freq: 2 }),
    })
    .map((r) => {
      const from = ms(r.scene.from) + r.offsetHours * HOUR + (r.offsetHours % 3) * 7 * MINUTE; // not always on the quarter hour
      const end = Math.min(r.workingStart + r.workingLength, 24 * 60);
      const input: SuggestFocusSlotsInput = {
        from: new Date(from).toISOString(),
        to: new Date(from + r.days * DAY - (r.offsetHours % 2) * 13 * MINUTE).toISOString(),
        durationMinutes: r.durationMinutes,
        preferences: {
          workingHours: { days: r.workingDays, start: clockTime(r.workingStart), end: clockTime(end) },
          timezone: r.scene.zone,
          minGapMinutes: r.minGapMinutes,
          ...(r.preferredTimes ? { preferredTimes: r.preferredTimes } : {}),
        },
        ...(r.profile ? { productivityProfile: r.profile } : {}),
        limit: r.limit,
      };
      const busy = r.meetings.map((meeting) => {
        const start = from + meeting.startMinute * MINUTE + meeting.seconds * 1000;
        return { start, end: start + meeting.lengthMinutes * MINUTE, ...(meeting.tentative ? { tentative: true } : {}) };
      });
      return { input, busy, now: r.nowMinute === undefined ? EPOCH : from + r.nowMinute * MINUTE };
    });
}

const clocks = new Map<string, Intl.DateTimeFormat>();
/** The user's clock at an instant, read by Intl: weekday (0 = Sunday) and minute of the day. */
function clockAt(zone: string, at: number) {
  if (!clocks.has(zone)) clocks.set(zone, new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "numeric", minute: "numeric", hourCycle: "h23" }));
  const parts = Object.fromEntries(clocks.get(zone)!.formatToParts(at).map((part) => [part.type, part.value]));
  return { weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday!), minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute) };
}

describe("suggestFocusSlots: properties", () => {
  it("gives the same answer as the minute-by-minute scan, ties and DST changes included", () => {
    fc.assert(
      fc.property(scenario(3), ({ input, busy, now }) => {
        expect(suggestFocusSlots(input, busy, now)).toEqual(naiveSuggestFocusSlots(input, busy, now));
      }),
      { numRuns: 150 },
    );
  });

  it("suggests valid slots: duration kept, after now, on the quarter hour, inside the range, confidence in [0, 1], no two overlapping", () => {
    fc.assert(
      fc.property(scenario(7), ({ input, busy, now }) => {
        const slots = suggestFocusSlots(input, busy, now);
        expect(slots.length).toBeLessThanOrEqual(input.limit ?? 10);
        for (const slot of slots) {
          expect(ZTimeSlot.parse(slot)).toEqual(slot);
          const start = ms(slot.startTime);
          const end = ms(slot.endTime);
          expect(slot.duration).toBe(input.durationMinutes);
          expect(end - start).toBe(input.durationMinutes * MINUTE);
          expect(start).toBeGreaterThanOrEqual(Math.max(now, ms(input.from)));
          expect(end).toBeLessThanOrEqual(ms(input.to));
          expect(start % (15 * MINUTE)).toBe(0);
          expect(slot.confidence).toBeGreaterThanOrEqual(0);
          expect(slot.confidence).toBeLessThanOrEqual(1);
        }
        const sorted = [...slots].sort((a, b) => ms(a.startTime) - ms(b.startTime));
        for (let i = 1; i < sorted.length; i++) expect(ms(sorted[i]!.startTime)).toBeGreaterThanOrEqual(ms(sorted[i - 1]!.endTime));
      }),
      { numRuns: 300 },
    );
  });

  it("never overlaps a busy event widened by the gap, and counts exactly the tentative events it overlaps", () => {
    fc.assert(
      fc.property(scenario(7), ({ input, busy, now }) => {
        const gap = input.preferences.minGapMinutes * MINUTE;
        for (const slot of suggestFocusSlots(input, busy, now)) {
          const start = ms(slot.startTime);
          const end = ms(slot.endTime);
          for (const meeting of busy.filter((candidate) => !candidate.tentative && (candidate.end > candidate.start || gap > 0))) {
            expect(end <= meeting.start - gap || start >= meeting.end + gap, `slot ${slot.startTime} vs meeting ${new Date(meeting.start).toISOString()}`).toBe(true);
          }
          expect(slot.conflictCount).toBe(busy.filter((meeting) => meeting.tentative && meeting.start < end && meeting.end > start).length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every minute of every slot inside the working hours shown on the user's clock, across DST changes", () => {
    fc.assert(
      fc.property(scenario(4), ({ input, busy, now }) => {
        const { workingHours, timezone } = input.preferences;
        const days = workingHours.days ?? [1, 2, 3, 4, 5];
        const [startH, startM] = workingHours.start.split(":").map(Number) as [number, number];
        const [endH, endM] = workingHours.end.split(":").map(Number) as [number, number];
        for (const slot of suggestFocusSlots({ ...input, limit: 10 }, busy, now)) {
          for (let at = ms(slot.startTime); at < ms(slot.endTime); at += MINUTE) {
            const clock = clockAt(timezone, at);
            expect(days, `${new Date(at).toISOString()} in ${timezone}`).toContain(clock.weekday);
            expect(clock.minuteOfDay).toBeGreaterThanOrEqual(startH * 60 + startM);
            expect(clock.minuteOfDay).toBeLessThan(endH * 60 + endM);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it("is deterministic: the same input, or the events in another order, give the same output", () => {
    fc.assert(
      fc.property(scenario(7), fc.integer(), ({ input, busy, now }, seed) => {
        const first = suggestFocusSlots(input, busy, now);
        expect(suggestFocusSlots(structuredClone(input), structuredClone(busy), now)).toEqual(first);
        const shuffled = [...busy].sort((a, b) => ((a.start * 31 + seed) % 97) - ((b.start * 31 + seed) % 97) || b.end - a.end);
        expect(suggestFocusSlots(input, shuffled, now)).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });
});
