"use client";

import { TRPCClientError } from "@trpc/client";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { NOTIFICATION_CATEGORIES, NOTIFICATION_CATEGORY_LABELS, NOTIFICATION_CHANNEL_LABELS, notificationKinds, type NotificationCategory, type NotificationChannel } from "~/lib/notifications/catalog";
import type { SupportedLocale } from "~/lib/schemas/locale";
import { channelsOfCategory, NOTIFICATION_FREQUENCIES, refusedFields, type NotificationFrequency, type NotificationPreferences } from "~/lib/schemas/notifications";
import { api, errorMessage } from "~/trpc/react";
import { LocaleField } from "../account/locale-field";
import { browserTimeZone } from "../calendar/format";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { Field } from "../ui/field";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { SelectField } from "../ui/select-field";
import { SwitchRow } from "../ui/switch";
import { formatTimeOfDay } from "~/lib/locale-time";
import { formatTime } from "../ui/time";
import { DAILY_DIGEST_HOUR, frequencyLabel, instantOfWallInput, timeZoneChoices, tomorrowAt, wallInputValue } from "./format";

/** What the Save button sends: everything but do-not-disturb, which its own buttons set at once. */
type Draft = Pick<NotificationPreferences, "categories" | "quietHours" | "timeZone" | "holdWhileFocused" | "focusReminderMinutes" | "emailUnreadAfterMinutes">;

const draftOf = ({ categories, quietHours, timeZone, holdWhileFocused, focusReminderMinutes, emailUnreadAfterMinutes }: NotificationPreferences): Draft => ({
  categories,
  quietHours,
  timeZone,
  holdWhileFocused,
  focusReminderMinutes,
  emailUnreadAfterMinutes,
});

/** The waits offered for "email only if still unread" (the API takes any 0–120). */
const UNREAD_EMAIL_WAITS = [0, 5, 15, 30, 60];

/** Categories whose every kind is urgent (security): their frequency does not apply and they are always listed. */
const ALWAYS_SENT = new Set(NOTIFICATION_CATEGORIES.filter((category) => Object.values(notificationKinds).every((spec) => spec.category !== category || spec.priority === "urgent")));

/**
 * A refused save, per field, from the refusal's data: the whole-document check names each field by
 * its path in `data.details` (refusedFieldDetails), input validation by its top-level field in
 * `data.zodError`. Anything not placed on a field is the form's.
 */
export function preferenceErrors(error: unknown): { fields: Map<string, string>; form?: string } {
  if (!error) return { fields: new Map() };
  const data = error instanceof TRPCClientError ? (error.data as { details?: Record<string, unknown> | null; zodError?: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null } | undefined) : undefined;
  const fields = refusedFields(data?.details);
  for (const [field, messages] of Object.entries(data?.zodError?.fieldErrors ?? {})) if (messages?.[0] && !fields.has(field)) fields.set(field, messages[0]);
  return { fields, form: fields.size === 0 || (data?.zodError?.formErrors.length ?? 0) > 0 ? errorMessage(error) : undefined };
}

/** The first message for a field or anything under it ("categories.sync" covers "categories.sync.channels.0"). */
const fieldError = (fields: Map<string, string>, path: string) => [...fields].find(([key]) => key === path || key.startsWith(`${path}.`))?.[1];

