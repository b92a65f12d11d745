import { NonRetriableError } from "inngest";
import { summarize } from "~/lib/realtime/events";
import { getDb } from "../../db/client";
import { integrationAllows } from "~/lib/schemas/privacy";
import { recordProcessingOnce } from "../../privacy/processing-log";
import { getPrivacySettings } from "../../privacy/settings";
import { getEnv } from "../../env";
import { providerSession, syncRequestFor } from "../../integrations/connections";
import { recordIntegrationFailure } from "../../integrations/failures";
import { cacheCommits, ensureWebhooks, GIT_SYNC, removeWebhooks, syncRepositories, syncRepositoryCommits } from "../../integrations/git-sync";
import type { Repository } from "../../integrations/provider";
import { isGitProvider, providers, type GitProviderId, type RegisteredProviderId } from "../../integrations/registry";
import { providerName } from "~/lib/providers";
import { expireLostSyncs, integrationsDueForSync, markSynced, markSyncing, noteSyncWaiting } from "../../integrations/sync-runs";
import { ProviderError } from "../../integrations/resilience";
import { publishSafely } from "../../realtime/publisher";
import { defineJob, fanOut } from "../define-job";
import type { JobEvent } from "../events";
import { integrationJobFailed } from "../integration-failure";
import { providerStep } from "../provider-step";

/** Repositories most recently pushed first, capped so a run stays far below Inngest's 1,000 steps. */
function worthSyncing(repositories: Repository[]) {
  return [...repositories].sort((a, b) => (b.pushedAt ?? "").localeCompare(a.pushedAt ?? "")).slice(0, GIT_SYNC.maxRepositories);
}

/** Syncs one user's git integration: repositories, webhooks, then each repository's new commits (one step each). */
export const syncIntegration = defineJob(
  {
    id: "sync-integration",
    name: "Sync an integration",
    events: ["integration/sync.requested"],
    retries: 4,
    concurrency: { key: 'event.data.userId + ":" + event.data.provider', limit: 1 },
    onFailure: integrationJobFailed,
  },
  async ({ event, step, runId }) => {
    const { userId, provider } = event.data;
    // Chat providers have nothing to fetch: their status is written by the status jobs.
    if (!isGitProvider(provider)) throw new NonRetriableError(`${providerName(provider)} has nothing to sync`);
    const id: GitProviderId = provider;
    const allowed = await step.run("check-privacy-settings", async () => {
      const settings = await getPrivacySettings(await getDb(), userId);
      return { integration: integrationAllows(settings, id), commits: integrationAllows(settings, id, "commits"), webhooks: integrationAllows(settings, id, "webhooks") };
    });
    if (!allowed.integration) return { skipped: "disabled in the privacy settings" };
    const connected = await step.run("mark-syncing", async () => markSyncing(await getDb(), { userId, provider: id }));
    if (!connected) return { skipped: "not connected" };

    const repositories = await step.run("list-repositories", () =>
      providerStep({ userId, provider: id }, async () => {
        const db = await getDb();
        return syncRepositories(db, getEnv(), await providerSession(db, getEnv(), userId, id), id);
      }),
    );
    // Withheld webhooks are also taken down: the permission covers the hooks already made.
    const webhooks = await step.run(allowed.webhooks ? "ensure-webhooks" : "remove-webhooks", () =>
      providerStep({ userId, provider: id }, async () => {
        const db = await getDb();
        const session = await providerSession(db, getEnv(), userId, id);
        return allowed.webhooks ? ensureWebhooks(db, getEnv(), session, id, repositories) : removeWebhooks(db, getEnv(), session, id);
      }),
    );
    let newCommits = 0;
    let unchanged = 0;
    for (const repository of allowed.commits ? worthSyncing(repositories) : []) {
      const result = await step.run(`commits ${repository.fullName}`, () =>
        providerStep({ userId, provider: id }, async () => {
          const db = await getDb();
          const synced = await syncRepositoryCommits(db, getEnv(), await providerSession(db, getEnv(), userId, id), id, repository);
          return { notModified: synced.notModified, newCommits: synced.newCommits.length };
        }),
      );
      newCommits += result.newCommits;
      if (result.notModified) unchanged += 1;
    }
    await step.run("mark-synced", async () => {
      await markSynced(await getDb(), { userId, provider: id });
      await recordProcessingOnce(await getDb(), userId, { jobRun: runId }, {
        activity: "integration_sync",
        purpose: `Fetch your repositories and commits from ${providers[id].name} to correlate them with your activity`,
        legalBasis: "consent",
        details: { provider: id, repositories: repositories.length, newCommits },
      });
    });
    return { repositories: repositories.length, unchanged, newCommits, ...(allowed.commits ? {} : { commits: "not allowed in the privacy settings" }), webhooks };
  },
);

