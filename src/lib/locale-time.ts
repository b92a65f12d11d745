import type { SupportedLocale } from "./schemas/locale";

/**
 * Times of day in a reader's locale, for the pages and for what the server writes to a user
 * (a notification's "held until 08:00"): one way to write them everywhere. Isomorphic, and every
 * function takes the locale: pages and the server format for many users at once.
 */

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
const hourWidths = new Map<SupportedLocale, Intl.DateTimeFormatOptions>();
export function hourAndMinute(locale: SupportedLocale): Intl.DateTimeFormatOptions {
  let options = hourWidths.get(locale);
  if (!options) {
    const hour = dateTimeFormat(locale, "UTC", { timeStyle: "short" })
      .formatToParts(Date.UTC(2000, 0, 1, 9))
      .find((part) => part.type === "hour")?.value;
    hourWidths.set(locale, (options = { hour: hour?.length === 2 ? "2-digit" : "numeric", minute: "2-digit" }));
  }
  return options;
}

/** A time of day that is no instant (a rule's hour, the week grid's edge): "09:00", "9:00 AM". */
export function formatTimeOfDay(locale: SupportedLocale, hour: number, minute = 0): string {
  // Read as UTC on a fixed day, so no zone's offset or DST moves it.
  return dateTimeFormat(locale, "UTC", hourAndMinute(locale)).format(Date.UTC(2000, 0, 1, hour, minute));
}
