"use client";

import { useSearchParams } from "next/navigation";
import { useEffect, useMemo } from "react";
import { isProviderId, PROVIDERS, providerName } from "~/lib/providers";
import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { PlugIcon } from "../icons";
import { useRealtime } from "../realtime/use-realtime";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { ActivityCorrelation } from "./activity-correlation";
import { IntegrationCard } from "./integration-card";
import { StatusSection } from "../status/status-section";

const RECENT_DAYS = 14;

export function IntegrationsPage() {
  const params = useSearchParams();
  const utils = api.useUtils();
  const integrations = api.integrations.list.useQuery(undefined, {
    // A sync runs in the background: follow it while one is in progress.
    refetchInterval: (query) => (query.state.data?.some((entry) => entry.state === "syncing") ? 2000 : false),
  });
  // On the hour, so the queries keep one key for the page's lifetime.
  const since = useMemo(() => {
    const start = new Date(Date.now() - RECENT_DAYS * 86_400_000);
    start.setMinutes(0, 0, 0);
    return start;
  }, []);
  const commits = api.external.commits.useQuery({ since, limit: 20 });
  // Commits come from git providers only: a connected calendar or chat app has none to correlate.
  const anyConnected = integrations.data?.some((entry) => entry.kind === "git" && entry.account !== null) ?? false;
  const forCorrelation = api.external.commits.useQuery({ since, limit: 2000 }, { enabled: anyConnected });
  // Keyed on the accounts' contents, so a refetch with the same accounts does not redo the correlation.
  const accountsKey = JSON.stringify(integrations.data?.flatMap((entry) => (entry.kind === "git" && entry.account ? [entry.account] : [])) ?? []);
  const identities = useMemo(() => {
    const accounts = JSON.parse(accountsKey) as Array<{ login: string; name: string | null }>;
    return { logins: accounts.map((account) => account.login), names: accounts.flatMap((account) => (account.name ? [account.name] : [])) };
  }, [accountsKey]);
  // A sync that just finished brought commits: show them (its progress is polled above, not pushed).
  const lastSync = integrations.data?.reduce((latest, entry) => Math.max(latest, entry.lastSyncedAt?.getTime() ?? 0), 0) ?? 0;
  useEffect(() => {
    if (lastSync) void utils.external.commits.invalidate();
  }, [lastSync, utils]);
  const refresh = () => {
    void utils.integrations.list.invalidate();
    void utils.external.commits.invalidate();
  };
  useRealtime(["integration:connected", "integration:disconnected", "integration:error", "commit:new"], refresh, { onReady: refresh });

  const connected = params.get("connected");
  const failed = params.get("error");
  return (
    <div className="space-y-6">
      {connected && (
        <Alert tone="success" title="Connected">
          {providerName(connected)} is connected{params.get("account") ? ` as @${params.get("account")}` : ""}.{" "}
          {isProviderId(connected) && PROVIDERS[connected].kind === "chat" ? "Your status shows there from now on." : "The first sync is running."}
        </Alert>
      )}
      {failed && <Alert tone="error" title="Could not connect">{failed}</Alert>}

      {integrations.isPending ? (
        <Card>
          <Loading label="Loading integrations" />
        </Card>
      ) : integrations.isError ? (
        <Card>
          <LoadError title="Could not load your integrations" message={errorMessage(integrations.error)} onRetry={() => void integrations.refetch()} />
        </Card>
      ) : (
        <div className="grid gap-4 md:grid-cols-2">
          {integrations.data.map((integration) => (
            <IntegrationCard key={integration.provider} integration={integration} />
          ))}
        </div>
      )}

      <StatusSection />

      <Card>
        <CardHeader title="Recent commits" description={`Your own commits from the last ${RECENT_DAYS} days, as the connected accounts report them.`} />
        {commits.isPending ? (
          <Loading label="Loading commits" />
        ) : commits.isError ? (
          <LoadError title="Could not load your commits" message={errorMessage(commits.error)} onRetry={() => void commits.refetch()} />
        ) : commits.data.length === 0 ? (
          <EmptyState icon={<PlugIcon />} title="No commits yet">
            Connect GitHub or GitLab and sync: your commits appear here, and new ones arrive live.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-zinc-100" aria-label="Recent commits">
            {commits.data.map((commit) => (
              <li key={`${commit.repository}@${commit.sha}`} className="flex flex-wrap items-baseline gap-x-4 gap-y-1 px-5 py-3 text-sm">
                <code className="text-xs text-zinc-500">{commit.sha.slice(0, 7)}</code>
                <span className="min-w-0 flex-1 truncate font-medium text-zinc-900">
                  {commit.url ? (
                    <a className="hover:underline" href={commit.url} target="_blank" rel="noreferrer">
                      {commit.message.split("\n", 1)[0]}
                    </a>
                  ) : (
                    commit.message.split("\n", 1)[0]
                  )}
                </span>
                <span className="text-zinc-500">{commit.repository}</span>
                <span className="text-emerald-700">+{commit.additions}</span>
                <span className="text-red-700">−{commit.deletions}</span>
                <span className="text-zinc-500">
                  {commit.files} {commit.files === 1 ? "file" : "files"}
                </span>
                <span className="text-zinc-500">{timeAgo(new Date(commit.committedAt))}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>

      {anyConnected && forCorrelation.data && <ActivityCorrelation commits={forCorrelation.data} since={since} identities={identities} />}
    </div>
  );
}
