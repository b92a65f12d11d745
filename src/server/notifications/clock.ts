import { minutesOfClockTime } from "~/lib/calendar/schemas";
import { DAY, HOUR, MINUTE, zoneOffsetAt, zoneOffsetPieces } from "~/lib/calendar/zoned-time";
import { dateTimeFormat, hourAndMinute } from "~/lib/locale-time";
import type { SupportedLocale } from "~/lib/schemas/locale";

/**
 * Wall-clock arithmetic for notification decisions: quiet hours and digest windows are set in
 * the user's time zone, so "until 08:00" must be 08:00 on their clock, across midnight and on
 * the days the clock jumps. Built on the calendar's offset pieces (src/lib/calendar/zoned-time.ts).
 */

/** The minute of the day `instant` reads on the zone's clock. */
export function wallMinuteOfDay(timeZone: string, instant: number): number {
  const wall = instant + zoneOffsetAt(timeZone, instant);
  return Math.floor((((wall % DAY) + DAY) % DAY) / MINUTE);
}

/**
 * The first instant after `after` at which the zone's clock reads a time `phase` past a
 * multiple of `period` (period DAY, phase 08:00 → the next 08:00; period HOUR, phase 0 → the
 * next full hour). A reading the clock skips (02:30 on a spring-forward night) is reached at
 * the jump itself; a reading it repeats (a fall-back) counts at its first occurrence.
 */
export function nextWallTime(timeZone: string, after: number, period: number, phase: number): number {
  const pieces = zoneOffsetPieces(timeZone, after, after + 2 * DAY + period);
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index]!;
    const startWall = Math.max(piece.start, after + 1) + piece.offset;
    const candidateWall = Math.ceil((startWall - phase) / period) * period + phase;
    const instant = candidateWall - piece.offset;
    if (instant < piece.end) return instant;
    const next = pieces[index + 1];
    // The reading fell into the hour a spring-forward skipped: it is reached when the clock jumps.
    if (next && candidateWall < next.start + next.offset) return piece.end;
  }
  throw new RangeError(`No ${timeZone} wall time found after ${new Date(after).toISOString()}`);
}

export type QuietHours = { enabled: boolean; start: string; end: string };

/** When quiet hours that include `now` end, or null when `now` is outside them (start = end: none). */
export function quietHoursEnd(quiet: QuietHours, timeZone: string, now: number): number | null {
  if (!quiet.enabled) return null;
  const start = minutesOfClockTime(quiet.start);
  const end = minutesOfClockTime(quiet.end);
  if (start === end) return null;
  const minute = wallMinuteOfDay(timeZone, now);
  // 22:00–08:00 spans midnight: inside from 22:00 to the end of the day, and from midnight to 08:00.
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  return inside ? nextWallTime(timeZone, now, DAY, end * MINUTE) : null;
}

const DIGEST_WINDOWS = {
  /** Hourly digests close at each full hour on the user's clock. */
  hourly: { period: HOUR, phase: 0 },
  /** Daily digests close at 17:00 on the user's clock: the end of a working day. */
  daily: { period: DAY, phase: 17 * HOUR },
} as const;
export type DigestFrequency = keyof typeof DIGEST_WINDOWS;

/** When the digest window open at `now` closes. */
export function digestClose(frequency: DigestFrequency, timeZone: string, now: number): number {
  const { period, phase } = DIGEST_WINDOWS[frequency];
  return nextWallTime(timeZone, now, period, phase);
}

/** Whose clock a time is written on: their zone and their locale (users.locale). */
export type ReaderClock = { timeZone: string; locale: SupportedLocale };

/** "08:00" on the reader's clock in their locale ("8:00 AM" in en-US), or "Tue 3 Mar 08:00" when not within the next 24 hours. */
export function clockLabel({ timeZone, locale }: ReaderClock, instant: number, now: number): string {
  const time = dateTimeFormat(locale, timeZone, hourAndMinute(locale)).format(instant);
  return instant - now < DAY ? time : `${dateTimeFormat(locale, timeZone, { weekday: "short", day: "numeric", month: "short" }).format(instant)} ${time}`;
}
