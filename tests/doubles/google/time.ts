/**
 * Wall-clock arithmetic in IANA time zones (Intl only, no library) and the part of
 * RFC 5545 recurrence the Calendar double expands: FREQ=DAILY|WEEKLY with INTERVAL,
 * COUNT, UNTIL and BYDAY, plus EXDATE lines. Enough for "weekdays 9–11" focus sessions
 * and weekly meetings; anything else is stored and returned but expands to its first
 * occurrence only.
 */
export type Wall = { year: number; month: number; day: number; hour: number; minute: number; second: number };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at instant `ms`. */
export function wallAt(ms: number, timeZone: string): Wall {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour! % 24, minute: +parts.minute!, second: +parts.second! };
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms. */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallAt(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant a wall clock time in `timeZone` names (the earlier one in a DST overlap, shifted forward in a gap). */
export function wallToInstant(wall: Wall, timeZone: string): number {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  return Math.min(first, second);
}

/** RFC 3339 with the zone's offset, seconds precision ("2025-03-10T09:00:00+01:00"), as Google writes dateTime. */
export function rfc3339InZone(ms: number, timeZone: string): string {
  const offset = Math.round(offsetAt(ms, timeZone) / 60_000);
  const w = wallAt(ms, timeZone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const suffix = offset === 0 ? "Z" : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${suffix}`;
}

export const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "2025-03-10" → days since the epoch (UTC calendar arithmetic). */
export const dayNumber = (year: number, month: number, day: number) => Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
export function fromDayNumber(n: number): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}
export const isoDate = (n: number) => {
  const d = fromDayNumber(n);
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
};
export function parseIsoDate(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? dayNumber(+m[1]!, +m[2]!, +m[3]!) : null;
}

/** An RFC 3339 timestamp Google accepts (offset required), or null. */
export function parseRfc3339(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;

export type RRule = { freq: "DAILY" | "WEEKLY" | "OTHER"; interval: number; count: number | null; until: number | null; byDay: number[] | null };

export function parseRecurrence(lines: readonly string[]): { rule: RRule | null; exdates: string[]; error: string | null } {
  let rule: RRule | null = null;
  const exdates: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon < 0) return { rule: null, exdates, error: `Invalid recurrence rule: ${line}` };
    const name = line.slice(0, colon).split(";")[0]!.toUpperCase();
    const value = line.slice(colon + 1);
    if (name === "RRULE") {
      const parts = Object.fromEntries(value.split(";").map((p) => p.split("=") as [string, string]));
      const freq = parts.FREQ?.toUpperCase();
      if (!freq || !["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"].includes(freq)) return { rule: null, exdates, error: "Invalid recurrence rule." };
      const byDay = parts.BYDAY ? parts.BYDAY.split(",").map((d) => WEEKDAYS.indexOf(d.slice(-2).toUpperCase() as (typeof WEEKDAYS)[number])) : null;
      if (byDay?.some((d) => d < 0)) return { rule: null, exdates, error: "Invalid recurrence rule." };
      let until: number | null = null;
      if (parts.UNTIL) {
        const u = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(parts.UNTIL);
        if (!u) return { rule: null, exdates, error: "Invalid recurrence rule." };
        until = u[4] ? Date.UTC(+u[1]!, +u[2]! - 1, +u[3]!, +u[4]!, +u[5]!, +u[6]!) : Date.UTC(+u[1]!, +u[2]! - 1, +u[3]!, 23, 59, 59);
      }
      rule = {
        freq: freq === "DAILY" || freq === "WEEKLY" ? freq : "OTHER",
        interval: Math.max(1, Number.parseInt(parts.INTERVAL ?? "1", 10) || 1),
        count: parts.COUNT ? Number.parseInt(parts.COUNT, 10) : null,
        until,
        byDay,
      };
    } else if (name === "EXDATE") {
      exdates.push(...value.split(",").map((v) => v.trim().toUpperCase()));
    } else if (name !== "RDATE" && name !== "EXRULE") {
      return { rule: null, exdates, error: `Invalid recurrence rule: ${line}` };
    }
  }
  return { rule, exdates, error: null };
}

export type Occurrence = { start: number; end: number; allDay: boolean; startDay: number };

/**
 * Occurrences of a recurring event from its first start, in time order, stopping at COUNT,
 * UNTIL, `limitEnd` (exclusive, instants) or `max` occurrences.
 * Timed events step in the wall clock of `timeZone` (so 09:00 stays 09:00 across DST).
 */
export function expand(options: {
  rule: RRule;
  exdates: readonly string[];
  allDay: boolean;
  /** Timed: the first start instant. All-day: ms of the first day 00:00 UTC. */
  start: number;
  durationMs: number;
  timeZone: string;
  limitEnd: number;
  max?: number;
}): Occurrence[] {
  const { rule, allDay, timeZone } = options;
  const max = options.max ?? 1000;
  const wall = allDay ? { ...wallAt(options.start, "UTC"), hour: 0, minute: 0, second: 0 } : wallAt(options.start, timeZone);
  const firstDay = dayNumber(wall.year, wall.month, wall.day);
  const firstWeekday = fromDayNumber(firstDay).weekday;
  const mondayOf = (n: number) => n - ((fromDayNumber(n).weekday + 6) % 7);
  const byDay = rule.byDay ?? (rule.freq === "WEEKLY" ? [firstWeekday] : null);
  const exdates = new Set(options.exdates);
  const out: Occurrence[] = [];
  let produced = 0;
  for (let n = firstDay; out.length < max; n++) {
    if (rule.freq === "OTHER" && n > firstDay) break;
    const date = fromDayNumber(n);
    let matches: boolean;
    if (rule.freq === "WEEKLY") matches = ((mondayOf(n) - mondayOf(firstDay)) / 7) % rule.interval === 0 && byDay!.includes(date.weekday);
    else matches = (n - firstDay) % rule.interval === 0 && (!byDay || byDay.includes(date.weekday));
    if (n === firstDay) matches = true; // DTSTART is always the first occurrence
    if (!matches) continue;
    const start = allDay ? n * 86_400_000 : wallToInstant({ ...wall, year: date.year, month: date.month, day: date.day }, timeZone);
    if (start >= options.limitEnd) break;
    if (rule.until !== null && start > rule.until) break;
    if (rule.count !== null && produced >= rule.count) break;
    produced += 1;
    const key = allDay ? `${date.year}${pad(date.month)}${pad(date.day)}` : compactUtc(start);
    const wallKey = `${date.year}${pad(date.month)}${pad(date.day)}T${pad(wall.hour)}${pad(wall.minute)}${pad(wall.second)}`;
    if (exdates.has(key) || exdates.has(wallKey) || exdates.has(`${key}`.replace(/Z$/, ""))) continue;
    out.push({ start, end: start + options.durationMs, allDay, startDay: n });
  }
  return out;
}

/** 20250310T090000Z, the suffix of a Google instance id. */
export function compactUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
