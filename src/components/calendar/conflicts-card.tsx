"use client";

import { useMemo, useState } from "react";
import { DAY } from "~/lib/calendar/zoned-time";
import { api, errorMessage } from "~/trpc/react";
import { CheckIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { calendarOf, declinedSide, lookAlikes, meetingLabel, type LookAlike } from "./conflict-labels";
import { spanLabel, timeRange } from "./format";
import { useCalendarRefresh, type ConflictView } from "./use-calendar";

/** As far ahead as syncs look for conflicts. */
const HORIZON_DAYS = 28;
/** The soonest conflicts are listed; a busy calendar's dozens more wait behind "Show all". */
const FIRST_SHOWN = 5;

type Side = ConflictView["first"];
type Outcome = { key: string; text: string };

const meetingOf = (conflict: ConflictView): Side | undefined => declinedSide(conflict.first, conflict.second);

function SideLine({ side, timeZone, lookAlike }: { side: Side; timeZone: string; lookAlike: LookAlike | undefined }) {
  const locale = useLocale();
  return (
    <li className="flex flex-wrap items-baseline gap-x-2">
      <span className="font-medium text-zinc-900">{side.summary}</span>
      {side.focusTime && <Badge tone="brand">Focus</Badge>}
      {lookAlike && (
        <Badge tone="neutral">
          {lookAlike.number} of {lookAlike.of}
          <span className="sr-only"> events that read the same</span>
        </Badge>
      )}
      <span className="text-zinc-500">
        <span className="tabular-nums">{timeRange(locale, side.startTime, side.endTime, timeZone)}</span> · {calendarOf(side)}
      </span>
    </li>
  );
}

function ConflictRow({
  conflict,
  timeZone,
  alike,
  pending,
  onResolve,
}: {
  conflict: ConflictView;
  timeZone: string;
  alike: Map<string, LookAlike>;
  pending: string | undefined;
  onResolve: (action: "move" | "keep" | "decline") => void;
}) {
  const locale = useLocale();
  const meeting = meetingOf(conflict);
  const busy = pending !== undefined;
  return (
    <li className="space-y-2 px-5 py-4 text-sm">
      <p className="flex flex-wrap items-center gap-2">
        <Badge tone={conflict.kind === "focus_block" ? "warning" : "neutral"}>{conflict.kind === "focus_block" ? "Meeting on focus time" : "Double booking"}</Badge>
        <span className="text-zinc-700">Overlap {spanLabel(locale, conflict.overlapStart, conflict.overlapEnd, timeZone)}</span>
      </p>
      <ul className="space-y-1">
        <SideLine side={conflict.first} timeZone={timeZone} lookAlike={alike.get(conflict.first.id)} />
        <SideLine side={conflict.second} timeZone={timeZone} lookAlike={alike.get(conflict.second.id)} />
      </ul>
      <div className="flex flex-wrap gap-2 pt-1">
        {conflict.actions.move && (
          <Button variant="secondary" size="sm" onClick={() => onResolve("move")} loading={pending === "move"} disabled={busy}>
            Move focus block to the next free slot
          </Button>
        )}
        {conflict.actions.keep && (
          <Button variant="secondary" size="sm" onClick={() => onResolve("keep")} loading={pending === "keep"} disabled={busy}>
            Keep both
          </Button>
        )}
        {conflict.actions.decline && meeting && (
          // Long (time and calendar), so it may wrap: its height follows its lines.
          <Button variant="ghost" size="sm" className="h-auto min-h-8 py-1 text-left text-red-700" onClick={() => onResolve("decline")} loading={pending === "decline"} disabled={busy}>
            Decline {meetingLabel(locale, meeting, timeZone, alike.get(meeting.id))}
          </Button>
        )}
      </div>
    </li>
  );
}

/** Overlaps in the included calendars for the next four weeks, each to move, keep or decline; live as syncs find new ones. */
export function ConflictsCard({ timeZone }: { timeZone: string }) {
  const locale = useLocale();
  // On the hour, so the query keeps one key while the page is open.
  const range = useMemo(() => {
    const from = new Date();
    from.setMinutes(0, 0, 0);
    return { from, to: new Date(from.getTime() + HORIZON_DAYS * DAY) };
  }, []);
  const conflicts = api.calendar.conflicts.useQuery(range);
  const refresh = useCalendarRefresh();
  const resolve = api.calendar.resolveConflict.useMutation({ onSettled: refresh });
  const [declining, setDeclining] = useState<ConflictView | null>(null);
  const [showAll, setShowAll] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  // Numbered across every conflict, not only those shown, so "Show all" does not renumber them.
  const alike = useMemo(() => lookAlikes((conflicts.data ?? []).flatMap((conflict) => [conflict.first, conflict.second])), [conflicts.data]);

  function run(conflict: ConflictView, action: "move" | "keep" | "decline") {
    setOutcome(undefined);
    resolve.mutate(
      { key: conflict.key, action, timeZone },
      {
        onSuccess: (result) => {
          if (result.action === "move") setOutcome({ key: conflict.key, text: `Moved “${result.block.title}” to ${spanLabel(locale, result.block.startTime, result.block.endTime, timeZone)}.` });
          else if (result.action === "decline") setOutcome({ key: conflict.key, text: `Declined ${meetingLabel(locale, result.declined, timeZone, alike.get(result.declined.id))}.` });
          else setOutcome({ key: conflict.key, text: "Kept both. This overlap is no longer listed." });
        },
        onSettled: () => setDeclining(null),
      },
    );
  }

  const declined = declining && meetingOf(declining);
  return (
    <Card>
      <CardHeader title="Conflicts" description={`Overlapping events in the next ${HORIZON_DAYS} days, across your included calendars.`} />
      {outcome && (
        <div className="px-5 pt-4">
          <Alert tone="success">{outcome.text}</Alert>
        </div>
      )}
      {resolve.error && (
        <div className="px-5 pt-4">
          <Alert tone="error">{errorMessage(resolve.error)}</Alert>
        </div>
      )}
      {conflicts.isPending ? (
        <Loading label="Loading conflicts" />
      ) : conflicts.isError ? (
        <LoadError title="Could not load your conflicts" message={errorMessage(conflicts.error)} onRetry={() => void conflicts.refetch()} retrying={conflicts.isRefetching} />
      ) : conflicts.data.length === 0 ? (
        <EmptyState icon={<CheckIcon />} title="No conflicts">
          Nothing overlaps in the next {HORIZON_DAYS} days. New ones appear here as your calendars sync.
        </EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-zinc-100" aria-label="Calendar conflicts">
            {(showAll ? conflicts.data : conflicts.data.slice(0, FIRST_SHOWN)).map((conflict) => (
              <ConflictRow
                key={conflict.key}
                conflict={conflict}
                timeZone={timeZone}
                alike={alike}
                pending={resolve.isPending && resolve.variables.key === conflict.key ? resolve.variables.action : undefined}
                onResolve={(action) => (resolve.reset(), action === "decline" ? setDeclining(conflict) : run(conflict, action))}
              />
            ))}
          </ul>
          {conflicts.data.length > FIRST_SHOWN && (
            <div className="border-t border-zinc-100 px-5 py-3">
              <Button variant="ghost" size="sm" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>
                {showAll ? "Show the first " + FIRST_SHOWN : `Show all ${conflicts.data.length} conflicts`}
              </Button>
            </div>
          )}
        </>
      )}
      <ConfirmDialog
        open={declining !== null}
        title={declined ? `Decline ${meetingLabel(locale, declined, timeZone, alike.get(declined.id))}?` : "Decline this meeting?"}
        confirmLabel="Decline meeting"
        pending={resolve.isPending}
        onCancel={() => setDeclining(null)}
        onConfirm={() => declining && run(declining, "decline")}
      >
        {declined && `“${declined.summary}”, ${spanLabel(locale, declined.startTime, declined.endTime, timeZone)}. You decline it in ${calendarOf(declined)}: the organizer sees your answer and the meeting leaves your calendar.`}
      </ConfirmDialog>
    </Card>
  );
}
