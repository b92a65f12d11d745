"use client";

import { useState, type FormEvent } from "react";
import { api, errorMessage } from "~/trpc/react";
import { ClockIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { Field } from "../ui/field";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { formatTime } from "../ui/time";
import { DURATIONS, formatMinutes, toLocalInput } from "./format";
import { useStatusRefresh, type ScheduleView, type TemplateView } from "./use-status";

const selectClasses = "block h-10 w-full rounded-lg border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30";

/** A new scheduled status: a template, when it starts, for how long. */
function ScheduleForm({ templates }: { templates: TemplateView[] }) {
  const refresh = useStatusRefresh();
  const schedule = api.status.schedule.useMutation({ onSuccess: refresh });
  const [template, setTemplate] = useState(templates.find((entry) => entry.key === "focus")?.key ?? templates[0]?.key ?? "");
  const [startAt, setStartAt] = useState(() => toLocalInput(new Date(Date.now() + 60 * 60_000)));
  const [duration, setDuration] = useState("60");
  const [startError, setStartError] = useState<string>();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const start = new Date(startAt);
    if (!startAt || Number.isNaN(start.getTime())) return setStartError("Choose when it starts");
    if (start.getTime() <= Date.now()) return setStartError("Choose a time in the future (or set the status now above)");
    setStartError(undefined);
    schedule.mutate({ template, startAt: start, durationMinutes: Number(duration) });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Schedule a status" className="grid gap-3 border-t border-zinc-100 px-5 py-4 sm:grid-cols-2">
      <div className="space-y-1.5">
        <label htmlFor="schedule-template" className="block text-sm font-medium text-zinc-800">
          Template
        </label>
        <select id="schedule-template" className={selectClasses} value={template} onChange={(event) => setTemplate(event.target.value)}>
          {templates.map((entry) => (
            <option key={entry.key} value={entry.key}>
              {entry.discord.emoji} {entry.name}
            </option>
          ))}
        </select>
      </div>
      <div className="space-y-1.5">
        <label htmlFor="schedule-duration" className="block text-sm font-medium text-zinc-800">
          For
        </label>
        <select id="schedule-duration" className={selectClasses} value={duration} onChange={(event) => setDuration(event.target.value)}>
          {DURATIONS.filter((option) => option.minutes !== null).map((option) => (
            <option key={option.label} value={String(option.minutes)}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <Field className="sm:col-span-2" label="Starts at" type="datetime-local" value={startAt} error={startError} onChange={(event) => setStartAt(event.target.value)} />
      <div className="sm:col-span-2">
        <Button type="submit" variant="secondary" loading={schedule.isPending} disabled={!template}>
          Schedule
        </Button>
      </div>
      {schedule.error && (
        <div className="sm:col-span-2">
          <Alert tone="error">{errorMessage(schedule.error)}</Alert>
        </div>
      )}
    </form>
  );
}

function ScheduleRow({ entry, onCancel }: { entry: ScheduleView; onCancel: () => void }) {
  const locale = useLocale();
  const minutes = Math.round((entry.endAt.getTime() - entry.startAt.getTime()) / 60_000);
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 px-5 py-3 text-sm">
      <span className="font-medium text-zinc-900">{entry.templateName}</span>
      {entry.state === "active" && <Badge tone="brand">Showing now</Badge>}
      <span className="text-zinc-500">
        {formatTime(locale, entry.startAt, new Date())}, for {formatMinutes(minutes)}
      </span>
      <Button variant="ghost" size="sm" className="ml-auto text-red-700" onClick={onCancel} aria-label={`Remove the scheduled ${entry.templateName} at ${formatTime(locale, entry.startAt, new Date())}`}>
        Remove
      </Button>
    </li>
  );
}

/** Statuses set ahead of time (focus blocks), each removable. */
export function SchedulesCard({ templates }: { templates: TemplateView[] }) {
  const refresh = useStatusRefresh();
  const locale = useLocale();
  const schedules = api.status.schedules.list.useQuery();
  const cancel = api.status.schedules.cancel.useMutation({ onSuccess: refresh });
  const [cancelling, setCancelling] = useState<ScheduleView | null>(null);
  const upcoming = schedules.data?.filter((entry) => entry.state === "scheduled" || entry.state === "active") ?? [];

  return (
    <Card>
      <CardHeader title="Scheduled statuses" description="A status that starts later, like a focus block after lunch." />
      {schedules.isPending ? (
        <Loading label="Loading scheduled statuses" />
      ) : schedules.isError ? (
        <LoadError title="Could not load your scheduled statuses" message={errorMessage(schedules.error)} onRetry={() => void schedules.refetch()} retrying={schedules.isRefetching} />
      ) : upcoming.length === 0 ? (
        <EmptyState icon={<ClockIcon />} title="Nothing scheduled">
          Schedule a status below; DevPulse sets it when the time comes and clears it after.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-zinc-100" aria-label="Scheduled statuses">
          {upcoming.map((entry) => (
            <ScheduleRow key={entry.id} entry={entry} onCancel={() => (cancel.reset(), setCancelling(entry))} />
          ))}
        </ul>
      )}
      {cancel.error && (
        <div className="px-5 pb-4">
          <Alert tone="error">{errorMessage(cancel.error)}</Alert>
        </div>
      )}
      {templates.length > 0 && <ScheduleForm templates={templates} />}
      <ConfirmDialog
        open={cancelling !== null}
        title="Remove this scheduled status?"
        confirmLabel="Remove scheduled status"
        pending={cancel.isPending}
        onCancel={() => setCancelling(null)}
        onConfirm={() => cancelling && cancel.mutate({ id: cancelling.id }, { onSettled: () => setCancelling(null) })}
      >
        {cancelling && (
          <>
            “{cancelling.templateName}” at {formatTime(locale, cancelling.startAt, new Date())} will not be set
            {cancelling.state === "active" ? "; it is showing now, so DevPulse clears it at once" : ""}.
          </>
        )}
      </ConfirmDialog>
    </Card>
  );
}
