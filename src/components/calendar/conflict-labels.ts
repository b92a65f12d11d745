import type { SupportedLocale } from "~/lib/schemas/locale";
import { meetingToDecline } from "~/lib/calendar/decline";
import { providerName } from "~/lib/providers";
import { timeRange } from "./format";

/**
 * How a conflict's two events are told apart where titles are not kept: both read "Busy",
 * often at the same time in the same calendar. Each is named by its time and its calendar
 * with the provider, and events alike in all of these are numbered ("2 of 3").
 */

export type ConflictSide = { id: string; summary: string; startTime: Date; endTime: Date; calendarName: string; provider: string; focusTime: boolean };
/** The place of an event among those that read exactly alike: the 2nd of 3. */
export type LookAlike = { number: number; of: number };

/** "ana@devpulse.test (Google Calendar)": a calendar's own name can be an address, or plain "Calendar" at either provider. */
export const calendarOf = (side: ConflictSide) => `${side.calendarName} (${providerName(side.provider)})`;

/** The side "Decline" declines, by the rule the server declines by (lib/calendar/decline.ts). */
export function declinedSide<S extends ConflictSide>(first: S, second: S): S | undefined {
  return meetingToDecline([first, second], (side) => side.startTime.getTime(), (side) => side.focusTime);
}

/**
 * The events, among all the conflicts' sides, that another reads exactly like (title, time,
 * calendar): each numbered within its group, in a stable order (by id), so the same event
 * keeps its number in every row it appears in.
 */
export function lookAlikes(sides: readonly ConflictSide[]): Map<string, LookAlike> {
  const groups = new Map<string, Set<string>>();
  for (const side of sides) {
    const reading = JSON.stringify([side.summary, side.startTime.getTime(), side.endTime.getTime(), side.calendarName, side.provider]);
    groups.set(reading, (groups.get(reading) ?? new Set()).add(side.id));
  }
  const numbers = new Map<string, LookAlike>();
  for (const ids of groups.values()) {
    if (ids.size < 2) continue;
    [...ids].sort().forEach((id, index) => numbers.set(id, { number: index + 1, of: ids.size }));
  }
  return numbers;
}

/** "the 15:00–15:30 meeting in Work (Google Calendar)", or "meeting 2 of 3 at 15:00–15:30 in …" where others read the same. */
export function meetingLabel(locale: SupportedLocale, side: ConflictSide, timeZone: string, lookAlike?: LookAlike): string {
  const time = timeRange(locale, side.startTime, side.endTime, timeZone);
  return lookAlike ? `meeting ${lookAlike.number} of ${lookAlike.of} at ${time} in ${calendarOf(side)}` : `the ${time} meeting in ${calendarOf(side)}`;
}
