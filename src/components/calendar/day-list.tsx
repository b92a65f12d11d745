"use client";

import { cn } from "../ui/cn";
import { useLocale } from "../ui/locale";
import { calendarColors, columnLabel } from "./format";
import type { WeekItem } from "./items";
import { ItemRow } from "./item-row";
import { ItemText } from "./item-text";
import type { EventView, FocusBlockView } from "./use-calendar";
import { allDayCovers, dayOf, type Week } from "./week";

type Item = WeekItem<EventView, FocusBlockView>;

/**
 * The week as a list of days, for narrow screens where seven columns do not fit. A focus
 * block is a button that selects it: moving (by its start time) and deleting are in its
 * details, below.
 */
export function DayList({ week, items, allDay, now, selectedBlockId, onSelect }: { week: Week; items: Item[]; allDay: EventView[]; now: number; selectedBlockId: string | null; onSelect: (blockId: string) => void }) {
  const locale = useLocale();
  const today = dayOf(week, now);
  return (
    <ol className="divide-y divide-zinc-100" aria-label="Days of the week" data-testid="day-list">
      {week.days.map((day) => {
        const label = columnLabel(locale, day);
        const allDayEvents = allDay.filter((event) => allDayCovers(day, event));
        const timed = items.filter((item) => item.start < day.end && item.end > day.start);
        const isToday = today?.index === day.index;
        return (
          <li key={day.date} className="px-4 py-3">
            <h3 className={cn("text-sm font-semibold", isToday ? "text-brand-700" : "text-zinc-900")}>
              {label.full}
              {isToday && <span className="ml-2 text-xs font-medium text-brand-700">Today</span>}
            </h3>
            {allDayEvents.length + timed.length === 0 ? (
              <p className="mt-1 text-sm text-zinc-500">Nothing scheduled.</p>
            ) : (
              <ul className="mt-2 space-y-1.5" aria-label={`Events on ${label.full}`}>
                {allDayEvents.map((event) => (
                  <li key={event.id} className="flex items-stretch gap-2 text-sm">
                    <span className="w-24 shrink-0 pt-1 text-xs text-zinc-500">All day</span>
                    <span className="min-w-0 flex-1">
                      <ItemText title={event.summary} hiddenTitle={event.titleHidden} detail={event.calendarName} {...calendarColors(event.color)} focus={event.focusTime} />
                    </span>
                  </li>
                ))}
                {timed.map((item) => (
                  <ItemRow key={item.id} item={item} timeZone={week.timeZone} selectedBlockId={selectedBlockId} onSelect={onSelect} />
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
