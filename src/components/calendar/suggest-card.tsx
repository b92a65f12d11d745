"use client";

import { useState, type FormEvent } from "react";
import { ZSuggestFocusSlotsInput, type PartOfDay } from "~/lib/calendar/schemas";
import { DAY } from "~/lib/calendar/zoned-time";
import { api, errorMessage } from "~/trpc/react";
import { issuesByPath } from "../status/issues";
import { UnlockPanel } from "../sync/unlock-panel";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { useLocale } from "../ui/locale";
import { SelectField } from "../ui/select-field";
import { Spinner } from "../ui/spinner";
import { spanLabel } from "./format";
import { CheckboxGroup, DurationSelect, WeekdayPicker } from "./choices";
import { PARTS_OF_DAY_OPTIONS } from "./options";
import { useCalendarRefresh, type SlotView } from "./use-calendar";
import { useProductivityProfile, type ProfileState } from "./use-productivity-profile";

const LOOK_AHEAD_DAYS = [7, 14, 31];
const GAPS = [0, 5, 10, 15, 30];
const SUGGESTIONS = 8;
/** A booked suggestion's title; it can be renamed in the calendar. */
const BOOKED_TITLE = "Focus time";

/** What the ranking knows about the user's habits, said before and after asking. */
function ProfileNote({ state }: { state: ProfileState }) {
  if (state.status === "locked") {
    return (
      <div className="space-y-3">
        <Alert tone="info" title="Ranked without your activity">
          Every working hour counts the same. Unlock to rank slots by when you usually get work done: your activity is decrypted in this browser, and only a weekly profile of 168 hourly weights is sent, used for this answer and not stored.
        </Alert>
        <div className="rounded-lg border border-zinc-200 p-4">
          <UnlockPanel purpose="rank suggestions by your activity" framed={false} />
        </div>
      </div>
    );
  }
  if (state.status === "reading") {
    return (
      <p className="flex items-center gap-2 text-sm text-zinc-600" role="status">
        <Spinner className="size-4" /> Reading your activity in this browser…
      </p>
    );
  }
  if (state.status === "error") return <Alert tone="warning" title="Could not read your activity">{state.message} Suggestions weigh every working hour the same.</Alert>;
  return (
    <p className="text-sm text-zinc-600">
      {state.profile
        ? `Ranked by your activity: ${state.sessions} session${state.sessions === 1 ? "" : "s"} from the last 12 weeks, read in this browser.`
        : "No activity synced in the last 12 weeks: every working hour counts the same."}
    </p>
  );
}

function SlotRow({ slot, timeZone, booked, booking, onBook }: { slot: SlotView; timeZone: string; booked: boolean; booking: boolean; onBook: () => void }) {
  const locale = useLocale();
  const percent = Math.round(slot.confidence * 100);
  const when = spanLabel(locale, new Date(slot.startTime), new Date(slot.endTime), timeZone);
  return (
    <li className="flex items-center gap-4 px-5 py-3 text-sm">
      <div className="min-w-0 flex-1 space-y-1">
        <p className="font-medium text-zinc-900">{when}</p>
        <p className="flex flex-wrap items-center gap-x-3 gap-y-1 text-zinc-600">
          <span className="inline-flex items-center gap-2">
            <span aria-hidden="true" className="h-1.5 w-16 overflow-hidden rounded-full bg-zinc-200">
              <span className="block h-full rounded-full bg-brand-600" style={{ width: `${percent}%` }} />
            </span>
            <span className="tabular-nums">{percent}% confidence</span>
          </span>
          <span className={slot.conflictCount ? "text-amber-800" : undefined}>
            {slot.conflictCount ? `overlaps ${slot.conflictCount} tentative event${slot.conflictCount === 1 ? "" : "s"}` : "no conflicts"}
          </span>
        </p>
      </div>
      {booked ? (
        <span className="font-medium text-emerald-700">Booked</span>
      ) : (
        <Button variant="secondary" size="sm" onClick={onBook} loading={booking} aria-label={`Book ${when}`}>
          Book
        </Button>
      )}
    </li>
  );
}

/**
 * Free time for focus in the included calendars, within working hours, ranked by the
 * user's own activity when they unlock it; each suggestion can be booked as a focus block.
 */
