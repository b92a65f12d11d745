"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { getQueryKey } from "@trpc/react-query";
import { useId, useState } from "react";
import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { ClockIcon } from "../icons";
import { Badge } from "../ui/badge";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { LoadMore } from "../ui/load-more";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { activityLabels, formatDate, legalBasisLabels, processingActivities, summarizeDetails, type ProcessingActivity } from "./labels";

const PAGE_SIZE = 20;

const activityTone: Record<ProcessingActivity, "neutral" | "brand" | "success" | "warning" | "danger"> = {
  sync_upload: "brand",
  integration_sync: "brand",
  export: "neutral",
  deletion: "danger",
  correlation: "neutral",
  consent_change: "success",
  settings_change: "warning",
  notification: "warning",
};

/** What was done with the user's data, why, and on which legal basis: newest first, page by page. */
export function ProcessingLog() {
  const selectId = useId();
  const locale = useLocale();
  const [activity, setActivity] = useState<ProcessingActivity | "">("");
  const utils = api.useUtils();
  const input = { activity: activity || undefined, limit: PAGE_SIZE };
  // Paged by the last id seen ("before"). Under tRPC's key, so invalidating privacy.processingLog refreshes it;
  // a refresh refetches the loaded pages in order, each from the one before, so no entry is skipped.
  const log = useInfiniteQuery({
    queryKey: getQueryKey(api.privacy.processingLog, input, "infinite"),
    queryFn: ({ pageParam }) => utils.client.privacy.processingLog.query({ ...input, before: pageParam }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (page) => page.nextBefore ?? undefined,
  });
  const items = log.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Card>
      <CardHeader
        title="Processing log"
        description="Every time the server processed your data: what it did, why, and on which legal basis."
        action={
          <div className="flex items-center gap-2">
            <label htmlFor={selectId} className="text-sm font-medium text-zinc-700">
              Activity
            </label>
            <select
              id={selectId}
              value={activity}
              onChange={(event) => {
                setActivity(event.target.value as ProcessingActivity | "");
              }}
              className="h-9 rounded-lg border border-zinc-300 bg-white pl-3 pr-8 text-sm text-zinc-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
            >
              <option value="">All activities</option>
              {processingActivities.map((value) => (
                <option key={value} value={value}>
                  {activityLabels[value]}
                </option>
              ))}
            </select>
          </div>
        }
      />
      {log.isPending ? (
        <Loading label="Loading the processing log" />
      ) : log.isError && !log.isFetchNextPageError ? (
        <LoadError title="Could not load the processing log" message={errorMessage(log.error)} onRetry={() => void log.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState icon={<ClockIcon />} title={activity ? `No ${activityLabels[activity].toLowerCase()} entries` : "Nothing processed yet"}>
          {activity
            ? "Nothing of this kind has been done with your data. Choose All activities to see everything."
            : "When the server stores a sync, fetches from an integration or applies a choice you made here, it is listed with its purpose and legal basis."}
        </EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-zinc-100" aria-label="Processing log">
            {items.map((entry) => {
              const basis = legalBasisLabels[entry.legalBasis];
              const details = summarizeDetails(entry.details);
              return (
                <li key={entry.id} className="flex flex-col gap-1 px-5 py-3 text-sm sm:flex-row sm:items-start sm:gap-4">
                  <div className="min-w-0 flex-1">
                    <p className="flex flex-wrap items-center gap-2">
                      <Badge tone={activityTone[entry.activity]}>{activityLabels[entry.activity]}</Badge>
                      <span className="font-medium text-zinc-900">{entry.purpose}</span>
                    </p>
                    <p className="mt-1 text-zinc-500">
                      <span className="font-medium text-zinc-600" title={basis?.description}>
                        Legal basis: {basis?.name ?? entry.legalBasis}
                      </span>
                      {details && <span className="break-words"> · {details}</span>}
                    </p>
                  </div>
                  <time dateTime={new Date(entry.createdAt).toISOString()} className="shrink-0 text-xs text-zinc-500 sm:text-right sm:text-sm">
                    {timeAgo(new Date(entry.createdAt))}
                    <span className="sm:hidden"> · </span>
                    <span className="text-zinc-500 sm:block sm:text-xs">{formatDate(locale, entry.createdAt)}</span>
                  </time>
                </li>
              );
            })}
          </ul>
          <LoadMore list={log} />
        </>
      )}
    </Card>
  );
}
