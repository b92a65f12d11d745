"use client";

import type { ReactNode } from "react";
import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { useRealtime } from "../realtime/use-realtime";
import { ClockIcon } from "../icons";
import { Badge } from "../ui/badge";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";

const statusBadge: Record<string, ReactNode> = {
  running: <Badge tone="brand">Running</Badge>,
  retrying: <Badge tone="warning">Retrying</Badge>,
  completed: <Badge tone="success">Completed</Badge>,
  failed: <Badge tone="danger">Failed</Badge>,
};

function duration(start: Date, end: Date | null): string {
  if (!end) return "";
  const ms = end.getTime() - start.getTime();
  return ms < 1000 ? ` · took ${ms} ms` : ` · took ${(ms / 1000).toFixed(1)} s`;
}

export function JobRuns() {
  const utils = api.useUtils();
  const runs = api.jobs.runs.useQuery();
  // Runs change on their own (retries, schedules): the runner announces each start and outcome.
  const refresh = () => void utils.jobs.runs.invalidate();
  useRealtime("job:run_updated", refresh, { onReady: refresh });

  return (
    <Card>
      <CardHeader
        title="Latest runs"
        description={
          runs.data?.engine === "in-process"
            ? "Jobs run inside this server (no Inngest configured): runs in progress are lost if it restarts, and retried by the next schedule."
            : "Jobs run on Inngest, which retries failed steps and keeps runs across restarts."
        }
      />
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
          {runs.data.runs.map((run) => (
            <li key={run.runId} className="flex flex-wrap items-start gap-4 px-5 py-4">
              <span className="flex size-10 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600">
                <ClockIcon />
              </span>
              <div className="min-w-0 flex-1">
                <p className="flex flex-wrap items-center gap-2 font-medium text-zinc-900">
                  {run.name}
                  {statusBadge[run.status]}
                </p>
                <p className="text-sm text-zinc-500">
                  Started {timeAgo(run.startedAt)}
                  {duration(run.startedAt, run.finishedAt)}
                  {run.attempt > 0 && ` · ${run.attempt} ${run.attempt === 1 ? "retry" : "retries"}`}
                </p>
                {run.error && (
                  <p className="mt-1 break-words text-sm text-red-700">
                    {run.status === "failed" ? "Failed: " : "Last error: "}
                    {run.error}
                  </p>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
