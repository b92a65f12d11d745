import { calendarColors } from "./format";

/**
 * What the week shows: the calendars' events and DevPulse's focus blocks as one list. A
 * block already synced back from its calendar appears once, as the block (it can be moved
 * and deleted); a block still being made, or refused, appears from DevPulse's own record.
 */

type EventInput = {
  id: string;
  calendarId: string;
  calendarName: string;
  color: string | null;
  summary: string;
  titleHidden: boolean;
  startTime: Date;
  endTime: Date;
  isAllDay: boolean;
  status: string;
  focusTime: boolean;
  focusBlockId: string | null;
};
type BlockInput = { id: string; calendarId: string; title: string; startTime: Date; endTime: Date; state: string; error: string | null };
type CalendarInput = { id: string; name: string; color: string | null };

type Shared = { id: string; start: number; end: number; title: string; calendarName: string; accent: string; fill: string };
export type WeekItem<E extends EventInput = EventInput, B extends BlockInput = BlockInput> = Shared & ({ kind: "event"; event: E } | { kind: "block"; block: B });

export function weekItems<E extends EventInput, B extends BlockInput>(events: readonly E[], blocks: readonly B[], calendars: readonly CalendarInput[]) {
  const blockIds = new Set(blocks.map((block) => block.id));
  const live = events.filter((event) => event.status !== "cancelled");
  const timed: WeekItem<E, B>[] = live
    .filter((event) => !event.isAllDay && !(event.focusBlockId && blockIds.has(event.focusBlockId)))
    .map((event) => ({
      kind: "event",
      event,
      id: `event:${event.id}`,
      start: event.startTime.getTime(),
      end: event.endTime.getTime(),
      title: event.summary,
      calendarName: event.calendarName,
      ...calendarColors(event.color),
    }));
  for (const block of blocks) {
    const calendar = calendars.find((candidate) => candidate.id === block.calendarId);
    timed.push({
      kind: "block",
      block,
      id: `block:${block.id}`,
      start: block.startTime.getTime(),
      end: block.endTime.getTime(),
      title: block.title,
      calendarName: calendar?.name ?? "your calendar",
      ...calendarColors(calendar?.color ?? null),
    });
  }
  timed.sort((a, b) => a.start - b.start || a.end - b.end);
  return { timed, allDay: live.filter((event) => event.isAllDay) };
}