export function NotificationPreferencesForm() {
  const utils = api.useUtils();
  const locale = useLocale();
  const preferences = api.notifications.preferences.get.useQuery();
  // The locale is the account's (users.locale, account.updateLocale), shown here beside the time zone it is read with.
  const account = api.account.get.useQuery();
  const [draft, setDraft] = useState<Draft>();
  const [localeDraft, setLocaleDraft] = useState<SupportedLocale>();
  const form = useRef<HTMLFormElement>(null);
  const save = api.notifications.preferences.update.useMutation({
    onSuccess: (saved) => {
      utils.notifications.preferences.get.setData(undefined, saved);
      setDraft(undefined);
    },
  });
  const saveLocale = api.account.updateLocale.useMutation({
    onSuccess: ({ locale }) => {
      utils.account.get.setData(undefined, (current) => current && { ...current, locale });
      setLocaleDraft(undefined);
    },
  });

  // A refused save takes the person to the first field it names (centred: the save bar would cover it at the bottom).
  const refused = save.error ?? saveLocale.error;
  useEffect(() => {
    const invalid = refused && form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (!invalid) return;
    invalid.scrollIntoView({ block: "center" });
    invalid.focus({ preventScroll: true });
  }, [refused]);

  if (preferences.isPending || account.isPending) return <Loading label="Loading your notification preferences" />;
  if (preferences.isError || account.isError) {
    const failed = preferences.isError ? preferences : account;
    return (
      <Card>
        <LoadError title="Could not load your notification preferences" message={errorMessage(failed.error)} onRetry={() => void failed.refetch()} retrying={failed.isRefetching} />
      </Card>
    );
  }

  const stored = preferences.data;
  const shown = draft ?? draftOf(stored);
  const shownLocale = localeDraft ?? account.data.locale;
  const preferencesDirty = draft !== undefined && JSON.stringify(draft) !== JSON.stringify(draftOf(stored));
  const localeDirty = shownLocale !== account.data.locale;
  const dirty = preferencesDirty || localeDirty;
  // The two parts save apart: each keeps its change until its own save succeeds.
  const saving = save.isPending || saveLocale.isPending;
  const failedSave = save.isError || saveLocale.isError;
  const saved = (save.isSuccess || saveLocale.isSuccess) && !dirty && !failedSave;
  const errors = preferenceErrors(save.error);
  const localeError = saveLocale.error ? (preferenceErrors(saveLocale.error).fields.get("locale") ?? errorMessage(saveLocale.error)) : undefined;
  const resetOutcome = () => {
    save.reset();
    saveLocale.reset();
  };
  const change = (next: Partial<Draft>) => {
    resetOutcome();
    setDraft({ ...shown, ...next });
  };
  const changeLocale = (next: SupportedLocale) => {
    resetOutcome();
    setLocaleDraft(next);
  };
  const changeCategory = (category: NotificationCategory, next: Partial<Draft["categories"][NotificationCategory]>) =>
    change({ categories: { ...shown.categories, [category]: { ...shown.categories[category], ...next } } });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (preferencesDirty) save.mutate(shown);
    if (localeDirty) saveLocale.mutate({ locale: shownLocale });
  }

  return (
    <div className="space-y-6">
      <Alert tone="info" title="How your preferences apply">
        <ul className="list-disc space-y-1 pl-5">
          <li>In-app notifications are never held: they appear in your list and the bell at once, whatever you choose below.</li>
          <li>Digests, quiet hours, do not disturb and focus hold desktop, email and webhook notifications until they end. Hourly digests go out on the hour, daily ones at {formatTimeOfDay(locale, DAILY_DIGEST_HOUR)}, on your clock.</li>
          <li>Security notices (a new device signing in) and account deletion warnings are urgent: they are always sent at once on the channels you keep on.</li>
        </ul>
      </Alert>

      <form ref={form} onSubmit={onSubmit} noValidate className="space-y-6" aria-label="Notification preferences">
        <Card>
          <CardHeader title="What you hear about, and where" description="For each kind of notification, the channels it may use and how often." />
          <div className="divide-y divide-zinc-100">
            {NOTIFICATION_CATEGORIES.map((category) => (
              <CategoryRow key={category} category={category} value={shown.categories[category]} error={fieldError(errors.fields, `categories.${category}`)} onChange={(next) => changeCategory(category, next)} />
            ))}
          </div>
        </Card>

        <Card>
          <CardHeader title="Quiet hours" description="No desktop, email or webhook notifications in these hours (they wait until the end); the in-app list still fills." />
          <div className="space-y-4 p-5">
            <SwitchRow label="Quiet hours" description={`Every day, in your time zone. They may run past midnight (${formatTimeOfDay(locale, 22)}–${formatTimeOfDay(locale, 8)}).`} checked={shown.quietHours.enabled} onChange={(enabled) => change({ quietHours: { ...shown.quietHours, enabled } })} />
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="From" type="time" required value={shown.quietHours.start} disabled={!shown.quietHours.enabled} error={fieldError(errors.fields, "quietHours.start")} onChange={(event) => change({ quietHours: { ...shown.quietHours, start: event.target.value } })} />
              <Field label="Until" type="time" required value={shown.quietHours.end} disabled={!shown.quietHours.enabled} error={fieldError(errors.fields, "quietHours.end")} onChange={(event) => change({ quietHours: { ...shown.quietHours, end: event.target.value } })} />
            </div>
            {fieldError(errors.fields, "quietHours") && !fieldError(errors.fields, "quietHours.start") && !fieldError(errors.fields, "quietHours.end") && <Alert tone="error">{fieldError(errors.fields, "quietHours")}</Alert>}
            <TimeZoneField value={shown.timeZone} stored={stored.timeZone} error={fieldError(errors.fields, "timeZone")} onChange={(timeZone) => change({ timeZone })} />
          </div>
        </Card>

        <Card>
          <CardHeader title="Email" description="Email is for what you have not seen: a notification you read in the list or the desktop app before its email or desktop notice goes out (a digest, quiet hours) is left out of it." />
          <div className="p-5">
            <SelectField
              label="Send an email"
              className="max-w-sm"
              value={String(shown.emailUnreadAfterMinutes)}
              error={fieldError(errors.fields, "emailUnreadAfterMinutes")}
              hint={shown.emailUnreadAfterMinutes > 0 ? "Urgent notifications, such as a new device signing in, are always emailed at once. Emails already waiting keep their time." : undefined}
              onChange={(event) => change({ emailUnreadAfterMinutes: Number(event.target.value) })}
            >
              {[...new Set([...UNREAD_EMAIL_WAITS, shown.emailUnreadAfterMinutes])]
                .sort((a, b) => a - b)
                .map((minutes) => (
                  <option key={minutes} value={minutes}>
                    {unreadWaitLabel(minutes)}
                  </option>
                ))}
            </SelectField>
          </div>
        </Card>

        <Card>
          <CardHeader title="Dates and numbers" description="How these pages and your emails write dates, times and numbers. Emails give times on the clock above." />
          <div className="p-5">
            <LocaleField value={shownLocale} timeZone={shown.timeZone} error={localeError} onChange={changeLocale} />
          </div>
        </Card>

        <Card>
          <CardHeader title="Focus" description="Uses your live status: a DevPulse focus block, or a focus status you set." />
          <div className="space-y-4 p-5">
            <SwitchRow
              label="Hold non-urgent notifications while I am in focus"
              description="Desktop, email and webhook notifications wait until the focus ends."
              checked={shown.holdWhileFocused}
              onChange={(holdWhileFocused) => change({ holdWhileFocused })}
            />
            <Field
              label="Focus reminder (minutes before a focus block)"
              type="number"
              inputMode="numeric"
              min={0}
              max={120}
              step={1}
              className="max-w-xs"
              hint="0 to 120; the “focus block starting” notification comes this long before the block."
              value={Number.isNaN(shown.focusReminderMinutes) ? "" : shown.focusReminderMinutes}
              error={fieldError(errors.fields, "focusReminderMinutes")}
              onChange={(event) => change({ focusReminderMinutes: event.target.valueAsNumber })}
            />
          </div>
        </Card>

        {/* Kept in sight while there is something to save (or a refusal to read). */}
        <div className={cn("z-10 flex flex-wrap items-center gap-3 rounded-xl border border-zinc-200 bg-white/95 px-5 py-3 shadow-sm backdrop-blur", (dirty || failedSave) && "sticky bottom-4")}>
          <Button type="submit" loading={saving} disabled={!dirty}>
            Save preferences
          </Button>
          {dirty && (
            <Button variant="ghost" onClick={() => (resetOutcome(), setDraft(undefined), setLocaleDraft(undefined))}>
              Discard changes
            </Button>
          )}
          <div role="status" aria-live="polite" className="text-sm">
            {saved && <span className="font-medium text-emerald-700">Your notification preferences were saved.</span>}
            {dirty && !failedSave && <span className="text-zinc-500">You have unsaved changes.</span>}
          </div>
          {failedSave && (
            <p role="alert" className="basis-full text-sm font-medium text-red-700">
              Your preferences were not saved: {errors.form ?? "fix the fields marked in red and save again."}
            </p>
          )}
        </div>
      </form>

      <DoNotDisturbCard timeZone={stored.timeZone} until={stored.doNotDisturbUntil} />
    </div>
  );
}

