/**
 * The minute-by-minute reference for `suggestFocusSlots` (src/lib/calendar/suggest.ts):
 * the benchmark's baseline, and the oracle the property tests compare it with. It asks
 * Intl for the user's clock at every minute of the range, marks each minute working,
 * blocked or free, and reads every fact of a candidate off those marks: whether it fits,
 * how long the free run around it is, whether a blocked minute touches it, and which
 * hour of the week each of its minutes falls in. Only the definitions are shared with
 * the fast version (the search range, the score formula, the final pick); none of its
 * interval arithmetic or time-zone handling is.
 *
 * Exact when zone offsets are whole minutes, as in every zone since 1972.
 */
import { minutesOfClockTime, ZSuggestFocusSlotsInput, type SuggestFocusSlotsInput, type TimeSlot } from "../../src/lib/calendar/schemas";
import { createSlotScorer, pickSuggestions, searchRange, SLOT_GRID, type BusyInterval, type SlotCandidate } from "../../src/lib/calendar/suggest";

const MINUTE = 60_000;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function naiveSuggestFocusSlots(input: SuggestFocusSlotsInput, busy: readonly BusyInterval[], now: number = Date.now()): TimeSlot[] {
  const request = ZSuggestFocusSlotsInput.parse(input);
  const { workingHours, timezone, minGapMinutes, preferredTimes } = request.preferences;
  const range = searchRange(request, now);
  const minutes = (range.end - range.start) / MINUTE;
  const slotMinutes = request.durationMinutes;
  if (minutes < slotMinutes) return [];
  const minuteAt = (index: number) => range.start + index * MINUTE;

  // The user's clock at every minute.
  const clock = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hourCycle: "h23", weekday: "short", hour: "numeric", minute: "numeric" });
  const workingFrom = minutesOfClockTime(workingHours.start);
  const workingTo = minutesOfClockTime(workingHours.end);
  const working = new Uint8Array(minutes);
  const hourOfWeek = new Int16Array(minutes);
  for (let i = 0; i < minutes; i++) {
    let weekday = -1;
    let hour = 0;
    let minute = 0;
    for (const part of clock.formatToParts(minuteAt(i))) {
      if (part.type === "weekday") weekday = WEEKDAYS.indexOf(part.value);
      else if (part.type === "hour") hour = Number(part.value) % 24;
      else if (part.type === "minute") minute = Number(part.value);
    }
    const minuteOfDay = hour * 60 + minute;
    working[i] = Number(workingHours.days.includes(weekday) && minuteOfDay >= workingFrom && minuteOfDay < workingTo);
    hourOfWeek[i] = weekday * 24 + hour;
  }

  // Blocked minutes: any that a busy event, widened by the gap, touches. Index i + 1 is
  // minute i, so the minutes just outside the range (-1 and `minutes`) have a mark too.
  const blocked = new Uint8Array(minutes + 2);
  for (const event of busy) {
    if (event.tentative) continue;
    const from = event.start - minGapMinutes * MINUTE;
    const to = event.end + minGapMinutes * MINUTE;
    if (!(from < to)) continue;
    for (let i = 0; i < minutes + 2; i++) {
      const minuteStart = minuteAt(i - 1);
      if (minuteStart < to && minuteStart + MINUTE > from) blocked[i] = 1;
    }
  }
  const free = (i: number) => i >= 0 && i < minutes && working[i] === 1 && blocked[i + 1] === 0;

  const scoreSlot = createSlotScorer(request);
  const candidates: SlotCandidate[] = [];
  for (let first = 0; first + slotMinutes <= minutes; first += SLOT_GRID / MINUTE) {
    const after = first + slotMinutes;
    let fits = true;
    for (let i = first; i < after && fits; i++) fits = free(i);
    if (!fits) continue;
    let runStart = first;
    while (free(runStart - 1)) runStart--;
    let runEnd = after;
    while (free(runEnd)) runEnd++;
    const minutesByHour = new Array<number>(168).fill(0);
    for (let i = first; i < after; i++) minutesByHour[hourOfWeek[i]!]! += 1;
    const start = minuteAt(first);
    const end = minuteAt(after);
    const conflicts = busy.filter((event) => event.tentative && event.start < end && event.end > start).length;
    const shortRun = (length: number) => length > 0 && length < slotMinutes;
    const needsHours = request.productivityProfile !== undefined || (preferredTimes?.length ?? 0) > 0;
    const score = scoreSlot({
      minutesByHour: needsHours ? minutesByHour : undefined,
      fragments: Number(shortRun(first - runStart)) + Number(shortRun(runEnd - after)),
      adjacent: blocked[first]! + blocked[after + 1]!,
      conflicts,
    });
    candidates.push({ start, end, score, conflicts });
  }
  return pickSuggestions(candidates, request);
}
