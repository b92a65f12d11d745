import type { WeekDay, Week } from "./week";

/** Dates and times on the calendar page, always on the user's clock (`timeZone`), 24-hour like the rest of the app. */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) formatters.set(key, (found = new Intl.DateTimeFormat("en-GB", { timeZone, ...options })));
  return found;
}

/** "09:30". */
export function clock(at: Date | number, timeZone: string): string {
  return formatter(timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
}

/** "Tue 8 Dec". */
export function dayLabel(at: Date | number, timeZone: string): string {
  return formatter(timeZone, { weekday: "short", day: "numeric", month: "short" }).format(at);
}

/** A column's heading: "Tue 8" (its date, read as UTC: a WeekDay's date is already local). */
export function columnLabel(day: WeekDay): { weekday: string; date: string; full: string } {
  const at = Date.parse(`${day.date}T12:00:00Z`);
  return {
    weekday: formatter("UTC", { weekday: "short" }).format(at),
    date: formatter("UTC", { day: "numeric" }).format(at),
    full: formatter("UTC", { weekday: "long", day: "numeric", month: "long" }).format(at),
  };
}

/** "30 Nov – 6 Dec 2026". */
export function weekLabel(week: Week): string {
  const first = Date.parse(`${week.days[0]!.date}T12:00:00Z`);
  const last = Date.parse(`${week.days[6]!.date}T12:00:00Z`);
  return formatter("UTC", { day: "numeric", month: "short", year: "numeric" }).formatRange(first, last);
}

/** "Tue 8 Dec, 10:00–11:30", or with both days when it runs past midnight. */
export function spanLabel(start: Date | number, end: Date | number, timeZone: string): string {
  const sameDay = dayLabel(start, timeZone) === dayLabel(end, timeZone);
  return sameDay ? `${dayLabel(start, timeZone)}, ${clock(start, timeZone)}–${clock(end, timeZone)}` : `${dayLabel(start, timeZone)}, ${clock(start, timeZone)} – ${dayLabel(end, timeZone)}, ${clock(end, timeZone)}`;
}

/** "in 25 min", "in 3 h", "now". */
export function startsIn(start: Date, now: Date): string {
  const minutes = Math.round((start.getTime() - now.getTime()) / 60_000);
  if (minutes <= 0) return "now";
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`;
}

/** The browser's zone: the week is drawn on the clock the user is looking at. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/**
 * A calendar's colour as a fill behind dark text: the provider's hex at low opacity, so
 * any colour it picks keeps the title readable; grey for a calendar without one.
 */
export function calendarColors(color: string | null): { accent: string; fill: string } {
  const hex = color && /^#[0-9a-f]{6}$/i.test(color) ? color : "#71717a";
  return { accent: hex, fill: `${hex}26` };
}
