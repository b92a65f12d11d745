"use client";

import { useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type FocusEvent, type KeyboardEvent, type PointerEvent } from "react";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { Dialog } from "../ui/dialog";
import { useLocale } from "../ui/locale";
import { formatTimeOfDay } from "~/lib/locale-time";
import type { SupportedLocale } from "~/lib/schemas/locale";
import { calendarColors, clock, columnLabel, spanLabel, timeRange, weekLabel } from "./format";
import type { WeekItem } from "./items";
import { ItemRow } from "./item-row";
import { ItemText, type BlockState } from "./item-text";
import type { EventView, FocusBlockView } from "./use-calendar";
import { allDayCovers, clockMinutes, dayOf, layoutCrowdedDay, MINUTES_PER_DAY, movedStart, sideBySideLimit, type Overflow, type Placed, type Week, type WeekDay } from "./week";

type Item = WeekItem<EventView, FocusBlockView>;
type Move = { days: number; minutes: number };
/** A block being moved: by the pointer (while the button is held) or by the arrow keys (until Enter or Escape). */
type Draft = { itemId: string; move: Move; via: "pointer" | "keyboard" };
type ItemHandlers = Pick<ButtonHTMLAttributes<HTMLButtonElement>, "onPointerDown" | "onPointerMove" | "onPointerUp" | "onPointerCancel" | "onClick" | "onKeyDown" | "onBlur">;

const HOUR_PX = 48;
const PX_PER_MINUTE = HOUR_PX / 60;
/** The grid opens scrolled to the start of a working day. */
const FIRST_VISIBLE_HOUR = 7;
/** A press that moves less than this is a click, not a drag. */
const DRAG_THRESHOLD_PX = 5;
const KEY_MOVES: Record<string, Move> = { ArrowUp: { days: 0, minutes: -15 }, ArrowDown: { days: 0, minutes: 15 }, ArrowLeft: { days: -1, minutes: 0 }, ArrowRight: { days: 1, minutes: 0 } };
/** The hours labelled on the grid's edge: 01:00 to 23:00 (midnight is its top, unlabelled). */
const EDGE_HOURS = Array.from({ length: 23 }, (_, index) => index + 1);
/** A day column's width before it is measured: what 1280 px screens get. */
const FIRST_DAY_WIDTH_PX = 130;
/** The user's own focus blocks keep a column: they are what the grid is for, and what can be dragged. */
const takesPriority = (item: Item) => item.kind === "block";

/** Where an item is drawn after a move: the same length, moved on the clock. */
function moved(week: Week, item: Item, move: Move): Item {
  const start = movedStart(week.timeZone, item.start, move);
  return { ...item, start, end: start + (item.end - item.start) };
}

/** A move kept inside the week shown. */
function clampDays(week: Week, item: Item, move: Move): Move {
  const index = dayOf(week, item.start)?.index ?? 0;
  return { days: Math.min(6 - index, Math.max(-index, move.days)), minutes: move.minutes };
}

const movable = (item: Item): item is Item & { kind: "block" } => item.kind === "block" && item.block.state === "active";

/**
 * Monday to Sunday, hour by hour, each event in its calendar's colour. Focus blocks are
 * buttons: a click selects one (its details and actions appear below the grid); a drag
 * moves it; with the keyboard, the arrow keys move it a quarter hour or a day, Enter saves
 * and Escape puts it back. Moves land on the quarter hour.
 */
