import { DAY, MINUTE, weekdayOfWall, zoneOffsetAt, zoneOffsetPieces } from "~/lib/calendar/zoned-time";

/**
 * The week view's arithmetic, on the user's clock: which instants a local day covers,
 * where an event sits in its day column, and where a dragged block lands. Wall times
 * (instant + offset, see ~/lib/calendar/zoned-time) keep it plain integer arithmetic;
 * DST days are 23 or 25 hours long, and the grid draws the clock's 24.
 */

export const MINUTES_PER_DAY = 24 * 60;
/** Blocks move and land on the quarter hour, as suggestions start on it. */
export const SNAP_MINUTES = 15;

export type WeekDay = {
  /** 0 = Monday … 6 = Sunday. */
  index: number;
  /** The instants [start, end) the local day covers. */
  start: number;
  end: number;
  /** Local midnight as a wall time. */
  wall: number;
  /** "2026-12-07": the local date. */
  date: string;
};

export type Week = { timeZone: string; days: WeekDay[]; from: Date; to: Date };

export function wallOf(timeZone: string, instant: number): number {
  return instant + zoneOffsetAt(timeZone, instant);
}

/** Offsets lie within ±14 hours; an hour more on each side finds every instant reading `wall`. */
const OFFSET_REACH = 15 * 60 * MINUTE;

/**
 * The first instant the clock reads `wall`; for a wall time a spring-forward jump skips
 * (02:30 in Berlin on the last Sunday of March), the first instant after it.
 */
export function instantOfWall(timeZone: string, wall: number): number {
  const pieces = zoneOffsetPieces(timeZone, wall - OFFSET_REACH, wall + OFFSET_REACH);
  for (const piece of pieces) {
    const instant = wall - piece.offset;
    if (instant >= piece.start && instant < piece.end) return instant;
  }
  const after = pieces.find((piece) => piece.start + piece.offset > wall);
  return after ? after.start : wall - pieces.at(-1)!.offset;
}

/** The local day number (days since 1970-01-01 on the user's clock) of the Monday starting the week of `instant`. */
export function mondayOf(timeZone: string, instant: number): number {
  const wall = wallOf(timeZone, instant);
  return Math.floor(wall / DAY) - ((weekdayOfWall(wall) + 6) % 7);
}

/** Monday to Sunday from a Monday's local day number. */
export function weekFrom(timeZone: string, monday: number): Week {
  const boundaries = Array.from({ length: 8 }, (_, index) => instantOfWall(timeZone, (monday + index) * DAY));
  const days = Array.from({ length: 7 }, (_, index) => {
    const wall = (monday + index) * DAY;
    return { index, start: boundaries[index]!, end: boundaries[index + 1]!, wall, date: new Date(wall).toISOString().slice(0, 10) };
  });
  return { timeZone, days, from: new Date(boundaries[0]!), to: new Date(boundaries[7]!) };
}

/** The day of the week an instant falls on, or undefined outside the week. */
export function dayOf(week: Week, instant: number): WeekDay | undefined {
  return week.days.find((day) => instant >= day.start && instant < day.end);
}

/** Minutes from local midnight on the clock, within the day's 24 drawn hours. */
export function clockMinutes(timeZone: string, day: WeekDay, instant: number): number {
  if (instant >= day.end) return MINUTES_PER_DAY;
  const minutes = (wallOf(timeZone, Math.max(instant, day.start)) - day.wall) / MINUTE;
  return Math.min(MINUTES_PER_DAY, Math.max(0, minutes));
}

export type Timed = { start: number; end: number };

/**
 * An item in its day column: from `top` to `bottom` in minutes of the clock, in column
 * `column` of `columns` side by side, stretched over `span` columns where those to its right
 * are free all the while it lasts.
 */
export type Placed<T> = { item: T; top: number; bottom: number; column: number; columns: number; span: number; startsBefore: boolean; endsAfter: boolean };

/** Items there was no room for side by side, drawn as one "+N more" in the last column, from `top` to `bottom`. */
export type Overflow<T> = { items: Placed<T>[]; top: number; bottom: number; column: number; columns: number };

export type DayLayout<T> = { placed: Placed<T>[]; overflow: Overflow<T>[] };

export type DayLimits<T> = {
  /** At most this many items side by side; a run needing more keeps its last column for "+N more". */
  maxColumns: number;
  /** Items placed before the others, so they keep a column of their own (the user's focus blocks). */
  takesPriority?: (item: T) => boolean;
};

/** Narrower, an item shows "B…" over "1…": its title and time need about this much. */
export const READABLE_ITEM_PX = 60;

/**
 * How many items fit side by side in a day column `dayWidthPx` wide: 2 in a 130 px column
 * (1280 px screens), never fewer than 1, and never more than `most` however wide the screen.
 */
export function sideBySideLimit(dayWidthPx: number, most = 3): number {
  return Math.min(most, Math.max(1, Math.floor(dayWidthPx / READABLE_ITEM_PX)));
}

/** A zero-length item still takes room where it is drawn. */
const drawnBottom = (entry: { top: number; bottom: number }) => Math.max(entry.bottom, entry.top + 1);
const overlaps = (a: { top: number; bottom: number }, b: { top: number; bottom: number }) => a.top < drawnBottom(b) && b.top < drawnBottom(a);
const byTopLongestFirst = (a: { top: number; bottom: number }, b: { top: number; bottom: number }) => a.top - b.top || b.bottom - a.bottom;

