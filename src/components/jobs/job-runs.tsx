"use client";

import { formatNumberIn, type SupportedLocale } from "~/lib/schemas/locale";
import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { useRealtime } from "../realtime/use-realtime";
import { ClockIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { describeRunState } from "./run-state";

/** How long a run that ended took: " · took 850 ms", " · took 4.2 s", " · took 12 min". */
function duration(locale: SupportedLocale, start: Date, end: Date | null): string {
  if (!end) return "";
  const ms = end.getTime() - start.getTime();
  if (ms < 1000) return ` · took ${ms} ms`;
  if (ms < 60_000) return ` · took ${formatNumberIn(locale, ms / 1000, 1)} s`;
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? ` · took ${minutes} min` : ` · took ${Math.round(minutes / 60)} h`;
}

export function JobRuns() {
  const utils = api.useUtils();
  const runs = api.jobs.runs.useQuery();
  // Runs change on their own (retries, schedules): the runner announces each start and outcome.
  const refresh = () => void utils.jobs.runs.invalidate();
  useRealtime("job:run_updated", refresh, { onReady: refresh });
  // Refreshed either way: a refused retry usually means the run moved on (another tab retried it, or it ended).
  const retry = api.jobs.retry.useMutation({ onSettled: refresh });
  const retrying = (runId: string) => retry.variables?.runId === runId;
  const now = new Date();
  const locale = useLocale();

  return (
    <Card>
      <CardHeader
        title="Latest runs"
        description={
          runs.data?.engine === "in-process"
            ? "Jobs run inside this server (no Inngest configured) and are kept in its database: after a restart, each run carries on where it stood."
            : "Jobs run on Inngest, which retries failed steps and keeps runs across restarts."
        }
      />
      {retry.isSuccess && (
        <div className="px-5 pt-4">
          <Alert tone="success">{retry.data.message}</Alert>
        </div>
      )}
      {runs.isPending ? (
        <Loading label="Loading job runs" />
      ) : runs.isError ? (
        <LoadError title="Could not load your job runs" message={errorMessage(runs.error)} onRetry={() => void runs.refetch()} retrying={runs.isFetching} />
      ) : runs.data.runs.length === 0 ? (
        <EmptyState icon={<ClockIcon />} title="No jobs have run for you yet">
          Jobs appear here when the server trims your sync history to your retention setting or syncs a connected integration.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-zinc-100" aria-label="Job runs">
          {runs.data.runs.map((run) => {
            const state = describeRunState(locale, run, now);
            return (
              <li key={run.runId} className="flex flex-wrap items-start gap-4 px-5 py-4">
                <span className="flex size-10 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600">
                  <ClockIcon />
                </span>
                <div className="min-w-0 flex-1">
                  <p className="flex flex-wrap items-center gap-2 font-medium text-zinc-900">
                    {run.name}
                    <Badge tone={state.tone}>{state.label}</Badge>
                  </p>
                  <p className="text-sm text-zinc-500">
                    Started {timeAgo(run.startedAt)}
                    {run.status === "cancelled" ? run.finishedAt && ` · cancelled ${timeAgo(run.finishedAt)}` : duration(locale, run.startedAt, run.finishedAt)}
                    {run.status === "waiting" && run.waitEvent && (
                      <>
                        {" · waits for "}
                        <code className="text-xs">{run.waitEvent}</code>
                      </>
                    )}
                  </p>
                  {run.error && (
                    <p className="mt-1 break-words text-sm text-red-700">
                      {run.status === "failed" ? "Failed: " : "Last error: "}
                      {run.error}
                    </p>
                  )}
                  {retry.isError && retrying(run.runId) && (
                    <div className="mt-2">
                      <Alert tone="error">Could not retry this run: {errorMessage(retry.error)}</Alert>
                    </div>
                  )}
                </div>
                {run.status === "failed" && (
                  <Button
                    variant="secondary"
                    size="sm"
                    loading={retry.isPending && retrying(run.runId)}
                    disabled={retry.isPending}
                    onClick={() => retry.mutate({ runId: run.runId })}
                    aria-label={`Retry ${run.name}, started ${timeAgo(run.startedAt)}`}
                  >
                    Retry
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