function CategoryRow({ category, value, error, onChange }: { category: NotificationCategory; value: Draft["categories"][NotificationCategory]; error?: string; onChange: (next: Partial<Draft["categories"][NotificationCategory]>) => void }) {
  const id = useId();
  const locale = useLocale();
  const { label, description } = NOTIFICATION_CATEGORY_LABELS[category];
  const alwaysSent = ALWAYS_SENT.has(category);
  const toggle = (channel: NotificationChannel, on: boolean) => onChange({ channels: on ? [...value.channels, channel] : value.channels.filter((other) => other !== channel) });
  return (
    <div role="group" aria-labelledby={`${id}-label`} aria-describedby={error ? `${id}-error` : undefined} className="grid gap-4 px-5 py-4 md:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_11rem] md:items-start">
      <div>
        <p id={`${id}-label`} className="text-sm font-medium text-zinc-900">
          {label}
        </p>
        <p className="mt-0.5 text-sm text-zinc-500">{description}</p>
      </div>
      <div>
        <p className="mb-1.5 text-sm font-medium text-zinc-800" aria-hidden="true">
          Channels
        </p>
        <div className="flex flex-wrap gap-x-4 gap-y-2">
          {channelsOfCategory(category).map((channel) => {
            const locked = alwaysSent && channel === "inApp";
            return (
              <label key={channel} className="inline-flex items-center gap-2 text-sm text-zinc-700">
                <input type="checkbox" className="size-4 rounded border-zinc-300 accent-brand-600" checked={locked || value.channels.includes(channel)} disabled={locked} onChange={(event) => toggle(channel, event.target.checked)} />
                {NOTIFICATION_CHANNEL_LABELS[channel]}
              </label>
            );
          })}
        </div>
        {error && (
          <p id={`${id}-error`} className="mt-1.5 text-xs font-medium text-red-600">
            {error}
          </p>
        )}
      </div>
      <SelectField
        label="Frequency"
        value={alwaysSent ? "immediate" : value.frequency}
        disabled={alwaysSent}
        hint={alwaysSent ? "Urgent: always sent at once." : value.frequency === "off" ? "Not even listed in-app." : undefined}
        onChange={(event) => onChange({ frequency: event.target.value as NotificationFrequency })}
      >
        {NOTIFICATION_FREQUENCIES.map((frequency) => (
          <option key={frequency} value={frequency}>
            {frequencyLabel(locale, frequency)}
          </option>
        ))}
      </SelectField>
    </div>
  );
}

