import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { browserTimeZone, clock, columnLabel, dayLabel, spanLabel, weekLabel } from "~/components/calendar/format";
import { mondayOf, weekFrom } from "~/components/calendar/week";
import { describeRunState } from "~/components/jobs/run-state";
import { formatDate } from "~/components/privacy/labels";
import { useLocale } from "~/components/ui/locale";
import { formatTime } from "~/components/ui/time";
import { formatTimeOfDay } from "~/lib/locale-time";
import { DEFAULT_LOCALE, formatDateTimeIn, formatNumberIn } from "~/lib/schemas/locale";

/**
 * The pages write dates, times and numbers in the user's locale (useLocale), the words in
 * English. en-GB, the default, must read exactly as the pages did before the choice existed.
 * 12-hour times carry a narrow no-break space before AM/PM in current ICU, and formatRange sets
 * its dash between thin spaces: both matched with \s.
 */

const at = (iso: string) => new Date(iso);
const week = weekFrom("UTC", mondayOf("UTC", Date.parse("2026-12-02T12:00:00Z"))); // Mon 30 Nov – Sun 6 Dec 2026

describe("formatTime: times on the pages", () => {
  const now = at("2026-12-08T12:00:00Z");

  it("is unchanged in en-GB: the time today, seconds when near, the day otherwise", () => {
    expect(formatTime("en-GB", at("2026-12-08T15:30:00Z"), now, "UTC")).toBe("15:30");
    expect(formatTime("en-GB", at("2026-12-08T12:00:05Z"), now, "UTC")).toBe("12:00:05");
    expect(formatTime("en-GB", at("2026-12-07T09:05:00Z"), now, "UTC")).toBe("7 Dec, 09:05");
  });

  it("follows the locale's day order, marks and clock", () => {
    expect(formatTime("de-DE", at("2026-12-07T15:30:00Z"), now, "UTC")).toBe("7. Dez., 15:30");
    expect(formatTime("en-US", at("2026-12-07T15:30:00Z"), now, "UTC")).toMatch(/^Dec 7, 3:30\sPM$/);
    expect(formatTime("en-US", at("2026-12-08T09:05:00Z"), now, "UTC")).toMatch(/^9:05\sAM$/);
    // ja-JP pads no hour: its own short time, as Intl writes it.
    expect(formatTime("ja-JP", at("2026-12-07T09:05:00Z"), now, "UTC")).toBe(new Intl.DateTimeFormat("ja-JP", { timeZone: "UTC", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(at("2026-12-07T09:05:00Z")));
  });

  it("a time of day that is no instant", () => {
    expect(formatTimeOfDay("en-GB", 9)).toBe("09:00");
    expect(formatTimeOfDay("en-GB", 0, 5)).toBe("00:05");
    expect(formatTimeOfDay("en-US", 17)).toMatch(/^5:00\sPM$/);
    expect(formatTimeOfDay("de-DE", 17)).toBe("17:00");
  });
});

describe("the calendar's dates and times", () => {
  const tuesday = at("2026-12-08T10:00:00Z");

  it("are unchanged in en-GB", () => {
    expect(clock("en-GB", tuesday, "UTC")).toBe("10:00");
    expect(clock("en-GB", at("2026-12-08T00:05:00Z"), "UTC")).toBe("00:05");
    expect(dayLabel("en-GB", tuesday, "UTC")).toBe("Tue 8 Dec");
    expect(columnLabel("en-GB", week.days[1]!)).toEqual({ weekday: "Tue", date: "1", full: "Tuesday 1 December" });
    expect(weekLabel("en-GB", week)).toMatch(/^30 Nov\s–\s6 Dec 2026$/); // formatRange sets the dash between thin spaces
    expect(spanLabel("en-GB", tuesday, at("2026-12-08T11:30:00Z"), "UTC")).toBe("Tue 8 Dec, 10:00–11:30");
    expect(spanLabel("en-GB", at("2026-12-08T23:00:00Z"), at("2026-12-09T01:00:00Z"), "UTC")).toBe("Tue 8 Dec, 23:00 – Wed 9 Dec, 01:00");
  });

  it("use the locale's own clock: AM and PM in en-US", () => {
    expect(clock("en-US", at("2026-12-08T09:30:00Z"), "UTC")).toMatch(/^9:30\sAM$/);
    expect(clock("en-US", at("2026-12-08T21:30:00Z"), "UTC")).toMatch(/^9:30\sPM$/);
    expect(clock("de-DE", at("2026-12-08T09:30:00Z"), "UTC")).toBe("09:30");
    expect(spanLabel("en-US", tuesday, at("2026-12-08T11:30:00Z"), "UTC")).toMatch(/^Tue, Dec 8, 10:00\sAM–11:30\sAM$/);
  });

  it("write days and weeks the locale's way; the column's date stays a bare number", () => {
    expect(dayLabel("de-DE", tuesday, "UTC")).toBe("Di., 8. Dez.");
    expect(weekLabel("ja-JP", week)).not.toBe(weekLabel("en-GB", week));
    expect(weekLabel("ja-JP", week)).toBe(new Intl.DateTimeFormat("ja-JP", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" }).formatRange(Date.parse("2026-11-30T12:00:00Z"), Date.parse("2026-12-06T12:00:00Z")));
    expect(weekLabel("en-US", week)).toMatch(/^Nov 30\s–\sDec 6, 2026$/);
    // ja-JP writes a day alone as "1日": the circle in the grid's heading takes the number only.
    expect(columnLabel("ja-JP", week.days[1]!).date).toBe("1");
    expect(columnLabel("ja-JP", week.days[1]!).full).not.toBe(columnLabel("en-GB", week.days[1]!).full);
  });

  it("keep one cached formatter per locale: a locale asked for first does not leak into the next", () => {
    expect(clock("en-US", tuesday, "UTC")).not.toBe(clock("en-GB", tuesday, "UTC"));
    expect(clock("en-GB", tuesday, "UTC")).toBe("10:00");
  });
});

describe("helpers that format for the pages take the locale from their caller", () => {
  const now = at("2026-03-03T15:00:00Z");
  const state = (locale: Parameters<typeof describeRunState>[0], nextAt: Date) => describeRunState(locale, { status: "waiting", attempt: 0, maxAttempts: 5, nextAt, waitEvent: "focus/session.ended" }, now, "UTC").label;

  it("the run state", () => {
    expect(state("en-GB", at("2026-03-04T09:00:00Z"))).toBe("Waiting for an event until 4 Mar, 09:00");
    expect(state("de-DE", at("2026-03-04T09:00:00Z"))).toBe("Waiting for an event until 4. März, 09:00");
    expect(state("en-US", at("2026-03-03T15:30:00Z"))).toMatch(/^Waiting for an event until 3:30\sPM$/);
  });

  it("privacy dates: as the user's emails write them, on the browser's clock", () => {
    const when = at("2026-07-02T16:45:00Z");
    expect(formatDate("de-DE", when.toISOString())).toBe(formatDateTimeIn("de-DE", browserTimeZone(), when));
    expect(formatDate("en-US", when)).not.toBe(formatDate("en-GB", when));
  });

  it("counts", () => {
    expect(formatNumberIn("de-DE", 1234)).toBe("1.234");
    expect(formatNumberIn("en-GB", 1234)).toBe("1,234");
  });
});

describe("useLocale", () => {
  it("is the default outside a provider, so a component rendered alone still renders", () => {
    const Probe = () => useLocale();
    expect(renderToString(createElement(Probe))).toBe(DEFAULT_LOCALE);
  });
});

describe("numbers with decimals", () => {
  it("take the locale's decimal mark and a fixed number of decimals", () => {
    expect(formatNumberIn("en-GB", 4.25, 1)).toBe("4.3");
    expect(formatNumberIn("de-DE", 4.2, 1)).toBe("4,2");
    expect(formatNumberIn("de-DE", 1234.5, 1)).toBe("1.234,5");
    expect(formatNumberIn("en-US", 3, 1)).toBe("3.0");
  });
});
