/**
 * Focus-slot suggestions: where in a calendar a block of focus time fits best.
 *
 * The algorithm, in plain words. Every time is taken to the minute and suggestions start
 * on the quarter hour. First, the search range runs from `from` (or `now`, whichever is
 * later, rounded up to the next quarter hour) to `to`. Second, the user's working hours
 * become a list of time intervals: a moment counts as working time when the user's own
 * clock, in their time zone, shows a working day and a time between `start` and `end`
 * (so a DST change shortens or lengthens that day's window as the clock does). Third,
 * every event that is not tentative becomes a busy interval widened by `minGapMinutes` on
 * both sides (and out to whole minutes), and overlapping busy intervals are merged. The
 * free windows are the working intervals minus the busy ones. Fourth, every quarter hour
 * inside a free window where the requested duration still fits is a candidate, scored
 *
 *     score = productivity × time-of-day factor
 *             − 0.1 for each side that leaves a free fragment shorter than the duration
 *             − 0.05 for each side directly next to a busy interval (no free time between)
 *             − 0.1 for each tentative event it overlaps
 *
 * where productivity is the mean weight of the productivity profile over the slot's
 * minutes (each minute weighs as its hour of the week on the user's clock; 0.5 for all
 * without a profile), and the time-of-day factor is 1 without `preferredTimes`, otherwise
 * 0.8 plus 0.2 × the share of the slot inside the preferred parts of the day (morning
 * 06–12, afternoon 12–17, evening 17–22). The confidence is the score clamped to [0, 1];
 * `conflictCount` is the number of tentative events the slot overlaps (they never block
 * it). Fifth, the candidates are taken best score first (earlier start first among
 * equal scores), skipping any that overlaps one already taken, until `limit` are taken.
 * The result comes in that order, best first: the caller shows the best suggestion on
 * top, and a calendar view can sort by `startTime` itself.
 *
 * Fragments and adjacency are judged against the free windows before any suggestion is
 * taken: suggestions are alternatives to choose from, not a schedule to book together.
 *
 * Cost: O(b log b) for b busy events, plus the candidates (at most 96 a day, 31 days) and
 * the Intl calls that find the zone's offsets (four per day of the range, and about 25
 * at each DST change); no minute-by-minute scan. The same
 * input always gives the same output, whatever the order of `busy`. bench/calendar.ts
 * compares it with the minute-by-minute scan it must agree with (bench/lib/naive-suggest.ts).
 */
import { minutesOfClockTime, PARTS_OF_DAY, ZSuggestFocusSlotsInput, type SuggestFocusSlotsInput, type SuggestFocusSlotsRequest, type TimeSlot, type WorkingHours } from "./schemas";
import { DAY, forEachLocalHour, HOURS_PER_WEEK, MINUTE, weekdayOfWall, zoneOffsetPieces, type ZonePiece } from "./zoned-time";

// Read once: bundlers (webpack, and tsx here) turn imported bindings into getters, which
// cost more than the arithmetic around them in the per-candidate loops.
const MINUTE_MS = MINUTE;
const WEEK_HOURS = HOURS_PER_WEEK;

/** The weights of the score (see above). */
export const SLOT_SCORE = {
  /** Productivity of every hour when no profile is given. */
  withoutProfile: 0.5,
  /** Time-of-day factor of a slot entirely outside the preferred parts of the day. */
  outsidePreferredTimes: 0.8,
  fragmentPenalty: 0.1,
  adjacentPenalty: 0.05,
  tentativePenalty: 0.1,
} as const;

/** Suggestions start on quarter hours (of UTC, which are the user's quarter hours in every zone in use today). */
export const SLOT_GRID = 15 * MINUTE;

/** A calendar event as the suggestions need it: epoch milliseconds. A tentative one does not block. */
export type BusyInterval = { start: number; end: number; tentative?: boolean };

type Interval = { start: number; end: number };
/** A slot that fits, with its score: what `pickSuggestions` chooses from. */
export type SlotCandidate = { start: number; end: number; score: number; conflicts: number };

/**
 * The best free slots for focus time between `input.from` and `input.to`, best first;
 * see the algorithm above. `input` is validated (a ZodError when it is not valid);
 * a busy interval that ends before it starts, or a `now` that is not a time, throws a
 * RangeError.
 */