/** Runs of items that overlap one another, directly or through others, in the order they start. */
function overlapRuns<E extends { top: number; bottom: number }>(entries: readonly E[]): E[][] {
  const runs: E[][] = [];
  let runEnd = -Infinity;
  for (const entry of [...entries].sort(byTopLongestFirst)) {
    if (entry.top >= runEnd) runs.push([]);
    runs.at(-1)!.push(entry);
    runEnd = Math.max(runEnd, drawnBottom(entry));
  }
  return runs;
}

/**
 * One run laid out: each item in the first column free for all of its time, the priority
 * items first. What finds no column, and whatever of the last column it would be drawn over,
 * is left to "+N more" chips in that last column, so no chip is ever narrower than
 * 1 / `maxColumns` of the day.
 */
function layoutRun<T>(run: Placed<T>[], maxColumns: number, takesPriority: (item: T) => boolean): DayLayout<T> {
  const ordered = [...run.filter((entry) => takesPriority(entry.item)), ...run.filter((entry) => !takesPriority(entry.item))];
  const columns: Placed<T>[][] = [];
  const hidden: Placed<T>[] = [];
  for (const entry of ordered) {
    let column = columns.findIndex((placed) => !placed.some((other) => overlaps(other, entry)));
    if (column === -1 && columns.length < maxColumns) column = columns.push([]) - 1;
    if (column === -1) {
      hidden.push(entry);
    } else {
      entry.column = column;
      columns[column]!.push(entry);
    }
  }
  if (hidden.length > 0) {
    // The chips take the last column where hidden items are: what was drawn there joins them, until nothing is drawn under a chip.
    const last = columns[maxColumns - 1]!;
    for (let evicted = true; evicted; ) {
      evicted = false;
      for (const entry of [...last]) {
        if (!hidden.some((other) => overlaps(other, entry))) continue;
        last.splice(last.indexOf(entry), 1);
        hidden.push(entry);
        evicted = true;
      }
    }
  }
  const count = hidden.length > 0 ? maxColumns : columns.length;
  const overflow = overlapRuns(hidden).map((items) => ({
    items,
    top: Math.min(...items.map((entry) => entry.top)),
    bottom: Math.max(...items.map(drawnBottom)),
    column: count - 1,
    columns: count,
  }));
  const placed = columns.flat().sort(byTopLongestFirst);
  const taken = (column: number, entry: Placed<T>) =>
    (columns[column] ?? []).some((other) => overlaps(other, entry)) || (column === count - 1 && overflow.some((chip) => overlaps(chip, entry)));
  for (const entry of placed) {
    entry.columns = count;
    entry.span = 1;
    while (entry.column + entry.span < count && !taken(entry.column + entry.span, entry)) entry.span += 1;
  }
  return { placed, overflow };
}

/**
 * The items overlapping `day`, cut to it, laid out side by side: each run of overlapping
 * items shares a column count. With `limits`, a run is at most `maxColumns` wide and the
 * items beyond are counted in "+N more" chips; without, every item gets a column.
 */
export function layoutCrowdedDay<T extends Timed>(timeZone: string, day: WeekDay, items: readonly T[], limits: DayLimits<T> = { maxColumns: Infinity }): DayLayout<T> {
  const inDay: Placed<T>[] = items
    .filter((item) => item.start < day.end && item.end > day.start)
    .map((item) => ({
      item,
      top: clockMinutes(timeZone, day, item.start),
      bottom: clockMinutes(timeZone, day, item.end),
      column: 0,
      columns: 1,
      span: 1,
      startsBefore: item.start < day.start,
      endsAfter: item.end > day.end,
    }));
  const runs = overlapRuns(inDay).map((run) => layoutRun(run, Math.max(1, limits.maxColumns), limits.takesPriority ?? (() => false)));
  return { placed: runs.flatMap((run) => run.placed), overflow: runs.flatMap((run) => run.overflow) };
}

/** Whether an all-day event (midnight-UTC dates, end exclusive, as the cache keeps them) covers the local date of `day`. */
export function allDayCovers(day: WeekDay, event: { startTime: Date; endTime: Date }): boolean {
  const first = event.startTime.toISOString().slice(0, 10);
  const last = event.endTime.toISOString().slice(0, 10);
  return day.date >= first && (day.date < last || (first === last && day.date === first));
}

/** `minutes` rounded to the nearest quarter hour. */
export function snap(minutes: number): number {
  return Math.round(minutes / SNAP_MINUTES) * SNAP_MINUTES;
}

/**
 * Where a block starting at `start` lands when moved `days` days and `minutes` minutes on
 * the clock (a drag, or the arrow keys), on the quarter hour: 09:00 moved a day across a
 * DST change is still 09:00.
 */
export function movedStart(timeZone: string, start: number, move: { days: number; minutes: number }): number {
  const wall = wallOf(timeZone, start) + move.days * DAY + move.minutes * MINUTE;
  return instantOfWall(timeZone, snap(wall / MINUTE) * MINUTE);
}
