/**
 * The productivity profile: when in the week the user tends to work, on their own
 * clock, as the 168 hour-of-week weights `suggestFocusSlots` takes.
 *
 * Activity is end-to-end encrypted, so this runs where it is decrypted (the browser, the
 * desktop SDK), like the commit correlation: the decrypted `activities` values —
 * `{ start, end?, projectId?, kind? }` with ISO strings — are sessions as they are, and
 * `focus_sessions` values are too (with a `productivity` of the caller's choosing, for
 * instance 1 when completed and 0.5 when not). Pure and isomorphic.
 */
import { toEpochMs } from "../correlation/normalize";
import type { ProductivityProfile } from "./schemas";
import { DAY, forEachLocalHour, HOURS_PER_WEEK, isTimeZone, MINUTE, zoneOffsetPieces } from "./zoned-time";

/**
 * A span of activity. Times are Dates, epoch milliseconds or ISO strings with a zone;
 * a session without an end (still running) is left out. `productivity` in [0, 1]
 * weighs its minutes (1 when missing).
 */
export type ActivitySession = { start: Date | number | string; end?: Date | number | string | null; productivity?: number };

/** The profile of someone with no recorded activity: every hour alike. */
export const FLAT_PROFILE_WEIGHT = 0.5;

/**
 * Sessions further apart than this get their zone offsets looked up separately, so a
 * stray old session costs two lookups rather than years of samples.
 */
const SEPARATE_LOOKUP_GAP = 7 * DAY;

type Span = { start: number; end: number; weight: number };

/**
 * Minutes of activity in each hour of the week (day × 24 + hour on the user's clock,
 * day 0 = Sunday), each minute weighted by its session's productivity, divided by the
 * largest so the busiest hour is 1. Overlapping sessions (two devices at once) count
 * once, at the highest productivity among them. No activity gives a flat 0.5.
 *
 * Throws a RangeError for an unknown time zone, a session ending before it starts or a
 * productivity outside [0, 1], and CorrelationInputError for an unreadable date.
 */
export function productivityProfile(sessions: readonly ActivitySession[], timezone: string): ProductivityProfile {
  if (!isTimeZone(timezone)) throw new RangeError(`Unknown time zone ${JSON.stringify(timezone)}`);
  const totals = new Array<number>(HOURS_PER_WEEK).fill(0);
  for (const group of groupedByGap(highestWeightCover(sessions.flatMap(toSpan)))) {
    const pieces = zoneOffsetPieces(timezone, group[0]!.start, group.at(-1)!.end);
    for (const span of group) forEachLocalHour(pieces, span.start, span.end, (hour, ms) => (totals[hour]! += (span.weight * ms) / MINUTE));
  }
  const busiest = Math.max(...totals);
  return busiest > 0 ? totals.map((total) => total / busiest) : totals.fill(FLAT_PROFILE_WEIGHT);
}

function toSpan(session: ActivitySession, index: number): Span[] {
  if (session.end === undefined || session.end === null) return [];
  const start = epochMs(session.start, `start of sessions[${index}]`);
  const end = epochMs(session.end, `end of sessions[${index}]`);
  const weight = session.productivity ?? 1;
  if (end < start) throw new RangeError(`sessions[${index}] ends before it starts`);
  if (!(weight >= 0 && weight <= 1)) throw new RangeError(`productivity of sessions[${index}] must be between 0 and 1, got ${weight}`);
  return end > start && weight > 0 ? [{ start, end, weight }] : [];
}

function epochMs(value: Date | number | string, what: string): number {
  if (typeof value !== "number") return toEpochMs(value, what);
  if (!Number.isFinite(value)) throw new RangeError(`${what} is not a finite time: ${value}`);
  return value;
}

/**
 * The union of the spans, cut where the highest weight covering it changes: sorted,
 * disjoint spans, each with the highest weight of the spans covering it. A sweep over
 * the start and end times with a max-heap of the covering spans (ended ones are dropped
 * lazily when they reach the top): O(n log n).
 */
function highestWeightCover(spans: readonly Span[]): Span[] {
  const events = spans.flatMap((span, index) => [
    { at: span.start, index, starts: true },
    { at: span.end, index, starts: false },
  ]);
  events.sort((a, b) => a.at - b.at);
  const ended = new Uint8Array(spans.length);
  const heap = new MaxHeap((index: number) => spans[index]!.weight);
  const cover: Span[] = [];
  for (let i = 0; i < events.length; ) {
    const at = events[i]!.at;
    for (; i < events.length && events[i]!.at === at; i++) {
      const event = events[i]!;
      if (event.starts) heap.push(event.index);
      else ended[event.index] = 1;
    }
    while (heap.size > 0 && ended[heap.peek()!]) heap.pop();
    const next = events[i]?.at;
    const top = heap.peek();
    if (top === undefined || next === undefined) continue;
    const weight = spans[top]!.weight;
    const last = cover.at(-1);
    if (last && last.end === at && last.weight === weight) last.end = next;
    else cover.push({ start: at, end: next, weight });
  }
  return cover;
}

/** Sorted spans in runs whose neighbours are less than SEPARATE_LOOKUP_GAP apart. */
function groupedByGap(spans: readonly Span[]): Span[][] {
  const groups: Span[][] = [];
  for (const span of spans) {
    const group = groups.at(-1);
    if (group && span.start - group.at(-1)!.end < SEPARATE_LOOKUP_GAP) group.push(span);
    else groups.push([span]);
  }
  return groups;
}

/** A binary max-heap of integers ordered by a key. */
class MaxHeap {
  private readonly items: number[] = [];
  constructor(private readonly key: (item: number) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): number | undefined {
    return this.items[0];
  }

  push(item: number): void {
    const items = this.items;
    items.push(item);
    for (let child = items.length - 1; child > 0; ) {
      const parent = (child - 1) >> 1;
      if (this.key(items[parent]!) >= this.key(items[child]!)) break;
      [items[parent], items[child]] = [items[child]!, items[parent]!];
      child = parent;
    }
  }

  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    for (let parent = 0; ; ) {
      let largest = parent;
      for (const child of [2 * parent + 1, 2 * parent + 2]) {
        if (child < items.length && this.key(items[child]!) > this.key(items[largest]!)) largest = child;
      }
      if (largest === parent) return;
      [items[parent], items[largest]] = [items[largest]!, items[parent]!];
      parent = largest;
    }
  }
}
