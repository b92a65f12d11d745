import { dateTimeFormat, hourAndMinute } from "~/lib/locale-time";
import type { SupportedLocale } from "~/lib/schemas/locale";

/**
 * Times on the pages, the same everywhere: short when near, with the day when not today, in
 * the reader's locale (useLocale). Every function takes the locale as a parameter: pages
 * render on the server for many users at once, so there is no "current locale" here.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

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
