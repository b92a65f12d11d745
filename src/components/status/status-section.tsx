"use client";

import { api, errorMessage } from "~/trpc/react";
import { Card, CardHeader } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { ProviderStatuses } from "./provider-statuses";
import { SchedulesCard } from "./schedules-card";
import { StatusLine } from "./status-line";
import { StatusPicker } from "./status-picker";
import { StatusSettings } from "./status-settings";
import { TemplatesCard } from "./templates-card";
import { useCurrentStatus } from "./use-status";

/**
 * The Status section of /integrations: what Slack and Discord show now (live), a
 * picker to set or clear it, scheduled statuses, the settings and the templates.
 */
export function StatusSection() {
  const current = useCurrentStatus();
  const templates = api.status.templates.list.useQuery();

  return (
    <section id="status" aria-labelledby="status-heading" className="scroll-mt-20 space-y-4">
      <div>
        <h2 id="status-heading" className="text-lg font-semibold text-zinc-900">
          Status
        </h2>
        <p className="mt-0.5 max-w-2xl text-sm text-zinc-600">
          What your chat apps show about what you are doing. The desktop app sets it as you work; you can also set it here. A status you set yourself in Slack is never overwritten.
        </p>
      </div>

      <Card>
        <CardHeader title="Your status now" />
        {current.isPending || templates.isPending ? (
          <Loading label="Loading your status" />
        ) : current.isError ? (
          <LoadError title="Could not load your status" message={errorMessage(current.error)} onRetry={() => void current.refetch()} retrying={current.isRefetching} />
        ) : templates.isError ? (
          <LoadError title="Could not load your templates" message={errorMessage(templates.error)} onRetry={() => void templates.refetch()} retrying={templates.isRefetching} />
        ) : (
          <div className="space-y-5 px-5 py-4">
            <div aria-live="polite" data-testid="current-status">
              <StatusLine status={current.data.status} />
            </div>
            <ProviderStatuses current={current.data} />
            <StatusPicker templates={templates.data} current={current.data.status} />
          </div>
        )}
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <SchedulesCard templates={templates.data ?? []} />
        {current.data && <StatusSettings settings={current.data.settings} />}
      </div>

      {templates.data && <TemplatesCard templates={templates.data} />}
    </section>
  );
}