/**
 * Hourly: a sync for every integration with auto-sync on whose authorization still works,
 * after turning runs lost past their deadline into errors (so they are synced again too).
 */
export const scheduleIntegrationSyncs = defineJob(
  { id: "schedule-integration-syncs", name: "Schedule integration syncs", cron: "0 * * * *", retries: 2 },
  async ({ step }) => {
    const lost = await step.run("expire-lost-syncs", async () => (await expireLostSyncs(await getDb())).length);
    const due = await step.run("find-auto-sync-integrations", async () => integrationsDueForSync(await getDb()));
    const events: JobEvent[] = due.map((owner) => syncRequestFor(owner.userId, owner.provider));
    return { lost, integrations: await fanOut(step, "request-syncs", events) };
  },
);

/** A verified push webhook's commits: keep the connected identity's, fetch their stats, tell the user's open pages. */
export const processGitPush = defineJob(
  {
    id: "process-git-push",
    name: "Receive pushed commits",
    events: ["git/push.received"],
    retries: 4,
    concurrency: { key: 'event.data.userId + ":" + event.data.provider', limit: 1 },
    onFailure: integrationJobFailed,
  },
  async ({ event, step }) => {
    const { userId, provider, repository, commits } = event.data;
    const id: RegisteredProviderId = provider;
    const allowed = await step.run("check-privacy-settings", async () => integrationAllows(await getPrivacySettings(await getDb(), userId), id, "commits"));
    if (!allowed) return { skipped: "commits are not allowed in the privacy settings" };
    const added = await step.run("cache-commits", () =>
      providerStep({ userId, provider: id }, async () => {
        const db = await getDb();
        const session = await providerSession(db, getEnv(), userId, provider);
        const emails = new Set(session.account.emails.map((email) => email.toLowerCase()));
        const own = commits.filter(
          (commit) =>
            (commit.authorLogin !== null && commit.authorLogin === session.account.login) ||
            (commit.authorEmail !== null && emails.has(commit.authorEmail.toLowerCase())) ||
            (commit.authorName !== null && commit.authorName === session.account.name),
        );
        const repositoryRef: Repository = { fullName: repository, providerId: repository, url: "", private: true, permission: "read", defaultBranch: null, pushedAt: null };
        const withStats = [];
        for (const commit of own) {
          const stats = await providers[provider].commitStats(getEnv(), session, repositoryRef, commit.sha);
          withStats.push({ ...commit, repository, ...stats });
        }
        await cacheCommits(db, userId, provider, withStats);
        return withStats.map((commit) => ({ sha: commit.sha, message: commit.message, url: commit.url, committedAt: commit.committedAt }));
      }),
    );
    await step.run("publish", async () => {
      for (const commit of added.slice(0, 20)) {
        await publishSafely(userId, "commit:new", {
          provider,
          repository,
          sha: commit.sha,
          message: summarize(commit.message, 200),
          ...(commit.url && /^https?:\/\//.test(commit.url) ? { url: commit.url } : {}),
          committedAt: commit.committedAt,
        });
      }
    });
    return { received: commits.length, added: added.length };
  },
);
