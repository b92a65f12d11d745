"use client";

import { useEffect, useMemo, useState } from "react";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { DayList } from "./day-list";
import { FocusBlockDetails } from "./focus-block-details";
import { FocusBlockDialog } from "./focus-block-dialog";
import { weekItems } from "./items";
import { weekLabel } from "./format";
import { useCalendarRefresh, type CalendarView } from "./use-calendar";
import { mondayOf, weekFrom } from "./week";
import { WeekGrid } from "./week-grid";

/** While a block is being made, its job's announcement may be missed (another tab, a blip): look again this often. */
const PENDING_POLL_MS = 3000;

/** The clock on the page: the "now" line moves, "today" changes at midnight. */
function useNow(everyMs = 60_000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * The week: previous, today and next; the events of the included calendars and DevPulse's
 * focus blocks, in a grid from 640 px up and as a list of days below. A block selected in
 * either shows its details under them.
 */
export function WeekCard({ timeZone, calendars }: { timeZone: string; calendars: CalendarView[] }) {
  const now = useNow();
  const locale = useLocale();
  const thisMonday = mondayOf(timeZone, now);
  const [monday, setMonday] = useState(thisMonday);
  const week = useMemo(() => weekFrom(timeZone, monday), [timeZone, monday]);
  const range = { from: week.from, to: week.to };
  const events = api.calendar.events.useQuery(range);
  const blocks = api.calendar.focusBlocks.useQuery(range, { refetchInterval: (query) => (query.state.data?.some((block) => block.state === "creating") ? PENDING_POLL_MS : false) });
  const refresh = useCalendarRefresh();
  const move = api.calendar.updateFocusBlock.useMutation({ onSettled: refresh });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const shownBlocks = useMemo(() => {
    const list = blocks.data ?? [];
    const startTime = move.isPending ? move.variables.startTime : undefined;
    if (!(startTime instanceof Date)) return list;
    // The drop shows where it landed while the calendar takes it.
    const { id } = move.variables!;
    return list.map((block) => (block.id === id ? { ...block, startTime, endTime: new Date(startTime.getTime() + block.duration * 60_000) } : block));
  }, [blocks.data, move.isPending, move.variables]);
  const { timed, allDay } = useMemo(() => weekItems(events.data ?? [], shownBlocks, calendars), [events.data, shownBlocks, calendars]);
  const selected = blocks.data?.find((block) => block.id === selectedId);
  const movedTitle = move.variables && blocks.data?.find((block) => block.id === move.variables?.id)?.title;
  const included = calendars.filter((calendar) => calendar.included);

  return (
    <Card>
      <div className="flex flex-wrap items-center gap-3 border-b border-zinc-100 px-5 py-4">
        <div className="flex items-center gap-1" role="group" aria-label="Choose the week">
          <Button variant="secondary" size="sm" onClick={() => setMonday(monday - 7)} aria-label="Previous week">
            ‹
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setMonday(thisMonday)} disabled={monday === thisMonday}>
            Today
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setMonday(monday + 7)} aria-label="Next week">
            ›
          </Button>
        </div>
        <h2 className="text-base font-semibold text-zinc-900" aria-live="polite">
          {weekLabel(locale, week)}
        </h2>
        <span className="text-xs text-zinc-500">Times in {timeZone.replaceAll("_", " ")}</span>
        <Button size="sm" className="ml-auto" onClick={() => setCreating(true)}>
          New focus block
        </Button>
      </div>
      {included.length === 0 && (
        <div className="px-5 pt-4">
          <Alert tone="info">Every calendar is left out below: include one to see its events here.</Alert>
        </div>
      )}
      {move.error && (
        <div className="px-5 pt-4">
          <Alert tone="error" title={`Could not move “${movedTitle ?? "the focus block"}”`}>
            {errorMessage(move.error)}
          </Alert>
        </div>
      )}
      {events.isPending || blocks.isPending ? (
        <Loading label="Loading the week" />
      ) : events.isError ? (
        <LoadError title="Could not load your events" message={errorMessage(events.error)} onRetry={() => void events.refetch()} retrying={events.isRefetching} />
      ) : blocks.isError ? (
        <LoadError title="Could not load your focus blocks" message={errorMessage(blocks.error)} onRetry={() => void blocks.refetch()} retrying={blocks.isRefetching} />
      ) : (
        <>
          <div className="hidden sm:block">
            <WeekGrid
              week={week}
              items={timed}
              allDay={allDay}
              now={now}
              selectedBlockId={selectedId}
              onSelect={setSelectedId}
              onMove={(block, startTime) => (move.reset(), move.mutate({ id: block.id, startTime }))}
            />
          </div>
          <div className="sm:hidden">
            <DayList week={week} items={timed} allDay={allDay} now={now} selectedBlockId={selectedId} onSelect={setSelectedId} />
          </div>
        </>
      )}
      {selected && (
        <FocusBlockDetails
          key={`${selected.id}:${selected.startTime.getTime()}:${selected.duration}`}
          block={selected}
          calendarName={calendars.find((calendar) => calendar.id === selected.calendarId)?.name ?? "your calendar"}
          timeZone={timeZone}
          onClose={() => setSelectedId(null)}
        />
      )}
      <FocusBlockDialog open={creating} onClose={() => setCreating(false)} onCreated={(block) => (setMonday(mondayOf(timeZone, block.startTime.getTime())), setSelectedId(block.id))} calendars={calendars} timeZone={timeZone} />
    </Card>
  );
}
