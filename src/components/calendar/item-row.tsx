"use client";

import { cn } from "../ui/cn";
import { useLocale } from "../ui/locale";
import { clock } from "./format";
import type { WeekItem } from "./items";
import { ItemText, type BlockState } from "./item-text";
import type { EventView, FocusBlockView } from "./use-calendar";

type Item = WeekItem<EventView, FocusBlockView>;

/**
 * One timed event or focus block as a list row, its time first: the day list on narrow screens
 * and a crowded stretch's "+N more" list show items the same way. A focus block is a button that
 * selects it (moving and deleting are in its details).
 */
export function ItemRow({ item, timeZone, selectedBlockId, onSelect }: { item: Item; timeZone: string; selectedBlockId: string | null; onSelect: (blockId: string) => void }) {
  const locale = useLocale();
  const time = `${clock(locale, item.start, timeZone)}–${clock(locale, item.end, timeZone)}`;
  return (
    <li className="flex items-stretch gap-2 text-sm">
      <span className="w-24 shrink-0 pt-1 text-xs tabular-nums text-zinc-600">{time}</span>
      {item.kind === "block" ? (
        <button
          type="button"
          aria-pressed={item.block.id === selectedBlockId}
          onClick={() => onSelect(item.block.id)}
          className={cn("min-w-0 flex-1 rounded-md text-left focus-visible:outline-2 focus-visible:outline-brand-600", item.block.id === selectedBlockId && "ring-2 ring-brand-600")}
        >
          <ItemText title={item.title} detail={item.calendarName} accent={item.accent} fill={item.fill} block={item.block.state as BlockState} />
        </button>
      ) : (
        <span className="min-w-0 flex-1">
          <ItemText
            title={item.title}
            hiddenTitle={item.event.titleHidden}
            detail={`${item.calendarName}${item.event.status === "tentative" ? ", tentative" : ""}`}
            accent={item.accent}
            fill={item.fill}
            focus={item.event.focusTime}
            tentative={item.event.status === "tentative"}
          />
        </span>
      )}
    </li>
  );
}
