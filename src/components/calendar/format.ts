import type { SupportedLocale } from "~/lib/schemas/locale";
import { dateTimeFormat, hourAndMinute } from "~/lib/locale-time";
import type { WeekDay, Week } from "./week";

/**
 * Dates and times on the calendar page, always on the user's clock (`timeZone`), written the
 * way the user's locale writes them (its own 12- or 24-hour clock: "09:30", "9:30 AM").
 */

/** "09:30", "9:30 AM". */
export function clock(locale: SupportedLocale, at: Date | number, timeZone: string): string {
  return dateTimeFormat(locale, timeZone, hourAndMinute(locale)).format(at);
}

/** "Tue 8 Dec", "Tue, Dec 8", "Di., 8. Dez.". */
export function dayLabel(locale: SupportedLocale, at: Date | number, timeZone: string): string {
  return dateTimeFormat(locale, timeZone, { weekday: "short", day: "numeric", month: "short" }).format(at);
}

/**
 * A column's heading: "Tue" over "8" (its date, read as UTC: a WeekDay's date is already local).
 * `date` is the day's number alone, as the locale writes it: it sits in a small circle, where
 * ja-JP's "8日" would not fit.
 */
export function columnLabel(locale: SupportedLocale, day: WeekDay): { weekday: string; date: string; full: string } {
  const at = Date.parse(`${day.date}T12:00:00Z`);
  return {
    weekday: dateTimeFormat(locale, "UTC", { weekday: "short" }).format(at),
    date: dateTimeFormat(locale, "UTC", { day: "numeric" }).formatToParts(at).find((part) => part.type === "day")?.value ?? day.date.slice(8),
    full: dateTimeFormat(locale, "UTC", { weekday: "long", day: "numeric", month: "long" }).format(at),
  };
}

/** "30 Nov – 6 Dec 2026", "Nov 30 – Dec 6, 2026". */
export function weekLabel(locale: SupportedLocale, week: Week): string {
  const first = Date.parse(`${week.days[0]!.date}T12:00:00Z`);
  const last = Date.parse(`${week.days[6]!.date}T12:00:00Z`);
  return dateTimeFormat(locale, "UTC", { day: "numeric", month: "short", year: "numeric" }).formatRange(first, last);
}

/** "Tue 8 Dec, 10:00–11:30", or with both days when it runs past midnight. */
export function spanLabel(locale: SupportedLocale, start: Date | number, end: Date | number, timeZone: string): string {
  const day = (at: Date | number) => dayLabel(locale, at, timeZone);
  const time = (at: Date | number) => clock(locale, at, timeZone);
  return day(start) === day(end) ? `${day(start)}, ${time(start)}–${time(end)}` : `${day(start)}, ${time(start)} – ${day(end)}, ${time(end)}`;
}

/** "10:00–11:30", or with both days when it runs past midnight (as spanLabel). */
export function timeRange(locale: SupportedLocale, start: Date | number, end: Date | number, timeZone: string): string {
  return dayLabel(locale, start, timeZone) === dayLabel(locale, end, timeZone) ? `${clock(locale, start, timeZone)}–${clock(locale, end, timeZone)}` : spanLabel(locale, start, end, timeZone);
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
