import { z } from "zod";
// A runtime import one way only: locale-time.ts takes nothing but the SupportedLocale type from here.
import { dateTimeFormat } from "../locale-time";

/**
 * The locales a user may choose for how dates, times and numbers are written to them (their
 * emails first). Isomorphic: the server validates with it and the settings page lists it.
 * Only the format follows the locale: the words stay English until the copy is translated.
 * A small list on purpose: each one is a CLDR locale that Node's full ICU (and every current
 * browser) formats, and adding one is a line here, no migration.
 */
export const SUPPORTED_LOCALES = ["en-GB", "en-US", "de-DE", "fr-FR", "es-ES", "nl-NL", "ja-JP"] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

/** What every account had before the choice existed (users.locale's default). */
export const DEFAULT_LOCALE: SupportedLocale = "en-GB";

/** Each choice in English (the page's language), by the region whose conventions it follows. */
export const LOCALE_LABELS: Record<SupportedLocale, string> = {
  "en-GB": "English (United Kingdom)",
  "en-US": "English (United States)",
  "de-DE": "German (Germany)",
  "fr-FR": "French (France)",
  "es-ES": "Spanish (Spain)",
  "nl-NL": "Dutch (Netherlands)",
  "ja-JP": "Japanese (Japan)",
};

export const ZLocale = z.enum(SUPPORTED_LOCALES, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a supported locale: choose one of ${SUPPORTED_LOCALES.join(", ")}`,
});

/**
 * A stored locale as one we format with: a value no longer on the list (removed after it was
 * chosen) reads as the default rather than failing a mail.
 */
export function supportedLocaleOr(value: string | null | undefined): SupportedLocale {
  const parsed = ZLocale.safeParse(value);
  return parsed.success ? parsed.data : DEFAULT_LOCALE;
}

/**
 * A date and time as the locale writes it (its medium date and short time: "2 Jul 2026, 00:30",
 * "Jul 1, 2026, 6:30 PM", "02.07.2026, 00:30"), on the reader's clock, with the zone named
 * (mail is read long after it is sent). dateStyle cannot be combined with timeZoneName, so the
 * zone's short name is taken on its own and appended.
 */
export function formatDateTimeIn(locale: SupportedLocale, timeZone: string, instant: Date): string {
  const dateTime = dateTimeFormat(locale, timeZone, { dateStyle: "medium", timeStyle: "short" }).format(instant);
  const zone = dateTimeFormat(locale, timeZone, { timeZoneName: "short" }).formatToParts(instant).find((part) => part.type === "timeZoneName")?.value;
  return zone ? `${dateTime} ${zone}` : dateTime;
}

/** A day (no time) as the locale writes it in full: "9 April 2026", "April 9, 2026", "9. April 2026". */
export function formatDayIn(locale: SupportedLocale, timeZone: string, instant: Date): string {
  return dateTimeFormat(locale, timeZone, { dateStyle: "long" }).format(instant);
}

/** A count or amount with the locale's grouping and decimal marks: 1,234.5 · 1.234,5 · 1 234,5; `fractionDigits` fixes the decimals ("4.2 s"). */
const numberFormats = new Map<string, Intl.NumberFormat>();
export function formatNumberIn(locale: SupportedLocale, value: number, fractionDigits?: number): string {
  const key = `${locale}|${fractionDigits ?? ""}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, fractionDigits === undefined ? undefined : { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits })));
  return format.format(value);
}