export function suggestFocusSlots(input: SuggestFocusSlotsInput, busy: readonly BusyInterval[], now: number = Date.now()): TimeSlot[] {
  const request = ZSuggestFocusSlotsInput.parse(input);
  if (!Number.isFinite(now)) throw new RangeError(`now must be epoch milliseconds, got ${now}`);
  const duration = request.durationMinutes * MINUTE;
  const range = searchRange(request, now);
  if (range.end - range.start < duration) return [];

  const pieces = zoneOffsetPieces(request.preferences.timezone, range.start, range.end);
  const blocked = blockedIntervals(busy, request.preferences.minGapMinutes);
  const blockedStarts = new Set(blocked.map((interval) => interval.start));
  const blockedEnds = new Set(blocked.map((interval) => interval.end));
  const tentative = tentativeIndex(busy);
  const needsHours = request.productivityProfile !== undefined || (request.preferences.preferredTimes?.length ?? 0) > 0;
  const minutesByHour = new Float64Array(WEEK_HOURS);
  const scoreSlot = createSlotScorer(request);

  const candidates: SlotCandidate[] = [];
  for (const window of subtract(workingIntervals(pieces, request.preferences.workingHours), blocked)) {
    for (let start = ceilTo(window.start, SLOT_GRID); start + duration <= window.end; start += SLOT_GRID) {
      const end = start + duration;
      if (needsHours) {
        minutesByHour.fill(0);
        forEachLocalHour(pieces, start, end, (hour, ms) => (minutesByHour[hour]! += ms / MINUTE_MS));
      }
      const conflicts = tentative.overlapping(start, end);
      const score = scoreSlot({
        minutesByHour: needsHours ? minutesByHour : undefined,
        fragments: Number(isFragment(start - window.start, duration)) + Number(isFragment(window.end - end, duration)),
        adjacent: Number(start === window.start && blockedEnds.has(start)) + Number(end === window.end && blockedStarts.has(end)),
        conflicts,
      });
      candidates.push({ start, end, score, conflicts });
    }
  }
  return pickSuggestions(candidates, request);
}

// ───────── definitions shared with the minute-by-minute reference scan (bench/lib/naive-suggest.ts) ─────────

/** Where slots may lie: from the later of `from` and `now`, up to the quarter hour, to `to`, down to the minute. */
export function searchRange(request: Pick<SuggestFocusSlotsRequest, "from" | "to">, now: number): Interval {
  return { start: ceilTo(Math.max(Date.parse(request.from), now), SLOT_GRID), end: floorTo(Date.parse(request.to), MINUTE) };
}

/**
 * A busy event as the time it blocks: widened by the gap on both sides, then out to
 * whole minutes; undefined when it blocks nothing (tentative, or empty without a gap).
 */
export function blockedSpan(event: BusyInterval, minGapMinutes: number): Interval | undefined {
  if (!(Number.isFinite(event.start) && Number.isFinite(event.end)) || event.end < event.start) {
    throw new RangeError(`A busy interval must have finite start ≤ end, got ${event.start} → ${event.end}`);
  }
  if (event.tentative) return undefined;
  const start = event.start - minGapMinutes * MINUTE;
  const end = event.end + minGapMinutes * MINUTE;
  return start < end ? { start: floorTo(start, MINUTE), end: ceilTo(end, MINUTE) } : undefined;
}

export type SlotFacts = {
  /** Minutes of the slot in each hour of the week (user's clock); undefined when neither a profile nor preferred times need them. */
  minutesByHour: ArrayLike<number> | undefined;
  /** Sides (0–2) leaving a fragment shorter than the duration. */
  fragments: number;
  /** Sides (0–2) directly next to blocked time. */
  adjacent: number;
  /** Tentative events overlapped. */
  conflicts: number;
};

/**
 * The score of the algorithm above, from the facts both implementations establish their
 * own way. Made once per call: the preferred hours and the weights are looked up once,
 * not per candidate.
 */
export function createSlotScorer(request: Pick<SuggestFocusSlotsRequest, "durationMinutes" | "preferences" | "productivityProfile">): (facts: SlotFacts) => number {
  const profile = request.productivityProfile;
  const preferred = request.preferences.preferredTimes ?? [];
  const inPreferredTime = Array.from({ length: WEEK_HOURS }, (_, hour) => preferred.some((part) => hour % 24 >= PARTS_OF_DAY[part].from && hour % 24 < PARTS_OF_DAY[part].to));
  const duration = request.durationMinutes;
  return (facts) => {
    let productivity: number = SLOT_SCORE.withoutProfile;
    let timeOfDay = 1;
    if (facts.minutesByHour) {
      // Summed in hour-of-week order (not time order), so any way of counting the same
      // minutes gives the same floating-point result.
      let weighted = 0;
      let preferredMinutes = 0;
      for (let hour = 0; hour < WEEK_HOURS; hour++) {
        const minutes = facts.minutesByHour[hour]!;
        if (minutes === 0) continue;
        if (profile) weighted += profile[hour]! * minutes;
        if (inPreferredTime[hour]) preferredMinutes += minutes;
      }
      if (profile) productivity = weighted / duration;
      if (preferred.length > 0) timeOfDay = SLOT_SCORE.outsidePreferredTimes + (1 - SLOT_SCORE.outsidePreferredTimes) * (preferredMinutes / duration);
    }
    return productivity * timeOfDay - SLOT_SCORE.fragmentPenalty * facts.fragments - SLOT_SCORE.adjacentPenalty * facts.adjacent - SLOT_SCORE.tentativePenalty * facts.conflicts;
  };
}

