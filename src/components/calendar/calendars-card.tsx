"use client";

import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Card, CardHeader } from "../ui/card";
import { SwitchRow } from "../ui/switch";
import { calendarColors } from "./format";
import { useCalendarRefresh, type CalendarView } from "./use-calendar";

function CalendarRow({ calendar }: { calendar: CalendarView }) {
  const refresh = useCalendarRefresh();
  // The choice shows at once and stays until the refetched list carries it (onSettled awaits the refetch).
  const include = api.calendar.setIncluded.useMutation({ onSettled: refresh });
  const shown = include.isPending ? include.variables.included : calendar.included;
  return (
    <li className="px-5 py-3">
      <SwitchRow
        label={
          <span className="inline-flex flex-wrap items-center gap-2">
            <span aria-hidden="true" className="size-3 shrink-0 rounded-full" style={{ backgroundColor: calendarColors(calendar.color).accent }} />
            {calendar.name}
            {calendar.primary && <Badge>Primary</Badge>}
            {!calendar.canWrite && <Badge>Read only</Badge>}
          </span>
        }
        description={`${calendar.providerName} · ${calendar.lastSyncedAt ? `synced ${timeAgo(calendar.lastSyncedAt)}` : "not synced yet"}${calendar.live ? " · live" : ""}`}
        checked={shown}
        pending={include.isPending}
        onChange={(included) => include.mutate({ calendarId: calendar.id, included })}
      />
      {include.error && (
        <div className="mt-2">
          <Alert tone="error">{errorMessage(include.error)}</Alert>
        </div>
      )}
    </li>
  );
}

/** Which calendars count: an included calendar shows in the week, blocks suggestions and can conflict. */
export function CalendarsCard({ calendars }: { calendars: CalendarView[] }) {
  return (
    <Card>
      <CardHeader title="Calendars" description="Included calendars show in the week, keep suggestions away from their events and are checked for conflicts." />
      <ul className="divide-y divide-zinc-100" aria-label="Calendars to include">
        {calendars.map((calendar) => (
          <CalendarRow key={calendar.id} calendar={calendar} />
        ))}
      </ul>
    </Card>
  );
}
