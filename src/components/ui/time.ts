/** Times on the pages, the same everywhere: short when near, with the day when not today. */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** "15:30"; with seconds when it is under a minute away ("15:30:05"); with the day when it is not today. */
export function formatTime(at: Date, now: Date, timeZone?: string): string {
  const soon = Math.abs(at.getTime() - now.getTime()) < MINUTE_MS;
  const day = (date: Date) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  const sameDay = Math.abs(at.getTime() - now.getTime()) < DAY_MS && day(at) === day(now);
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    ...(soon ? { second: "2-digit" } : {}),
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
  }).format(at);
}