export function SuggestCard({ timeZone }: { timeZone: string }) {
  const profile = useProductivityProfile(timeZone);
  const refresh = useCalendarRefresh();
  const suggest = api.calendar.suggestFocusSlots.useMutation();
  const book = api.calendar.createFocusBlock.useMutation({ onSuccess: refresh });
  const [duration, setDuration] = useState("90");
  const [days, setDays] = useState("7");
  const [weekdays, setWeekdays] = useState([1, 2, 3, 4, 5]);
  const [start, setStart] = useState("09:00");
  const [end, setEnd] = useState("17:00");
  const [gap, setGap] = useState("10");
  const [preferred, setPreferred] = useState<PartOfDay[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [booked, setBooked] = useState<ReadonlySet<string>>(new Set());

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const from = Date.now();
    const parsed = ZSuggestFocusSlotsInput.safeParse({
      from: new Date(from).toISOString(),
      to: new Date(from + Number(days) * DAY).toISOString(),
      durationMinutes: Number(duration),
      preferences: { workingHours: { days: weekdays, start, end }, timezone: timeZone, minGapMinutes: Number(gap), ...(preferred.length ? { preferredTimes: preferred } : {}) },
      ...(profile.status === "ready" && profile.profile ? { productivityProfile: profile.profile } : {}),
      limit: SUGGESTIONS,
    });
    if (!parsed.success) return setErrors(issuesByPath(parsed.error));
    setErrors({});
    setBooked(new Set());
    book.reset();
    suggest.mutate(parsed.data);
  }

  return (
    <Card>
      <CardHeader title="Suggest focus time" description="Free stretches in your working hours, best first. Tentative events do not block a slot." />
      <div className="space-y-4 px-5 py-4">
        <ProfileNote state={profile} />
        <form onSubmit={submit} noValidate aria-label="Suggest focus time" className="space-y-4">
          <div className="grid gap-4 sm:grid-cols-3">
            <DurationSelect label="Length" value={duration} onChange={(event) => setDuration(event.target.value)} />
            <SelectField label="Look ahead" value={days} onChange={(event) => setDays(event.target.value)}>
              {LOOK_AHEAD_DAYS.map((option) => (
                <option key={option} value={String(option)}>
                  {option} days
                </option>
              ))}
            </SelectField>
            <SelectField label="Free time around meetings" value={gap} onChange={(event) => setGap(event.target.value)}>
              {GAPS.map((option) => (
                <option key={option} value={String(option)}>
                  {option ? `${option} minutes` : "None"}
                </option>
              ))}
            </SelectField>
          </div>
          <WeekdayPicker legend="Working days" value={weekdays} onChange={setWeekdays} error={errors["preferences.workingHours.days"]} />
          <div className="grid grid-cols-2 gap-4 sm:max-w-sm">
            <Field label="From" type="time" value={start} error={errors["preferences.workingHours.start"]} onChange={(event) => setStart(event.target.value)} />
            <Field label="Until" type="time" value={end} error={errors["preferences.workingHours.end"]} onChange={(event) => setEnd(event.target.value)} />
          </div>
          <CheckboxGroup legend="Preferred times (optional)" options={PARTS_OF_DAY_OPTIONS} value={preferred} onChange={setPreferred} />
          {errors.form && <Alert tone="error">{errors.form}</Alert>}
          <Button type="submit" loading={suggest.isPending} disabled={profile.status === "reading"}>
            Suggest focus time
          </Button>
        </form>
        {suggest.error && <Alert tone="error">{errorMessage(suggest.error)}</Alert>}
        {book.error && <Alert tone="error" title="Could not book it">{errorMessage(book.error)}</Alert>}
      </div>
      {suggest.data && (
        <div className="border-t border-zinc-100" aria-live="polite">
          {suggest.data.slots.length === 0 ? (
            <p className="px-5 py-4 text-sm text-zinc-600">No free stretch that long in those working hours. Try a shorter length, more days or longer hours.</p>
          ) : (
            <>
              <p className="px-5 pt-3 text-xs text-zinc-500">
                {suggest.data.profile ? "Ranked with your activity profile" : "Ranked without your activity"} · {suggest.data.busyCount} busy event{suggest.data.busyCount === 1 ? "" : "s"} avoided.
              </p>
              <ul className="divide-y divide-zinc-100" aria-label="Suggested focus slots">
                {suggest.data.slots.map((slot) => (
                  <SlotRow
                    key={slot.startTime}
                    slot={slot}
                    timeZone={timeZone}
                    booked={booked.has(slot.startTime)}
                    booking={book.isPending && book.variables.startTime instanceof Date && book.variables.startTime.getTime() === Date.parse(slot.startTime)}
                    onBook={() =>
                      book.mutate(
                        { title: BOOKED_TITLE, startTime: new Date(slot.startTime), duration: slot.duration, timeZone, notifications: [10] },
                        { onSuccess: () => setBooked((previous) => new Set(previous).add(slot.startTime)) },
                      )
                    }
                  />
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </Card>
  );
}