export function WeekGrid({
  week,
  items,
  allDay,
  now,
  selectedBlockId,
  onSelect,
  onMove,
}: {
  week: Week;
  items: Item[];
  allDay: EventView[];
  now: number;
  selectedBlockId: string | null;
  onSelect: (blockId: string) => void;
  onMove: (block: FocusBlockView, start: Date) => void;
}) {
  const base = useId();
  const locale = useLocale();
  const scroller = useRef<HTMLDivElement>(null);
  const firstDayColumn = useRef<HTMLDivElement>(null);
  // As many items side by side as stay readable at this width; the rest of a busy stretch is "+N more".
  const [maxColumns, setMaxColumns] = useState(() => sideBySideLimit(FIRST_DAY_WIDTH_PX));
  const pointer = useRef<{ itemId: string; x: number; y: number; columnWidth: number; dragging: boolean } | null>(null);
  const suppressClick = useRef(false);
  const [draft, setDraft] = useState<Draft | null>(null);
  /** The "+N more" whose items are listed in the dialog: ids, so a refetch while it is open shows the items as they are now. */
  const [moreOpen, setMoreOpen] = useState<{ day: WeekDay; itemIds: string[] } | null>(null);
  const elementId = (itemId: string) => `${base}-${itemId}`;
  const hintId = `${base}-hint`;

  useEffect(() => {
    // A little above the hour, so its label shows under the sticky day headings.
    if (scroller.current) scroller.current.scrollTop = FIRST_VISIBLE_HOUR * HOUR_PX - 12;
  }, []);
  useEffect(() => {
    const column = firstDayColumn.current;
    if (!column) return;
    const observer = new ResizeObserver(([entry]) => entry && setMaxColumns(sideBySideLimit(entry.contentRect.width)));
    observer.observe(column);
    return () => observer.disconnect();
  }, []);
  // A block selected (or just booked) may be outside the hours in view.
  const selectedItemId = selectedBlockId && `block:${selectedBlockId}`;
  useEffect(() => {
    if (selectedItemId) document.getElementById(`${base}-${selectedItemId}`)?.scrollIntoView({ block: "nearest" });
  }, [base, selectedItemId]);
  // A block moved to another day is drawn in that day's column, a new element: keep the keyboard's focus on it.
  useEffect(() => {
    if (draft?.via === "keyboard") document.getElementById(elementId(draft.itemId))?.focus();
  });

  const shown = draft ? items.map((item) => (item.id === draft.itemId ? moved(week, item, draft.move) : item)) : items;
  const drafted = draft && shown.find((item) => item.id === draft.itemId);

  function commit(item: Item, move: Move) {
    setDraft(null);
    if (item.kind !== "block") return;
    const start = movedStart(week.timeZone, item.start, clampDays(week, item, move));
    if (start !== item.start) onMove(item.block, new Date(start));
  }

  const handlers = (item: Item): ItemHandlers => ({
    onPointerDown: (event: PointerEvent<HTMLButtonElement>) => {
      if (event.button !== 0 || !movable(item)) return;
      const column = event.currentTarget.closest("[data-day-column]")?.getBoundingClientRect().width ?? 100;
      pointer.current = { itemId: item.id, x: event.clientX, y: event.clientY, columnWidth: column, dragging: false };
      event.currentTarget.setPointerCapture(event.pointerId);
    },
    onPointerMove: (event: PointerEvent<HTMLButtonElement>) => {
      const press = pointer.current;
      if (!press || press.itemId !== item.id) return;
      const dx = event.clientX - press.x;
      const dy = event.clientY - press.y;
      if (!press.dragging && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      press.dragging = true;
      setDraft({ itemId: item.id, move: clampDays(week, item, { days: Math.round(dx / press.columnWidth), minutes: dy / PX_PER_MINUTE }), via: "pointer" });
    },
    onPointerUp: (event: PointerEvent<HTMLButtonElement>) => {
      const press = pointer.current;
      pointer.current = null;
      if (!press?.dragging) return;
      suppressClick.current = true;
      commit(item, { days: Math.round((event.clientX - press.x) / press.columnWidth), minutes: (event.clientY - press.y) / PX_PER_MINUTE });
    },
    onPointerCancel: () => {
      pointer.current = null;
      setDraft(null);
    },
    onClick: () => {
      if (suppressClick.current) {
        suppressClick.current = false;
        return;
      }
      if (item.kind === "block") onSelect(item.block.id);
    },
    onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => {
      if (!movable(item)) return;
      const step = KEY_MOVES[event.key];
      const current = draft?.itemId === item.id ? draft.move : { days: 0, minutes: 0 };
      if (step) {
        event.preventDefault();
        setDraft({ itemId: item.id, move: clampDays(week, item, { days: current.days + step.days, minutes: current.minutes + step.minutes }), via: "keyboard" });
      } else if (event.key === "Enter" && draft?.itemId === item.id) {
        event.preventDefault();
        commit(item, draft.move);
      } else if (event.key === "Escape" && draft?.itemId === item.id) {
        event.preventDefault();
        setDraft(null);
      }
    },
    onBlur: (event: FocusEvent<HTMLButtonElement>) => {
      // Tabbing away abandons a keyboard move; a re-render that replaced the element does not (no new target).
      if (draft?.via === "keyboard" && draft.itemId === item.id && event.relatedTarget) setDraft(null);
    },
  });

  const today = dayOf(week, now);
  const nowMinutes = today ? clockMinutes(week.timeZone, today, now) : undefined;
  const allDayByDay = week.days.map((day) => allDay.filter((event) => allDayCovers(day, event)));

  return (
    <div>
      {/* Focusable, so the hours can be scrolled from the keyboard even in a week without a block to tab to. */}
      <div ref={scroller} tabIndex={0} role="region" aria-label={`${weekLabel(locale, week)}, hour by hour`} className="max-h-[36rem] overflow-y-auto overscroll-contain focus-visible:outline-offset-[-2px]" data-testid="week-grid">
        <div className="sticky top-0 z-20 grid grid-cols-[3.5rem_repeat(7,minmax(0,1fr))] border-b border-zinc-200 bg-white">
          <div aria-hidden="true" />
          {week.days.map((day) => {
            const label = columnLabel(locale, day);
            const isToday = today?.index === day.index;
            return (
              <div key={day.date} className="border-l border-zinc-100 px-1 py-2 text-center" aria-hidden="true">
                <p className={cn("text-xs font-medium uppercase", isToday ? "text-brand-700" : "text-zinc-500")}>{label.weekday}</p>
                <p className={cn("mx-auto mt-0.5 flex size-7 items-center justify-center rounded-full text-sm font-semibold", isToday ? "bg-brand-600 text-white" : "text-zinc-900")}>{label.date}</p>
              </div>
            );
          })}
          {allDayByDay.some((events) => events.length > 0) && (
            <>
              <p className="self-center pr-2 text-right text-[11px] text-zinc-500">All day</p>
              {allDayByDay.map((events, index) => (
                <ul key={week.days[index]!.date} aria-label={`All day, ${columnLabel(locale, week.days[index]!).full}`} className="space-y-0.5 border-l border-zinc-100 p-0.5 pb-1">
                  {events.map((event) => (
                    <li key={event.id}>
                      <ItemText compact title={event.summary} hiddenTitle={event.titleHidden} detail={event.calendarName} {...calendarColors(event.color)} focus={event.focusTime} />
                    </li>
                  ))}
                </ul>
              ))}
            </>
          )}
        </div>

        <div className="grid grid-cols-[3.5rem_repeat(7,minmax(0,1fr))]">
          <div aria-hidden="true" className="relative" style={{ height: 24 * HOUR_PX }}>
            {EDGE_HOURS.map((hour) => (
              // No wrapping: "12:00 PM" is as wide as the 3.5rem column allows, and a second line would sit on the next hour.
              <span key={hour} className="absolute right-2 -translate-y-1/2 whitespace-nowrap text-[11px] tabular-nums text-zinc-500" style={{ top: hour * HOUR_PX }}>
                {formatTimeOfDay(locale, hour)}
              </span>
            ))}
          </div>
          {week.days.map((day) => {
            const { placed, overflow } = layoutCrowdedDay(week.timeZone, day, shown, { maxColumns, takesPriority });
            return (
              <div
                key={day.date}
                ref={day.index === 0 ? firstDayColumn : undefined}
                data-day-column
                className="relative border-l border-zinc-100"
                style={{ height: 24 * HOUR_PX, backgroundImage: `repeating-linear-gradient(to bottom, transparent 0, transparent ${HOUR_PX - 1}px, rgb(244 244 245) ${HOUR_PX - 1}px, rgb(244 244 245) ${HOUR_PX}px)` }}
              >
                <ol aria-label={columnLabel(locale, day).full} className="absolute inset-0">
                  {placed.map((entry) => (
                    <GridItem
                      key={entry.item.id}
                      entry={entry}
                      timeZone={week.timeZone}
                      id={elementId(entry.item.id)}
                      hintId={hintId}
                      selected={entry.item.kind === "block" && entry.item.block.id === selectedBlockId}
                      dragging={draft?.itemId === entry.item.id}
                      handlers={handlers(items.find((item) => item.id === entry.item.id)!)}
                    />
                  ))}
                  {overflow.map((chip) => (
                    <MoreItem key={`more:${chip.top}`} chip={chip} timeZone={week.timeZone} onOpen={() => setMoreOpen({ day, itemIds: chip.items.map((entry) => entry.item.id) })} />
                  ))}
                </ol>
                {today?.index === day.index && nowMinutes !== undefined && (
                  <div aria-hidden="true" className="pointer-events-none absolute inset-x-0 z-10 h-0.5 bg-red-500" style={{ top: nowMinutes * PX_PER_MINUTE }}>
                    <span className="absolute -left-1 -top-[3px] size-2 rounded-full bg-red-500" />
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <p id={hintId} className="border-t border-zinc-100 px-5 py-2 text-xs text-zinc-500">
        Drag a focus block to move it, or focus it and use the arrow keys (a quarter hour, or a day), then Enter to save or Escape to put it back. Select it for its details.
      </p>
      <MoreDialog
        open={moreOpen}
        items={moreOpen ? shown.filter((item) => moreOpen.itemIds.includes(item.id)) : []}
        timeZone={week.timeZone}
        selectedBlockId={selectedBlockId}
        onSelect={(blockId) => (setMoreOpen(null), onSelect(blockId))}
        onClose={() => setMoreOpen(null)}
      />
      <p aria-live="polite" className="sr-only">
        {draft?.via === "keyboard" && drafted ? `Moving ${drafted.title} to ${spanLabel(locale, drafted.start, drafted.end, week.timeZone)}. Enter saves, Escape cancels.` : ""}
      </p>
    </div>
  );
}

function GridItem({
  entry,
  timeZone,
  id,
  hintId,
  selected,
  dragging,
  handlers,
}: {
  entry: Placed<Item>;
  timeZone: string;
  id: string;
  hintId: string;
  selected: boolean;
  dragging: boolean;
  handlers: ItemHandlers;
}) {
  const locale = useLocale();
  const { item } = entry;
  const height = Math.max((entry.bottom - entry.top) * PX_PER_MINUTE, 20);
  const style = {
    top: entry.top * PX_PER_MINUTE,
    height: Math.min(height, (MINUTES_PER_DAY - entry.top) * PX_PER_MINUTE),
    left: `calc(${(entry.column / entry.columns) * 100}% + 2px)`,
    width: `calc(${(entry.span / entry.columns) * 100}% - 4px)`,
  };
  const compact = height < 40;
  const time = `${clock(locale, item.start, timeZone)}–${clock(locale, item.end, timeZone)}`;
  if (item.kind === "event") {
    const event = item.event;
    return (
      <li className="absolute" style={style} title={`${item.title}, ${time} (${item.calendarName})`}>
        <ItemText
          compact={compact}
          title={item.title}
          hiddenTitle={event.titleHidden}
          time={time}
          detail={`${item.calendarName}${event.status === "tentative" ? ", tentative" : ""}`}
          accent={item.accent}
          fill={item.fill}
          focus={event.focusTime}
          tentative={event.status === "tentative"}
        />
      </li>
    );
  }
  const block = item.block;
  return (
    <li className={cn("absolute", dragging ? "z-30" : "z-0")} style={style}>
      <button
        id={id}
        type="button"
        aria-describedby={block.state === "active" ? hintId : undefined}
        aria-pressed={selected}
        className={cn(
          "block size-full rounded-md text-left focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-brand-600",
          block.state === "active" && "cursor-grab touch-none active:cursor-grabbing",
          selected && "ring-2 ring-brand-600 ring-offset-1",
          dragging && "shadow-lg",
        )}
        {...handlers}
      >
        <ItemText compact={compact} title={item.title} time={time} detail={item.calendarName} accent={item.accent} fill={item.fill} block={block.state as BlockState} />
      </button>
    </li>
  );
}

/** "14:00–16:00": from the first start to the last end of `items`. */
function timeSpan(locale: SupportedLocale, items: readonly Item[], timeZone: string): string {
  return timeRange(locale, Math.min(...items.map((item) => item.start)), Math.max(...items.map((item) => item.end)), timeZone);
}

/** The items a busy stretch had no room for, as one chip in the day's last column that lists them. */
function MoreItem({ chip, timeZone, onOpen }: { chip: Overflow<Item>; timeZone: string; onOpen: () => void }) {
  const locale = useLocale();
  const items = chip.items.map((entry) => entry.item);
  const height = Math.max((chip.bottom - chip.top) * PX_PER_MINUTE, 20);
  const style = {
    top: chip.top * PX_PER_MINUTE,
    height: Math.min(height, (MINUTES_PER_DAY - chip.top) * PX_PER_MINUTE),
    left: `calc(${(chip.column / chip.columns) * 100}% + 2px)`,
    width: `calc(${100 / chip.columns}% - 4px)`,
  };
  const time = timeSpan(locale, items, timeZone);
  return (
    <li className="absolute" style={style}>
      <button
        type="button"
        aria-haspopup="dialog"
        title={items.map((item) => `${item.title}, ${timeRange(locale, item.start, item.end, timeZone)} (${item.calendarName})`).join("\n")}
        onClick={onOpen}
        className="flex size-full items-start overflow-hidden whitespace-nowrap rounded-md bg-zinc-100 px-1 py-0.5 text-left text-xs font-semibold leading-tight text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-200 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-brand-600"
        data-testid="week-grid-more"
      >
        <span>
          +{items.length} more<span className="sr-only"> events, {time}</span>
        </span>
      </button>
    </li>
  );
}

/** The items behind a "+N more", in full; a focus block among them can be selected from here as from the grid. */
function MoreDialog({
  open,
  items,
  timeZone,
  selectedBlockId,
  onSelect,
  onClose,
}: {
  open: { day: WeekDay } | null;
  items: Item[];
  timeZone: string;
  selectedBlockId: string | null;
  onSelect: (blockId: string) => void;
  onClose: () => void;
}) {
  const locale = useLocale();
  // A refetch may take every item away while it is open (moved, declined elsewhere): nothing left to list.
  const shown = open !== null && items.length > 0;
  return (
    <Dialog
      open={shown}
      title={shown ? `${columnLabel(locale, open.day).full}, ${timeSpan(locale, items, timeZone)}` : ""}
      onClose={onClose}
      footer={
        <Button variant="secondary" onClick={onClose}>
          Close
        </Button>
      }
    >
      <ul className="space-y-1.5" aria-label={`${items.length} more events`}>
        {items.map((item) => (
          <ItemRow key={item.id} item={item} timeZone={timeZone} selectedBlockId={selectedBlockId} onSelect={onSelect} />
        ))}
      </ul>
    </Dialog>
  );
}