function unreadWaitLabel(minutes: number): string {
  if (minutes === 0) return "At once";
  const wait = minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? "" : "s"}` : `${minutes} minutes`;
  return `Only if still unread after ${wait}`;
}

/** The zone quiet hours and digests follow; the browser's own zone is offered when it is not the one saved. */
function TimeZoneField({ value, stored, error, onChange }: { value: string; stored: string; error?: string; onChange: (timeZone: string) => void }) {
  const [browser, setBrowser] = useState<string>();
  useEffect(() => setBrowser(browserTimeZone()), []); // only known in the browser (the page is also rendered on the server)
  return (
    <div className="space-y-3">
      <SelectField label="Time zone" value={value} error={error} hint="Quiet hours and digest times are on this clock." onChange={(event) => onChange(event.target.value)} className="max-w-sm">
        {timeZoneChoices(value, stored).map((zone) => (
          <option key={zone} value={zone}>
            {zone.replaceAll("_", " ")}
          </option>
        ))}
      </SelectField>
      {browser && browser !== stored && browser !== value && (
        <div className="flex flex-wrap items-center gap-3 rounded-lg border border-brand-100 bg-brand-50 px-4 py-3 text-sm text-brand-700">
          <p className="min-w-48 flex-1">
            Your browser is on <strong>{browser.replaceAll("_", " ")}</strong>; your notifications follow <strong>{stored.replaceAll("_", " ")}</strong>.
          </p>
          <Button variant="secondary" size="sm" onClick={() => onChange(browser)}>
            Use {browser.replaceAll("_", " ")}
          </Button>
        </div>
      )}
    </div>
  );
}

/** Do not disturb is an action more than a setting: each choice applies at once. */
function DoNotDisturbCard({ timeZone, until }: { timeZone: string; until: string | null }) {
  const utils = api.useUtils();
  const locale = useLocale();
  const now = Date.now();
  const [custom, setCustom] = useState("");
  const [customError, setCustomError] = useState<string>();
  const set = api.notifications.preferences.update.useMutation({ onSuccess: (saved) => utils.notifications.preferences.get.setData(undefined, saved) });
  const active = until !== null && Date.parse(until) > now;
  const apply = (at: Date | null) => {
    setCustomError(undefined);
    set.mutate({ doNotDisturbUntil: at ? at.toISOString() : null });
  };
  const pending = (value: "off" | "on") => set.isPending && (set.variables.doNotDisturbUntil === null) === (value === "off");

  function onCustom(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const at = instantOfWallInput(timeZone, custom);
    if (!at) return setCustomError("Choose a date and time.");
    if (at.getTime() <= Date.now()) return setCustomError("Choose a time in the future.");
    apply(at);
  }

  return (
    <Card>
      <CardHeader title="Do not disturb" description="Holds every non-urgent desktop, email and webhook notification until the time you choose. Applies at once." />
      <div className="space-y-4 p-5">
        <div role="status" aria-live="polite">
          {active ? (
            <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
              <p>
                <strong>Do not disturb is on</strong> until {formatTime(locale, new Date(until), new Date(now), timeZone)} ({timeZone.replaceAll("_", " ")}).
              </p>
              <Button variant="secondary" size="sm" loading={pending("off")} disabled={set.isPending} onClick={() => apply(null)}>
                Turn off
              </Button>
            </div>
          ) : (
            <p className="text-sm text-zinc-600">Do not disturb is off.</p>
          )}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" size="sm" disabled={set.isPending} onClick={() => apply(new Date(Date.now() + 60 * 60_000))}>
            For 1 hour
          </Button>
          <Button variant="secondary" size="sm" disabled={set.isPending} onClick={() => apply(tomorrowAt(timeZone, 9, Date.now()))}>
            Until tomorrow {formatTimeOfDay(locale, 9)}
          </Button>
        </div>
        <form onSubmit={onCustom} noValidate className="flex flex-wrap items-end gap-3">
          <Field
            label={`Until a time of your choice (${timeZone.replaceAll("_", " ")})`}
            type="datetime-local"
            value={custom}
            min={wallInputValue(timeZone, now)}
            error={customError}
            className="w-full max-w-xs"
            onChange={(event) => setCustom(event.target.value)}
          />
          <Button type="submit" variant="secondary" loading={pending("on")} disabled={set.isPending}>
            Set
          </Button>
        </form>
        {set.error && <Alert tone="error">{errorMessage(set.error)}</Alert>}
      </div>
    </Card>
  );
}
