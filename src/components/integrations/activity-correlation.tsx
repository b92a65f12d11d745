"use client";

import { useMemo } from "react";
import { correlateCommitsWithActivity } from "~/lib/correlation";
import { collectionValueSchemas } from "~/lib/schemas/collections";
import { api, errorMessage, type RouterOutputs } from "~/trpc/react";
import { UnlockPanel } from "../sync/unlock-panel";
import { useSyncKey } from "../sync/sync-key";
import { useDecryptedRecords } from "../sync/use-decrypted-records";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { Loading } from "../ui/loading";
import { PulseIcon } from "../icons";
import { formatNumberIn } from "~/lib/schemas/locale";
import { useLocale } from "../ui/locale";

type Commit = RouterOutputs["external"]["commits"][number];
type Period = { id: string; start: string; end?: string; projectId?: string };
type Project = { id: string; name: string; path?: string; repository?: string };

const COLLECTIONS = ["activities", "projects"] as const;

/**
 * Your activity is end-to-end encrypted, so the correlation runs here: the browser
 * pulls the activity and project records, decrypts them with the unlocked key, and
 * correlates them with your commits locally. Nothing decrypted is sent anywhere.
 */
function useDecryptedActivity(since: Date) {
  const decrypted = useDecryptedRecords(COLLECTIONS);
  return useMemo((): { periods: Period[]; projects: Project[] } | { error: string } | undefined => {
    if (!decrypted || "error" in decrypted) return decrypted;
    const periods: Period[] = [];
    const projects: Project[] = [];
    for (const record of decrypted.records) {
      if (record.collection === "activities") {
        const activity = collectionValueSchemas.activities.safeParse(record.value);
        if (activity.success && Date.parse(activity.data.end ?? activity.data.start) >= since.getTime()) {
          periods.push({ id: record.id, start: activity.data.start, ...(activity.data.end ? { end: activity.data.end } : {}), ...(activity.data.projectId ? { projectId: activity.data.projectId } : {}) });
        }
      } else {
        const project = collectionValueSchemas.projects.safeParse(record.value);
        if (project.success) {
          const remote = (project.data as { repository?: unknown }).repository;
          projects.push({ id: record.id, name: project.data.name, ...(project.data.path ? { path: project.data.path } : {}), ...(typeof remote === "string" ? { repository: remote } : {}) });
        }
      }
    }
    return { periods, projects };
  }, [decrypted, since]);
}

export type Identities = { logins: string[]; names: string[] };

export function ActivityCorrelation({ commits, since, identities }: { commits: Commit[]; since: Date; identities: Identities }) {
  const locale = useLocale();
  const { key } = useSyncKey();
  const activity = useDecryptedActivity(since);
  const result = useMemo(() => {
    if (!activity || "error" in activity) return undefined;
    const projects = activity.projects.map(({ id, path, repository }) => ({ id, ...(path ? { path } : {}), ...(repository ? { repository } : {}) }));
    const input = commits.map((commit) => ({
      sha: commit.sha,
      repository: commit.repository,
      committedAt: commit.committedAt,
      ...(commit.authorEmail ? { authorEmail: commit.authorEmail } : {}),
      ...(commit.authorLogin ? { authorLogin: commit.authorLogin } : {}),
      ...(commit.authorName ? { authorName: commit.authorName } : {}),
      message: commit.message.split("\n", 1)[0]!.slice(0, 200),
    }));
    return correlateCommitsWithActivity(activity.periods, input, { projects, identities, now: new Date().toISOString() });
  }, [activity, commits, identities]);
  const projectName = (periodId: string) => {
    if (!activity || "error" in activity) return undefined;
    const period = activity.periods.find((candidate) => candidate.id === periodId);
    return activity.projects.find((project) => project.id === period?.projectId)?.name;
  };

  return (
    <Card>
      <CardHeader
        title="Commits and your coding activity"
        description="Which coding sessions produced which commits. Your activity is decrypted in this browser and never leaves it."
      />
      {!key ? (
        <div className="p-5">
          <UnlockPanel purpose="decrypt your activity and match it with your commits" />
        </div>
      ) : !activity ? (
        <Loading label="Decrypting your activity" />
      ) : "error" in activity ? (
        <div className="p-5">
          <Alert tone="error" title="Could not read your activity">
            {errorMessage(new Error(activity.error))}
          </Alert>
        </div>
      ) : activity.periods.length === 0 ? (
        <EmptyState icon={<PulseIcon />} title="No activity synced recently">
          Activity from the DevPulse desktop app appears here once a device syncs it.
        </EmptyState>
      ) : result ? (
        <div className="space-y-4 p-5">
          <p className="text-sm text-zinc-700" aria-live="polite">
            <strong>{result.summary.matched}</strong> of {result.summary.commits} commits came during or right after your coding activity
            {result.summary.commitsPerActiveHour !== null && ` · ${formatNumberIn(locale, result.summary.commitsPerActiveHour, 1)} commits per active hour`}.
          </p>
          <p className="text-xs text-zinc-500">The latest matched commits, newest first:</p>
          <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-100" aria-label="Correlated commits">
            {result.commits
              .filter((entry) => entry.best)
              .reverse()
              .slice(0, 10)
              .map((entry) => (
                // As in Recent commits: on a phone the message has its own line(s), and the project name is what gets shortened.
                <li key={entry.sha} className="flex flex-col gap-1 px-4 py-3 text-sm sm:flex-row sm:flex-wrap sm:items-baseline sm:gap-x-3">
                  <div className="flex min-w-0 flex-1 items-baseline gap-3">
                    <code className="shrink-0 text-xs text-zinc-500">{entry.sha.slice(0, 7)}</code>
                    <span className="line-clamp-2 min-w-0 font-medium break-words text-zinc-900 sm:line-clamp-1" title={entry.commit.message}>
                      {entry.commit.message}
                    </span>
                  </div>
                  <div className="flex min-w-0 items-baseline gap-x-3 sm:max-w-[50%]">
                    <span className="min-w-0 truncate text-zinc-500">{projectName(entry.best!.periodId) ?? "a session"}</span>
                    <span className="shrink-0 font-medium text-brand-700">{Math.round(entry.best!.score * 100)}%</span>
                  </div>
                  <span className="w-full text-xs text-zinc-500">{entry.best!.reasons.map((reason) => reason.text).join(" · ")}</span>
                </li>
              ))}
          </ul>
        </div>
      ) : null}
    </Card>
  );
}
