import { z } from "zod";

/**
 * The building blocks of every input schema: text, revision numbers and dates that
 * the database can hold. Postgres refuses some values JavaScript accepts — a NUL
 * character in text or jsonb, an integer above 2^31-1 in an `integer` column, a
 * date before year 1 or after 9999 in ISO form — and refuses them with an error the
 * API could only answer as a 500. Inputs built from these are refused up front as
 * a 400 with a field message instead, before anything is written.
 */

/**
 * What text and jsonb columns cannot store: the NUL character, and UTF-16 halves
 * without their partner (they cannot be encoded as UTF-8; jsonb refuses their
 * `\ud800` escapes). String#isWellFormed is ~50 times faster than a \p{Cs} regex on
 * a push's megabytes of ciphertext; the regex serves engines without it.
 */
const UNPAIRED_SURROGATE = /\p{Cs}/u;
const isStorableText = (value: string) =>
  !value.includes("\0") && ("isWellFormed" in String.prototype ? (value as string & { isWellFormed(): boolean }).isWellFormed() : !UNPAIRED_SURROGATE.test(value));

/**
 * The one string schema for input: any text, minus what Postgres cannot store.
 * Chain bounds and formats on it (`ZText.min(1).max(80)`, `ZText.trim()`), and use
 * it wherever a request carries a string, stored or not, so none is forgotten.
 */
export const ZText = z.string().refine(isStorableText, {
  error: "Text may not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates",
});

/** The largest value of a Postgres `integer` column (32-bit signed). */
export const INT4_MAX = 2_147_483_647;

/** A revision or version number, as stored in an `integer` column: 1 to 2,147,483,647. */
export const ZRevision = z
  .number({ error: "Expected a revision number" })
  .int("A revision number is a whole number")
  .min(1, "A revision number is at least 1")
  .max(INT4_MAX, `A revision number is at most ${INT4_MAX.toLocaleString("en")}`);

/**
 * Dates the database stores and compares. Postgres has no year 0 and does not read
 * the six-digit years JavaScript writes past 9999 or before year 0, and windows are
 * computed from input dates (a day either side at most): years 1000 to 9998 leave
 * room for them and are far wider than any DevPulse date.
 */
export const DATE_RANGE = { min: new Date("1000-01-01T00:00:00.000Z"), max: new Date("9999-01-01T00:00:00.000Z") } as const;
export const DATE_RANGE_MESSAGE = "Dates must be between 1000-01-01 and 9999-01-01";

/** Whether a time (a Date or epoch milliseconds) lies in DATE_RANGE; an invalid Date does not. */
export function isInDateRange(value: Date | number): boolean {
  const ms = value instanceof Date ? value.getTime() : value;
  return ms >= DATE_RANGE.min.getTime() && ms <= DATE_RANGE.max.getTime();
}

/** A date given as an ISO string or a Date (superjson), within DATE_RANGE. */
export const ZDate = z.coerce
  .date({ error: "Expected a date (ISO 8601, like 2026-03-01T10:15:00Z)" })
  .min(DATE_RANGE.min, DATE_RANGE_MESSAGE)
  .max(DATE_RANGE.max, DATE_RANGE_MESSAGE)
  // What a REST client sends (the OpenAPI document cannot say "a Date", which only superjson carries).
  .meta({ override: { type: "string", format: "date-time" } });

/**
 * A JSON boolean that is never coerced. The REST adapter (trpc-to-openapi) switches on zod's
 * coercion for the number, boolean and date fields of every input it serves, since query
 * strings arrive as text, and Boolean("false") is true: where a stray string would mean
 * consent or a deletion, use this (a union of literals, which it leaves alone).
 */
export const ZStrictBoolean = z.union([z.literal(true), z.literal(false)], { error: "Expected true or false" });

/**
 * A time in a procedure's answer: a Date over tRPC (superjson keeps it), an ISO 8601
 * string over REST (JSON), which is how the OpenAPI document describes it.
 */
export const ZTimestamp = z.date().meta({ override: { type: "string", format: "date-time" } });
