"use client";

import { api, errorMessage } from "~/trpc/react";
import { CalendarIcon } from "../icons";
import { ButtonLink } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { CalendarPrivacyCard } from "./calendar-privacy-card";
import { CalendarsCard } from "./calendars-card";
import { ConflictsCard } from "./conflicts-card";
import { SuggestCard } from "./suggest-card";
import { useBrowserTimeZone, useLiveCalendar } from "./use-calendar";
import { WeekCard } from "./week-card";

/**
 * /calendar: the week across the connected calendars with DevPulse's focus blocks, focus
 * time suggestions, conflicts, and which calendars count and what is kept from them. Live:
 * syncs, blocks made by their job and new conflicts refetch what is shown.
 */
export function CalendarPage() {
  const timeZone = useBrowserTimeZone();
  const calendars = api.calendar.calendars.useQuery();
  useLiveCalendar();

  if (!timeZone || calendars.isPending) {
    return (
      <Card>
        <Loading label="Loading your calendars" />
      </Card>
    );
  }
  if (calendars.isError) {
    return (
      <Card>
        <LoadError title="Could not load your calendars" message={errorMessage(calendars.error)} onRetry={() => void calendars.refetch()} retrying={calendars.isRefetching} />
      </Card>
    );
  }
  if (calendars.data.length === 0) {
    return (
      <div className="space-y-6">
        <Card>
          <CardHeader title="Your week" />
          <EmptyState icon={<CalendarIcon />} title="No calendar connected" action={<ButtonLink href="/integrations">Connect a calendar</ButtonLink>}>
            Connect Google Calendar or Microsoft Outlook on the Integrations page. Your week appears here, and DevPulse can book focus time, suggest when, and tell you about conflicts.
          </EmptyState>
        </Card>
        <CalendarPrivacyCard />
      </div>
    );
  }
  return (
    <div className="space-y-6">
      <WeekCard timeZone={timeZone} calendars={calendars.data} />
      <div className="grid items-start gap-6 lg:grid-cols-2">
        <SuggestCard timeZone={timeZone} />
        <ConflictsCard timeZone={timeZone} />
      </div>
      <div className="grid items-start gap-6 lg:grid-cols-2">
        <CalendarsCard calendars={calendars.data} />
        <CalendarPrivacyCard />
      </div>
    </div>
  );
}
