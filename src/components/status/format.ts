import type { SupportedLocale } from "~/lib/schemas/locale";
import type { StatusSource } from "~/lib/status/templates";
import { formatTime } from "../ui/time";

/** "until 15:30" ("until 3:30 PM" in en-US), or "until you clear it". */
export function untilLabel(locale: SupportedLocale, expiresAt: Date | null): string {
  return expiresAt ? `until ${formatTime(locale, expiresAt, new Date())}` : "until you clear it";
}

/** Who asked for the status shown, in the words of the page. */
export const SOURCE_LABELS: Record<StatusSource, string> = {
  heartbeat: "from your desktop app",
  manual: "set by you",
  schedule: "scheduled",
  calendar: "from your calendar",
};

/** The durations the picker offers, in minutes; null: until cleared. */
export const DURATIONS: ReadonlyArray<{ label: string; minutes: number | null }> = [
  { label: "25 minutes", minutes: 25 },
  { label: "1 hour", minutes: 60 },
  { label: "2 hours", minutes: 120 },
  { label: "4 hours", minutes: 240 },
  { label: "Until I clear it", minutes: null },
];

/** "25 min", "1 h", "1 h 30 min". */
export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (!hours) return `${rest} min`;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** A `<input type="datetime-local">` value for a date, in the browser's time zone. */
export function toLocalInput(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
