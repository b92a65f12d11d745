import { PARTS_OF_DAY, type PartOfDay } from "~/lib/calendar/schemas";
import { formatMinutes } from "../status/format";

/** The choices the calendar's forms offer, in words. */

/** Focus block lengths (the server takes 15 minutes to 8 hours). */
export const BLOCK_DURATIONS = [30, 45, 60, 90, 120, 180, 240].map((minutes) => ({ minutes, label: formatMinutes(minutes) }));

/** Reminders before a block starts, in minutes. */
export const REMINDERS = [
  { value: 0, label: "When it starts" },
  { value: 5, label: "5 minutes before" },
  { value: 10, label: "10 minutes before" },
  { value: 30, label: "30 minutes before" },
];

/** The week as the page shows it, Monday first; `value` is the API's day number (0 = Sunday). */
export const WEEKDAYS_FROM_MONDAY = [
  { value: 1, short: "Mon", long: "Monday" },
  { value: 2, short: "Tue", long: "Tuesday" },
  { value: 3, short: "Wed", long: "Wednesday" },
  { value: 4, short: "Thu", long: "Thursday" },
  { value: 5, short: "Fri", long: "Friday" },
  { value: 6, short: "Sat", long: "Saturday" },
  { value: 0, short: "Sun", long: "Sunday" },
];

const hour = (value: number) => String(value).padStart(2, "0");
const PART_NAMES: Record<PartOfDay, string> = { morning: "Mornings", afternoon: "Afternoons", evening: "Evenings" };
/** "Mornings (06–12)", from the hours the suggestions use. */
export const PARTS_OF_DAY_OPTIONS = (Object.keys(PART_NAMES) as PartOfDay[]).map((part) => ({ value: part, label: `${PART_NAMES[part]} (${hour(PARTS_OF_DAY[part].from)}–${hour(PARTS_OF_DAY[part].to)})` }));

/** A checkbox group's list with `value` ticked or unticked. */
export function toggled<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((entry) => entry !== value) : [...list, value];
}
