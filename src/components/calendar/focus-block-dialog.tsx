"use client";

import { useId, useState, type FormEvent } from "react";
import { api, errorMessage, fieldErrors } from "~/trpc/react";
import { toLocalInput } from "../status/format";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Field } from "../ui/field";
import { SelectField } from "../ui/select-field";
import { SwitchRow } from "../ui/switch";
import { CheckboxGroup, DurationSelect, WeekdayPicker } from "./choices";
import { REMINDERS } from "./options";
import { useCalendarRefresh, type CalendarView, type FocusBlockView } from "./use-calendar";

const TITLE_MAX = 200;

/** The next full hour: a sensible default start. */
function nextHour(): Date {
  const at = new Date(Date.now() + 60 * 60_000);
  at.setMinutes(0, 0, 0);
  return at;
}

type CreateMutation = ReturnType<typeof api.calendar.createFocusBlock.useMutation>;

function BlockForm({ formId, calendars, timeZone, create }: { formId: string; calendars: CalendarView[]; timeZone: string; create: CreateMutation }) {
  const writable = calendars.filter((calendar) => calendar.canWrite);
  const preferred = writable.find((calendar) => calendar.primary && calendar.included) ?? writable.find((calendar) => calendar.included) ?? writable[0];
  const [title, setTitle] = useState("Focus time");
  const [start, setStart] = useState(() => toLocalInput(nextHour()));
  const [duration, setDuration] = useState("90");
  const [calendarId, setCalendarId] = useState(preferred?.id ?? "");
  const [weekdays, setWeekdays] = useState<number[]>([]);
  const [count, setCount] = useState("");
  const [reminders, setReminders] = useState<number[]>([10]);
  const [autoDecline, setAutoDecline] = useState(false);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const calendar = writable.find((candidate) => candidate.id === calendarId);
  const google = calendar?.provider === "google";
  const server = fieldErrors(create.error);
  const shown = { ...server, ...errors };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const startTime = new Date(start);
    const found: Record<string, string> = {};
    if (!title.trim()) found.title = "Give the block a title";
    if (!start || Number.isNaN(startTime.getTime())) found.startTime = "Choose when it starts";
    else if (startTime.getTime() < Date.now() - 5 * 60_000) found.startTime = "Choose a time from now on";
    if (count && !/^\d+$/.test(count.trim())) found.recurrence = "Use a whole number of sessions, or leave it empty";
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first) return (event.currentTarget.elements.namedItem(first) as HTMLElement | null)?.focus();
    create.mutate({
      title: title.trim(),
      startTime,
      duration: Number(duration),
      calendarId: calendarId || undefined,
      timeZone,
      notifications: reminders,
      autoDecline: google && autoDecline,
      recurrence: weekdays.length ? { weekdays, ...(count.trim() ? { count: Number(count) } : {}) } : undefined,
    });
  }

  if (writable.length === 0) {
    return <Alert tone="warning">None of your calendars lets DevPulse add events. Connect a calendar of your own on the Integrations page.</Alert>;
  }
  return (
    <form id={formId} onSubmit={submit} noValidate className="space-y-4 text-zinc-800">
      <Field label="Title" name="title" value={title} maxLength={TITLE_MAX} error={shown.title} onChange={(event) => setTitle(event.target.value)} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Starts at" name="startTime" type="datetime-local" value={start} error={shown.startTime} onChange={(event) => setStart(event.target.value)} />
        <DurationSelect label="Duration" name="duration" value={duration} error={shown.duration} onChange={(event) => setDuration(event.target.value)} />
      </div>
      {writable.length > 1 && (
        <SelectField label="Calendar" name="calendarId" value={calendarId} error={shown.calendarId} onChange={(event) => setCalendarId(event.target.value)}>
          {writable.map((option) => (
            <option key={option.id} value={option.id}>
              {option.name} ({option.providerName})
            </option>
          ))}
        </SelectField>
      )}
      <WeekdayPicker legend="Repeat every week on" name="recurrence" value={weekdays} onChange={setWeekdays} error={shown.recurrence}>
        {weekdays.length > 0 && (
          <Field className="mt-3 max-w-48" label="Number of sessions" name="count" inputMode="numeric" hint="Empty: no end" value={count} onChange={(event) => setCount(event.target.value)} />
        )}
      </WeekdayPicker>
      <CheckboxGroup legend="Reminders" options={REMINDERS} value={reminders} onChange={setReminders} />
      {google && (
        <SwitchRow
          label="Decline meetings booked over it"
          description="Google Calendar declines new invitations during this focus time for you."
          checked={autoDecline}
          onChange={setAutoDecline}
        />
      )}
      {create.error && !Object.values(server).some(Boolean) && <Alert tone="error">{errorMessage(create.error)}</Alert>}
    </form>
  );
}

/** Book a focus block: it is written at once and shown as being added until the calendar has it. */
export function FocusBlockDialog({ open, onClose, onCreated, calendars, timeZone }: { open: boolean; onClose: () => void; onCreated: (block: FocusBlockView) => void; calendars: CalendarView[]; timeZone: string }) {
  const formId = useId();
  const refresh = useCalendarRefresh();
  const create = api.calendar.createFocusBlock.useMutation({
    onSuccess: async (block) => {
      await refresh();
      onCreated(block);
      close();
    },
  });
  function close() {
    create.reset();
    onClose();
  }
  return (
    <Dialog
      open={open}
      title="New focus block"
      onClose={close}
      wide
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form={formId} loading={create.isPending} disabled={!calendars.some((calendar) => calendar.canWrite)}>
            Book focus block
          </Button>
        </>
      }
    >
      {open && <BlockForm formId={formId} calendars={calendars} timeZone={timeZone} create={create} />}
    </Dialog>
  );
}