/** Best score first, earlier start among equals; none overlapping one already taken; at most `limit`. */
export function pickSuggestions(candidates: readonly SlotCandidate[], request: Pick<SuggestFocusSlotsRequest, "durationMinutes" | "limit">): TimeSlot[] {
  const ranked = [...candidates].sort((a, b) => b.score - a.score || a.start - b.start);
  const taken: SlotCandidate[] = [];
  for (const candidate of ranked) {
    if (taken.length === request.limit) break;
    if (taken.every((slot) => candidate.end <= slot.start || candidate.start >= slot.end)) taken.push(candidate);
  }
  return taken.map((slot) => ({
    startTime: new Date(slot.start).toISOString(),
    endTime: new Date(slot.end).toISOString(),
    duration: request.durationMinutes,
    confidence: Math.min(1, Math.max(0, slot.score)),
    conflictCount: slot.conflicts,
  }));
}

// ───────────────────────────── the interval arithmetic ─────────────────────────────

/** A free fragment left beside a slot that is too short for another slot of the same length. */
const isFragment = (leftoverMs: number, durationMs: number) => leftoverMs > 0 && leftoverMs < durationMs;
const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

/**
 * Working time within the pieces' span, as sorted, disjoint, non-touching intervals.
 * Per piece of constant offset, each local day's [start, end) on the clock maps to
 * instants by subtracting the offset; clipping to the piece drops the wall times a
 * spring-forward skips and keeps both passes of an hour a fall-back repeats.
 */
function workingIntervals(pieces: readonly ZonePiece[], hours: WorkingHours): Interval[] {
  const days = new Set(hours.days);
  const dayStart = minutesOfClockTime(hours.start) * MINUTE;
  const dayEnd = minutesOfClockTime(hours.end) * MINUTE;
  const intervals: Interval[] = [];
  for (const piece of pieces) {
    const wallFrom = piece.start + piece.offset;
    const wallTo = piece.end + piece.offset;
    for (let day = floorTo(wallFrom, DAY); day < wallTo; day += DAY) {
      if (!days.has(weekdayOfWall(day))) continue;
      const start = Math.max(wallFrom, day + dayStart) - piece.offset;
      const end = Math.min(wallTo, day + dayEnd) - piece.offset;
      if (start < end) appendMerged(intervals, start, end);
    }
  }
  return intervals;
}

/** Blocked time of the non-tentative events, sorted and merged (touching ones too). */
function blockedIntervals(busy: readonly BusyInterval[], minGapMinutes: number): Interval[] {
  const spans: Interval[] = [];
  for (const event of busy) {
    const span = blockedSpan(event, minGapMinutes);
    if (span) spans.push(span);
  }
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const span of spans) appendMerged(merged, span.start, span.end);
  return merged;
}

/** Appends [start, end) to intervals sorted by start, merging it into the last one when they overlap or touch. */
function appendMerged(intervals: Interval[], start: number, end: number): void {
  const last = intervals.at(-1);
  if (last && start <= last.end) last.end = Math.max(last.end, end);
  else intervals.push({ start, end });
}

/** `from` minus `minus`, both sorted and disjoint: the free windows. */
function subtract(from: readonly Interval[], minus: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  let first = 0;
  for (const interval of from) {
    while (first < minus.length && minus[first]!.end <= interval.start) first++;
    let cursor = interval.start;
    for (let i = first; cursor < interval.end; i++) {
      const cut = minus[i];
      if (!cut || cut.start >= interval.end) {
        result.push({ start: cursor, end: interval.end });
        break;
      }
      if (cut.start > cursor) result.push({ start: cursor, end: cut.start });
      cursor = Math.max(cursor, cut.end);
    }
  }
  return result;
}

/**
 * Counts tentative events overlapping [start, end) in O(log n): those starting before
 * `end`, minus those ending by `start` (which all start before `end` too).
 */
function tentativeIndex(busy: readonly BusyInterval[]) {
  const events = busy.filter((event) => event.tentative);
  const starts = events.map((event) => event.start).sort((a, b) => a - b);
  const ends = events.map((event) => event.end).sort((a, b) => a - b);
  return { overlapping: (start: number, end: number) => countWhile(starts, (at) => at < end) - countWhile(ends, (at) => at <= start) };
}

/** How many leading values of a sorted array satisfy `holds` (binary search; `holds` is true up to some index, false after). */
function countWhile(sorted: readonly number[], holds: (value: number) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (holds(sorted[middle]!)) low = middle + 1;
    else high = middle;
  }
  return low;
}
