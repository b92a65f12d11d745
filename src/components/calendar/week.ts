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
function clockMinutes(timeZone: string, day: WeekDay, instant: number): number {
  if (instant >= day.end) return MINUTES_PER_DAY;
  const minutes = (wallOf(timeZone, Math.max(instant, day.start)) - day.wall) / MINUTE;
  return Math.min(MINUTES_PER_DAY, Math.max(0, minutes));
}

export type Timed = { start: number; end: number };

/** An item in its day column: from `top` to `bottom` in minutes of the clock, in column `column` of `columns` side by side. */
export type Placed<T> = { item: T; top: number; bottom: number; column: number; columns: number; startsBefore: boolean; endsAfter: boolean };

/**
 * The items overlapping `day`, cut to it, each given a column: overlapping items sit side
 * by side, and every item of a run of overlaps shares that run's column count.
 */
export function layoutDay<T extends Timed>(timeZone: string, day: WeekDay, items: readonly T[]): Placed<T>[] {
  const inDay = items
    .filter((item) => item.start < day.end && item.end > day.start)
    .map((item) => ({ item, top: clockMinutes(timeZone, day, item.start), bottom: clockMinutes(timeZone, day, item.end), startsBefore: item.start < day.start, endsAfter: item.end > day.end }))
    .sort((a, b) => a.top - b.top || b.bottom - a.bottom);
  const placed: Placed<T>[] = [];
  let run: Placed<T>[] = [];
  let columnEnds: number[] = [];
  let runEnd = -Infinity;
  const closeRun = () => {
    for (const entry of run) entry.columns = columnEnds.length;
    run = [];
    columnEnds = [];
    runEnd = -Infinity;
  };
  for (const entry of inDay) {
    // A zero-length item still takes room where it is drawn.
    const bottom = Math.max(entry.bottom, entry.top + 1);
    if (entry.top >= runEnd) closeRun();
    runEnd = Math.max(runEnd, bottom);
    let column = columnEnds.findIndex((end) => end <= entry.top);
    if (column === -1) column = columnEnds.push(bottom) - 1;
    else columnEnds[column] = bottom;
    const placedEntry = { ...entry, column, columns: 1 };
    run.push(placedEntry);
    placed.push(placedEntry);
  }
  closeRun();
  return placed;
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
