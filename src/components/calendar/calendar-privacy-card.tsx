"use client";

import type { PrivacySettings } from "~/lib/schemas/privacy";
import { api, errorMessage } from "~/trpc/react";
import { SaveStatus } from "../privacy/save-status";
import { useUpdateSettings } from "../privacy/use-privacy";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { SwitchRow } from "../ui/switch";
import { useCalendarRefresh } from "./use-calendar";

type CalendarPrivacy = PrivacySettings["calendar"];

const KEPT: Array<{ key: keyof CalendarPrivacy; label: string; description: string }> = [
  { key: "titles", label: "Keep event titles", description: "Off: DevPulse keeps only when you are busy, and shows “Busy”. A private event's title is never kept." },
  { key: "attendees", label: "Keep attendee counts", description: "How many people an event has, never who they are." },
];

const STATUS: Array<{ key: keyof CalendarPrivacy; label: string; description: string }> = [
  { key: "focusStatus", label: "Focus status", description: "While a focus block runs, your chat status shows that you are focusing." },
  { key: "meetingStatus", label: "Meeting status", description: "During a meeting, your chat status shows that you are in one." },
  { key: "meetingTitles", label: "Meeting titles in the status", description: "Name the meeting in that status. Needs event titles and meeting status on." },
];

/**
 * What the calendar cache keeps and what the chat status says about the calendar: the
 * `calendar` part of the privacy settings, changed where it matters. Titles switched off
 * are forgotten at once; switched on, they come back with a full read of the calendars.
 */
export function CalendarPrivacyCard() {
  const settings = api.privacy.settings.useQuery();
  const update = useUpdateSettings();
  const refresh = useCalendarRefresh();
  const current = settings.data?.calendar;
  const shown = current && (update.isPending ? { ...current, ...update.variables.calendar } : current);
  const change = (key: keyof CalendarPrivacy, value: boolean) => update.mutate({ calendar: { [key]: value } }, { onSuccess: () => void refresh() });
  const row = ({ key, label, description }: (typeof KEPT)[number], disabled = false) =>
    shown && <SwitchRow key={key} label={label} description={description} checked={shown[key]} disabled={disabled} pending={update.isPending && update.variables.calendar?.[key] !== undefined} onChange={(value) => change(key, value)} />;

  return (
    <Card>
      <CardHeader title="Privacy and status" description="What DevPulse keeps from your calendars, and what your chat status says about them." action={<SaveStatus pending={update.isPending} saved={update.isSuccess} />} />
      {settings.isPending ? (
        <Loading label="Loading your settings" />
      ) : settings.isError ? (
        <LoadError title="Could not load your settings" message={errorMessage(settings.error)} onRetry={() => void settings.refetch()} retrying={settings.isRefetching} />
      ) : (
        shown && (
          <div className="space-y-5 px-5 py-4">
            <div className="space-y-4">
              <h3 className="text-sm font-semibold text-zinc-900">Kept from your calendars</h3>
              {KEPT.map((entry) => row(entry))}
            </div>
            <div className="space-y-4 border-t border-zinc-100 pt-4">
              <h3 className="text-sm font-semibold text-zinc-900">Chat status</h3>
              {STATUS.map((entry) => row(entry, entry.key === "meetingTitles" && !shown.meetingTitles && !(shown.titles && shown.meetingStatus)))}
            </div>
            {update.error && <Alert tone="error">{errorMessage(update.error)}</Alert>}
          </div>
        )
      )}
    </Card>
  );
}
