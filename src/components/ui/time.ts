import type { SupportedLocale } from "~/lib/schemas/locale";

/**
 * Times on the pages, the same everywhere: short when near, with the day when not today, in
 * the reader's locale (useLocale). Every function takes the locale as a parameter: pages
 * render on the server for many users at once, so there is no "current locale" here.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Intl formatters are costly to build and a page formats hundreds of times: one per locale,
 * zone and options, kept (a handful of locales and zones, so the map stays small).
 * `locale` is a string for the one internal use of a locale nobody chooses (en-CA's day key).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
export function dateTimeFormat(locale: SupportedLocale | "en-CA", timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone ?? ""}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) formatters.set(key, (found = new Intl.DateTimeFormat(locale, { timeZone, ...options })));
  return found;
}

/**
 * The locale's own hour and minute: "09:30" in en-GB and de-DE, "9:30" in ja-JP, "9:30 AM"
 * in en-US. Its short time style knows whether the hour is padded, but a style cannot be
 * combined with a day and month, so the width is read from it once and given as an option.
 * The hour cycle (12 or 24) is the locale's default either way.
 */
export function hourAndMinute(locale: SupportedLocale): Intl.DateTimeFormatOptions {
  const hour = dateTimeFormat(locale, "UTC", { timeStyle: "short" })
    .formatToParts(Date.UTC(2000, 0, 1, 9))
    .find((part) => part.type === "hour")?.value;
  return { hour: hour?.length === 2 ? "2-digit" : "numeric", minute: "2-digit" };
}

/** A time of day that is no instant (a rule's hour, the week grid's edge): "09:00", "9:00 AM". */
export function formatTimeOfDay(locale: SupportedLocale, hour: number, minute = 0): string {
  // Read as UTC on a fixed day, so no zone's offset or DST moves it.
  return dateTimeFormat(locale, "UTC", hourAndMinute(locale)).format(Date.UTC(2000, 0, 1, hour, minute));
}

/**
 * "15:30" (en-GB), "3:30 PM" (en-US); with seconds when it is under a minute away
 * ("15:30:05"); with the day when it is not today ("7 Dec, 15:30", "7. Dez., 15:30").
 */
export function formatTime(locale: SupportedLocale, at: Date, now: Date, timeZone?: string): string {
  const soon = Math.abs(at.getTime() - now.getTime()) < MINUTE_MS;
  // Only compared, never shown: en-CA writes a day as 2026-12-07 whatever the reader's locale.
  const day = (date: Date) => dateTimeFormat("en-CA", timeZone, { year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  const sameDay = Math.abs(at.getTime() - now.getTime()) < DAY_MS && day(at) === day(now);
  return dateTimeFormat(locale, timeZone, {
    ...hourAndMinute(locale),
    ...(soon ? { second: "2-digit" } : {}),
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
  }).format(at);
}
