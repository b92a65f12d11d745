"use client";

import { useSearchParams } from "next/navigation";
import { useEffect, useMemo } from "react";
import { connectErrorMessage } from "~/lib/connect-errors";
import { isProviderId } from "~/lib/providers";
import { integrationAllows } from "~/lib/schemas/privacy";
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
import { accountLabel, IntegrationCard, type IntegrationView } from "./integration-card";
import { StatusSection } from "../status/status-section";

const RECENT_DAYS = 14;

/**
 * The success banner after ?connected=<provider>: only for a known provider that the list says is
 * connected now, and with the account the server holds (the link's own ?account= is never shown).
 */
function connectedEntry(provider: string | null, integrations: IntegrationView[] | undefined): IntegrationView | null {
  if (!provider || !isProviderId(provider)) return null;
  const entry = integrations?.find((candidate) => candidate.provider === provider);
  return entry?.account ? entry : null;
}

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
  // Consent lives in the privacy settings (the switch "Allow GitHub" on /privacy); syncs and status updates check it there.
  const privacy = api.privacy.settings.useQuery();
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
    void utils.privacy.settings.invalidate();
    void utils.external.commits.invalidate();
  };
  useRealtime(["integration:connected", "integration:disconnected", "integration:error", "commit:new"], refresh, { onReady: refresh });

  const connected = connectedEntry(params.get("connected"), integrations.data);
  const failed = connectErrorMessage(params.get("provider"), params.get("error"));
  return (
    <div className="space-y-6">
      {connected?.account && (
        <Alert tone="success" title="Connected">
          {connected.name} is connected as {accountLabel(connected.account.login)}.{" "}
          {connected.kind === "chat" ? "Your status shows there from now on." : "The first sync is running."}
        </Alert>
      )}
      {failed && (
        <Alert tone="error" title="Could not connect">
          {failed}
        </Alert>
      )}

      {integrations.isPending ? (
        <Card>
          <Loading label="Loading integrations" />
        </Card>
      ) : integrations.isError ? (
        <Card>
          <LoadError title="Could not load your integrations" message={errorMessage(integrations.error)} onRetry={() => void integrations.refetch()} />
        </Card>
      ) : (
        // grid-cols-1 (minmax(0, 1fr)), not the implicit auto column: a long scope or email must not widen the page past a phone's width.
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          {integrations.data.map((integration) => (
            <IntegrationCard
              key={integration.provider}
              integration={integration}
              // Until the settings load, nothing is claimed withdrawn; the server refuses to sync regardless.
              consentWithdrawn={privacy.data ? !integrationAllows(privacy.data, integration.provider) : false}
            />
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
            {commits.data.map((commit) => {
              const subject = commit.message.split("\n", 1)[0];
              // The message gets the room: on a phone it may take two lines and the repository and numbers go on a
              // line of their own; on any screen the repository name is shortened before the message is.
              return (
                <li key={`${commit.repository}@${commit.sha}`} className="flex flex-col gap-1 px-5 py-3 text-sm sm:flex-row sm:items-baseline sm:gap-4">
                  <div className="flex min-w-0 flex-1 items-baseline gap-3">
                    <code className="shrink-0 text-xs text-zinc-500">{commit.sha.slice(0, 7)}</code>
                    <span className="line-clamp-2 min-w-0 font-medium break-words text-zinc-900 sm:line-clamp-1" title={subject}>
                      {commit.url ? (
                        <a className="hover:underline" href={commit.url} target="_blank" rel="noreferrer">
                          {subject}
                        </a>
                      ) : (
                        subject
                      )}
                    </span>
                  </div>
                  <div className="flex min-w-0 items-baseline gap-x-3 text-zinc-500 sm:max-w-[50%]">
                    <span className="min-w-0 truncate" title={commit.repository}>
                      {commit.repository}
                    </span>
                    <span className="shrink-0 text-emerald-700">+{commit.additions}</span>
                    <span className="shrink-0 text-red-700">−{commit.deletions}</span>
                    <span className="shrink-0">
                      {commit.files} {commit.files === 1 ? "file" : "files"}
                    </span>
                    <span className="shrink-0">{timeAgo(new Date(commit.committedAt))}</span>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </Card>

      {anyConnected && forCorrelation.data && <ActivityCorrelation commits={forCorrelation.data} since={since} identities={identities} />}
    </div>
  );
}
