"use client";

import Link from "next/link";
import { api, errorMessage } from "~/trpc/react";
import { CalendarIcon } from "../icons";
import { Card, CardHeader } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { spanLabel, startsIn } from "./format";
import { useBrowserTimeZone, useLiveCalendar } from "./use-calendar";

/** The dashboard's next focus block, live, with the way to the calendar. */
export function NextFocusBlockCard() {
  const timeZone = useBrowserTimeZone();
  const locale = useLocale();
  const next = api.calendar.nextFocusBlock.useQuery();
  useLiveCalendar();
  return (
    <Card>
      <CardHeader
        title="Next focus block"
        action={
          <Link href="/calendar" className="text-sm font-medium text-brand-700 hover:underline">
            Open calendar
          </Link>
        }
      />
      {next.isPending || !timeZone ? (
        <Loading label="Loading your next focus block" />
      ) : next.isError ? (
        <LoadError title="Could not load your next focus block" message={errorMessage(next.error)} onRetry={() => void next.refetch()} retrying={next.isRefetching} />
      ) : next.data ? (
        <div className="flex items-center gap-3 px-5 py-4" data-testid="next-focus-block">
          <span aria-hidden="true" className="flex size-10 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-600">
            <CalendarIcon />
          </span>
          <div>
            <p className="font-medium text-zinc-900">{next.data.title}</p>
            <p className="text-sm text-zinc-600">
              {spanLabel(locale, next.data.startTime, next.data.endTime, timeZone)} · {next.data.running ? "running now" : startsIn(next.data.startTime, new Date())}
            </p>
          </div>
        </div>
      ) : (
        <p className="px-5 py-4 text-sm text-zinc-600" data-testid="next-focus-block">
          Nothing booked. <Link href="/calendar" className="font-medium text-brand-700 hover:underline">Book focus time</Link> in your calendar, or let DevPulse suggest when.
        </p>
      )}
    </Card>
  );
}
