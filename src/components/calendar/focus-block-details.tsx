"use client";

import { useId, useState, type FormEvent } from "react";
import { api, errorMessage, fieldErrors } from "~/trpc/react";
import { formatMinutes, toLocalInput } from "../status/format";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { Field } from "../ui/field";
import { useLocale } from "../ui/locale";
import { Spinner } from "../ui/spinner";
import { spanLabel } from "./format";
import { DurationSelect } from "./choices";
import { useCalendarRefresh, type FocusBlockView } from "./use-calendar";

const STATE_BADGES = {
  creating: <Badge tone="brand">Being added</Badge>,
  active: <Badge tone="success">In your calendar</Badge>,
  failed: <Badge tone="danger">Not added</Badge>,
  deleted: <Badge>Deleted</Badge>,
} as const;

/** A new start and length for an active block: the keyboard's way to move it, and the only one on a phone. */
function MoveForm({ block }: { block: FocusBlockView }) {
  const refresh = useCalendarRefresh();
  const update = api.calendar.updateFocusBlock.useMutation({ onSettled: refresh });
  const [start, setStart] = useState(() => toLocalInput(block.startTime));
  const [duration, setDuration] = useState(String(block.duration));
  const [startError, setStartError] = useState<string>();
  const unchanged = start === toLocalInput(block.startTime) && Number(duration) === block.duration;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const startTime = new Date(start);
    if (!start || Number.isNaN(startTime.getTime())) {
      setStartError("Choose when it starts");
      return (event.currentTarget.elements.namedItem("startTime") as HTMLElement | null)?.focus();
    }
    setStartError(undefined);
    update.mutate({ id: block.id, startTime, duration: Number(duration) });
  }

  const server = fieldErrors(update.error);
  return (
    <form onSubmit={submit} noValidate aria-label={`Move ${block.title}`} className="flex flex-wrap items-end gap-3">
      <Field className="w-56" label="Starts at" name="startTime" type="datetime-local" value={start} error={startError ?? server.startTime} onChange={(event) => setStart(event.target.value)} />
      <DurationSelect className="w-36" label="Duration" value={duration} error={server.duration} onChange={(event) => setDuration(event.target.value)} />
      <Button type="submit" variant="secondary" loading={update.isPending} disabled={unchanged}>
        Move block
      </Button>
      {update.error && !server.startTime && !server.duration && (
        <div className="w-full">
          <Alert tone="error">{errorMessage(update.error)}</Alert>
        </div>
      )}
    </form>
  );
}

/** The selected focus block: when and where it is, how it stands, and moving or deleting it. */
export function FocusBlockDetails({ block, calendarName, timeZone, onClose }: { block: FocusBlockView; calendarName: string; timeZone: string; onClose: () => void }) {
  const headingId = useId();
  const locale = useLocale();
  const refresh = useCalendarRefresh();
  const remove = api.calendar.deleteFocusBlock.useMutation({ onSuccess: async () => (await refresh(), onClose()) });
  const [confirming, setConfirming] = useState(false);
  const when = spanLabel(locale, block.startTime, block.endTime, timeZone);

  return (
    <section aria-labelledby={headingId} className="space-y-3 border-t border-zinc-200 bg-zinc-50 px-5 py-4" data-testid="focus-block-details">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h3 id={headingId} className="flex flex-wrap items-center gap-2 font-semibold text-zinc-900">
            {block.title} {STATE_BADGES[block.state]}
          </h3>
          <p className="mt-0.5 text-sm text-zinc-600">
            {when} · {formatMinutes(block.duration)} · {calendarName}
            {block.recurrence ? " · repeats weekly" : ""}
            {block.kind === "focusTime" ? " · Google focus time" : ""}
          </p>
        </div>
        <Button variant="ghost" size="sm" onClick={onClose}>
          Close
        </Button>
      </div>
      {block.state === "creating" && (
        <p className="flex items-center gap-2 text-sm text-zinc-600" aria-live="polite">
          <Spinner className="size-4" /> Being added to {calendarName}. It can be moved once it is there.
        </p>
      )}
      {block.state === "failed" && (
        <Alert tone="error" title={`${calendarName} did not take this block`}>
          {block.error ?? "The calendar refused it."} Delete it and book another, perhaps in another calendar.
        </Alert>
      )}
      {block.state === "active" && <MoveForm block={block} />}
      <div>
        <Button variant="ghost" size="sm" className="text-red-700" onClick={() => (remove.reset(), setConfirming(true))}>
          Delete focus block
        </Button>
      </div>
      {remove.error && <Alert tone="error">{errorMessage(remove.error)}</Alert>}
      <ConfirmDialog
        open={confirming}
        title={`Delete “${block.title}”?`}
        confirmLabel="Delete focus block"
        pending={remove.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => remove.mutate({ id: block.id }, { onSettled: () => setConfirming(false) })}
      >
        {block.state === "failed" ? "It was never added to your calendar; DevPulse forgets it." : `It is removed from ${calendarName}${block.recurrence ? ", every session of the series" : ""}: ${when}.`}
      </ConfirmDialog>
    </section>
  );
}
