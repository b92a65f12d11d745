import { z } from "zod";
import { DATE_RANGE_MESSAGE, isInDateRange, ZText } from "../schemas/primitives";
import { DAY, HOURS_PER_WEEK, isTimeZone } from "./zoned-time";

/**
 * Input and output of focus-slot suggestions (./suggest.ts) and the productivity
 * profile (./profile.ts). Every bound here is also a bound on the work one call does:
 * at most 31 days × 96 quarter hours of candidates.
 */

export const SUGGEST_LIMITS = {
  /** The widest range one call searches. */
  spanDays: 31,
  durationMinutes: { min: 15, max: 480 },
  minGapMinutes: { min: 0, max: 240 },
  suggestions: { min: 1, max: 50, default: 10 },
} as const;

export const ZPartOfDay = z.enum(["morning", "afternoon", "evening"]);
export type PartOfDay = z.infer<typeof ZPartOfDay>;

/** Parts of the day on the user's clock, [from, to) in hours, for `preferredTimes`. */
export const PARTS_OF_DAY: Record<PartOfDay, { from: number; to: number }> = {
  morning: { from: 6, to: 12 },
  afternoon: { from: 12, to: 17 },
  evening: { from: 17, to: 22 },
};

const MONDAY_TO_FRIDAY = [1, 2, 3, 4, 5];

/** "HH:MM" on a 24-hour clock; "24:00" is the end of the day (only useful as an end). */
export const ZClockTime = ZText.regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, "Expected a time of day as HH:MM (00:00 to 24:00)");

/** Minutes since midnight of an "HH:MM" already validated by ZClockTime. */
export function minutesOfClockTime(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

const noDuplicates = <T>(items: readonly T[]) => new Set(items).size === items.length;

export const ZWorkingHours = z
  .object({
    /** Working days, 0 = Sunday … 6 = Saturday. */
    days: z
      .array(z.number().int("A day is a whole number").min(0, "Days go from 0 (Sunday) to 6 (Saturday)").max(6, "Days go from 0 (Sunday) to 6 (Saturday)"))
      .min(1, "Choose at least one working day")
      .max(7)
      .refine(noDuplicates, "Each day at most once")
      .default(MONDAY_TO_FRIDAY),
    start: ZClockTime,
    end: ZClockTime,
  })
  .refine((hours) => minutesOfClockTime(hours.start) < minutesOfClockTime(hours.end), { path: ["end"], message: "The working day must end after it starts" });

/** An IANA time zone Intl knows ("Europe/Berlin", "UTC"). */
export const ZTimeZone = ZText.min(1, "Time zone is empty")
  .max(64, "Time zone is longer than 64 characters")
  .refine(isTimeZone, { error: (issue) => `Unknown time zone ${JSON.stringify(issue.input)}: expected an IANA name like "Europe/Berlin"` });

export const ZSuggestPreferences = z.object({
  workingHours: ZWorkingHours,
  /** The zone the working hours and the productivity profile are read in. */
  timezone: ZTimeZone,
  /** Free time kept before and after every (non-tentative) busy event. */
  minGapMinutes: z
    .number()
    .int("minGapMinutes is a whole number of minutes")
    .min(SUGGEST_LIMITS.minGapMinutes.min, "minGapMinutes must not be negative")
    .max(SUGGEST_LIMITS.minGapMinutes.max, `minGapMinutes must be at most ${SUGGEST_LIMITS.minGapMinutes.max}`),
  preferredTimes: z
    .array(ZPartOfDay)
    .max(3)
    .refine(noDuplicates, "Each part of the day at most once")
    .optional(),
});

/**
 * How productive the user tends to be in each hour of the week, on their own clock:
 * 168 weights in [0, 1], index = day × 24 + hour, day 0 = Sunday.
 */
export const ZProductivityProfile = z
  .array(z.number().min(0, "Profile weights are between 0 and 1").max(1, "Profile weights are between 0 and 1"))
  .length(HOURS_PER_WEEK, `A productivity profile has exactly ${HOURS_PER_WEEK} hourly weights (7 days × 24 hours)`);

const dateTime = (what: string) =>
  z.iso
    .datetime({ offset: true, error: `${what} must be an ISO 8601 date-time with Z or an offset, like 2026-03-02T09:00:00Z` })
    .refine((value) => isInDateRange(Date.parse(value)), `${what}: ${DATE_RANGE_MESSAGE}`);

export const ZSuggestFocusSlotsInput = z
  .object({
    from: dateTime("from"),
    to: dateTime("to"),
    durationMinutes: z
      .number()
      .int("durationMinutes is a whole number of minutes")
      .min(SUGGEST_LIMITS.durationMinutes.min, `A focus slot lasts at least ${SUGGEST_LIMITS.durationMinutes.min} minutes`)
      .max(SUGGEST_LIMITS.durationMinutes.max, `A focus slot lasts at most ${SUGGEST_LIMITS.durationMinutes.max} minutes`),
    preferences: ZSuggestPreferences,
    productivityProfile: ZProductivityProfile.optional(),
    limit: z
      .number()
      .int("limit is a whole number")
      .min(SUGGEST_LIMITS.suggestions.min, `limit must be at least ${SUGGEST_LIMITS.suggestions.min}`)
      .max(SUGGEST_LIMITS.suggestions.max, `limit must be at most ${SUGGEST_LIMITS.suggestions.max}`)
      .default(SUGGEST_LIMITS.suggestions.default),
  })
  .superRefine((input, ctx) => {
    const span = Date.parse(input.to) - Date.parse(input.from);
    if (!(span > 0)) ctx.addIssue({ code: "custom", path: ["to"], message: "to must be after from" });
    else if (span > SUGGEST_LIMITS.spanDays * DAY) ctx.addIssue({ code: "custom", path: ["to"], message: `Search at most ${SUGGEST_LIMITS.spanDays} days at a time` });
  });

/** A suggested focus slot (the seed's TimeSlot, with ISO strings for dates). */
export const ZTimeSlot = z.object({
  startTime: z.iso.datetime(),
  endTime: z.iso.datetime(),
  /** Minutes. */
  duration: z.number().int().positive(),
  /** In [0, 1]: how good the slot is (see the score in ./suggest.ts). */
  confidence: z.number().min(0).max(1),
  /** Tentative events the slot overlaps: they do not block it, but it clashes with them. */
  conflictCount: z.number().int().min(0),
});

export type WorkingHours = z.infer<typeof ZWorkingHours>;
export type SuggestPreferences = z.infer<typeof ZSuggestPreferences>;
export type ProductivityProfile = z.infer<typeof ZProductivityProfile>;
/** What a caller passes (defaults may be left out). */
export type SuggestFocusSlotsInput = z.input<typeof ZSuggestFocusSlotsInput>;
/** After parsing, defaults filled in. */
export type SuggestFocusSlotsRequest = z.infer<typeof ZSuggestFocusSlotsInput>;
export type TimeSlot = z.infer<typeof ZTimeSlot>;
