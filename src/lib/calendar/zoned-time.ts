/**
 * Time zones with nothing but Intl, so the same code runs in the browser and on the
 * server (no tz database of our own, no Node APIs).
 *
 * Times are epoch milliseconds ("instants"). A "wall time" is what the user's clock
 * shows, written as the epoch milliseconds of that reading taken as UTC: wall = instant
 * + offset. Wall times make calendar arithmetic plain integer arithmetic (a local day is
 * `floor(wall / DAY)`, its hour `floor(wall % DAY / HOUR)`), and the only zone-specific
 * fact left is the offset, which changes at a handful of transitions a year.
 *
 * `zoneOffsetPieces` cuts a span into pieces of constant offset. Wall → instant is then
 * exact per piece (`instant = wall − offset`), including what a single conversion
 * function has to guess at: a wall time skipped by a spring-forward jump belongs to no
 * piece, and one repeated by a fall-back belongs to two.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const HOURS_PER_WEEK = 168;

/**
 * Offsets are sampled this far apart and transitions found by bisection between two
 * samples that differ. A zone that changed its offset and changed it back within six
 * hours would be missed; none in the tz database does.
 */
const SAMPLE_STEP = 6 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Creating a DateTimeFormat costs ~100 times a format call: one per zone, kept. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows the zone (an IANA name such as "Europe/Berlin", or "UTC"). */
export function isTimeZone(value: string): boolean {
  if (value.length === 0) return false;
  try {
    formatterFor(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone's offset at `instant`, in milliseconds (wall = instant + offset): +7,200,000
 * in Berlin in summer. Throws a RangeError for a zone Intl does not know.
 */
export function zoneOffsetAt(timeZone: string, instant: number): number {
  // Intl formats whole seconds: read the offset from the second the instant falls in.
  const second = Math.floor(instant / 1000) * 1000;
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let seconds = 0;
  for (const part of formatterFor(timeZone).formatToParts(second)) {
    if (part.type === "year") year = Number(part.value);
    else if (part.type === "month") month = Number(part.value);
    else if (part.type === "day") day = Number(part.value);
    else if (part.type === "hour") hour = Number(part.value) % 24; // engines that wrote midnight as "24"
    else if (part.type === "minute") minute = Number(part.value);
    else if (part.type === "second") seconds = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0–99 as 1900–1999
  wall.setUTCHours(hour, minute, seconds, 0);
  return wall.getTime() - second;
}

/** A span of constant offset: instants in [start, end) read `instant + offset` on the clock. */
export type ZonePiece = { start: number; end: number; offset: number };

/**
 * [from, to) cut at the zone's offset transitions, in order, together covering exactly
 * [from, to). Transitions are found to the second (they happen on whole seconds).
 */
export function zoneOffsetPieces(timeZone: string, from: number, to: number): ZonePiece[] {
  if (!(to > from)) return [];
  const pieces: ZonePiece[] = [];
  let pieceStart = from;
  let offset = zoneOffsetAt(timeZone, from);
  let previous = from;
  while (previous < to - 1) {
    const sample = Math.min(previous + SAMPLE_STEP, to - 1);
    const sampled = zoneOffsetAt(timeZone, sample);
    if (sampled !== offset) {
      const transition = firstSecondWithNewOffset(timeZone, previous, sample, offset);
      pieces.push({ start: pieceStart, end: transition, offset });
      pieceStart = transition;
      offset = sampled;
    }
    previous = sample;
  }
  pieces.push({ start: pieceStart, end: to, offset });
  return pieces;
}

/** Bisection over whole seconds: `before` has `offset`, `after` does not, one transition between. */
function firstSecondWithNewOffset(timeZone: string, before: number, after: number, offset: number): number {
  let low = Math.floor(before / 1000);
  let high = Math.floor(after / 1000);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zoneOffsetAt(timeZone, middle * 1000) === offset) low = middle;
    else high = middle;
  }
  return high * 1000;
}

/** Day of the week of a wall time: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfWall(wall: number): number {
  return (((Math.floor(wall / DAY) + 4) % 7) + 7) % 7;
}

/** Hour of the week of a wall time: day × 24 + hour, day 0 = Sunday (0 … 167). */
export function hourOfWeekOfWall(wall: number): number {
  const hour = Math.floor((wall - Math.floor(wall / DAY) * DAY) / HOUR);
  return weekdayOfWall(wall) * 24 + hour;
}

/**
 * Walks [from, to) through the local hours it covers, calling `visit(hourOfWeek, ms)`
 * in time order with the milliseconds spent in each stretch of one local hour. A DST
 * jump ends a stretch; the hour repeated at a fall-back is visited twice. `pieces`
 * must cover [from, to) (from `zoneOffsetPieces`).
 */
export function forEachLocalHour(pieces: readonly ZonePiece[], from: number, to: number, visit: (hourOfWeek: number, ms: number) => void): void {
  let index = pieceIndexAt(pieces, from);
  let at = from;
  while (at < to) {
    const piece = pieces[index];
    if (!piece || piece.start > at) throw new RangeError(`No zone offset known for ${new Date(at).toISOString()}`);
    const wall = at + piece.offset;
    const nextLocalHour = (Math.floor(wall / HOUR) + 1) * HOUR - piece.offset;
    const stretchEnd = Math.min(to, piece.end, nextLocalHour);
    visit(hourOfWeekOfWall(wall), stretchEnd - at);
    at = stretchEnd;
    if (at >= piece.end) index++;
  }
}

/** Index of the piece containing `instant` (binary search; pieces are few). */
function pieceIndexAt(pieces: readonly ZonePiece[], instant: number): number {
  let low = 0;
  let high = pieces.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (pieces[middle]!.start <= instant) low = middle;
    else high = middle - 1;
  }
  return low;
}
