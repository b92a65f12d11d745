import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { externalDataCache, integrations, integrationWebhooks, providerEtags } from "../db/schema";
import type { Env } from "../env";
import { z } from "zod";
import { logger } from "../logger";
import type { PageStore, ValidatorLookup, Validators } from "./conditional";
import { webhookSecretFor } from "./webhook-secrets";
import type { Commit, ProviderSession, Repository } from "./provider";
import { gitProviders as providers, type GitProviderId as RegisteredProviderId } from "./registry";
import { ProviderError } from "./resilience";

/** How far back a sync looks, and how long cached items are trusted. */
export const GIT_SYNC = {
  lookbackDays: 30,
  repositoryTtlMs: 24 * 60 * 60 * 1000,
  commitTtlMs: 90 * 24 * 60 * 60 * 1000,
  /** Repositories per sync run (most recently pushed first): keeps a run well under Inngest's 1,000 steps. */
  maxRepositories: 200,
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The window's start, on a day boundary: the same request all day, so its ETag can answer 304. */
export function syncWindowStart(now = new Date()): string {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - GIT_SYNC.lookbackDays * DAY_MS).toISOString();
}

export type CachedCommit = Commit & { additions: number; deletions: number; files: number };

export async function cacheRepositories(db: DbOrTx, userId: string, provider: RegisteredProviderId, repositories: Repository[]) {
  if (repositories.length === 0) return;
  const expiresAt = new Date(Date.now() + GIT_SYNC.repositoryTtlMs);
  const rows = repositories.map((repository) => ({ userId, provider, dataType: "repository", externalId: repository.fullName, data: repository, expiresAt, occurredAt: repository.pushedAt ? new Date(repository.pushedAt) : null }));
  await db
    .insert(externalDataCache)
    .values(rows)
    .onConflictDoUpdate({
      target: [externalDataCache.userId, externalDataCache.provider, externalDataCache.dataType, externalDataCache.externalId],
      set: { data: sqlExcluded("data"), expiresAt, cachedAt: new Date(), occurredAt: sqlExcluded("occurred_at") },
    });
}

/** Safe to repeat: a commit never changes, so one already cached stays as it is. */
export async function cacheCommits(db: DbOrTx, userId: string, provider: RegisteredProviderId, commits: CachedCommit[]) {
  if (commits.length === 0) return;
  const expiresAt = new Date(Date.now() + GIT_SYNC.commitTtlMs);
  await db
    .insert(externalDataCache)
    .values(commits.map((commit) => ({ userId, provider, dataType: "commit", externalId: `${commit.repository}@${commit.sha}`, data: commit, occurredAt: new Date(commit.committedAt), expiresAt })))
    .onConflictDoNothing();
}

/** Commits already cached with their stats: never fetched twice (a commit never changes). */
async function cachedShas(db: DbOrTx, userId: string, provider: RegisteredProviderId, repository: string, shas: string[]) {
  if (shas.length === 0) return new Set<string>();
  const rows = await db
    .select({ externalId: externalDataCache.externalId })
    .from(externalDataCache)
    .where(
      and(
        eq(externalDataCache.userId, userId),
        eq(externalDataCache.provider, provider),
        eq(externalDataCache.dataType, "commit"),
        inArray(externalDataCache.externalId, shas.map((sha) => `${repository}@${sha}`)),
      ),
    );
  return new Set(rows.map((row) => row.externalId.slice(repository.length + 1)));
}

/** provider_etags' key for a request: its method and URL (never a token: tokens travel in headers). */
const requestKey = (url: string) => `GET ${url}`;
const ownedBy = (userId: string, provider: RegisteredProviderId) => and(eq(providerEtags.userId, userId), eq(providerEtags.provider, provider));

async function keptRequest(db: DbOrTx, userId: string, provider: RegisteredProviderId, url: string) {
  const [row] = await db.select().from(providerEtags).where(and(ownedBy(userId, provider), eq(providerEtags.resource, requestKey(url))));
  return row && (row.etag || row.lastModified) ? row : null;
}

const validatorLookup = (db: DbOrTx, userId: string, provider: RegisteredProviderId): ValidatorLookup => async (url) => {
  const row = await keptRequest(db, userId, provider, url);
  return row ? { etag: row.etag, lastModified: row.lastModified } : null;
};

async function keepValidators(db: DbOrTx, userId: string, provider: RegisteredProviderId, url: string, validators: Validators, page: unknown = null) {
  if (!validators.etag && !validators.lastModified) return;
  const set = { etag: validators.etag, lastModified: validators.lastModified, page, updatedAt: new Date() };
  await db
    .insert(providerEtags)
    .values({ userId, provider, resource: requestKey(url), ...set })
    .onConflictDoUpdate({ target: [providerEtags.userId, providerEtags.provider, providerEtags.resource], set });
}

/** What a kept list page holds besides its validators; a row that does not parse is as good as none. */
const ZKeptPage = z.object({ items: z.array(z.record(z.string(), z.unknown())), next: z.string().nullable() });

/** The integration's kept list pages, so each page of a list can be asked for conditionally and rebuilt from a 304. */
function pageStore<T>(db: DbOrTx, userId: string, provider: RegisteredProviderId): PageStore<T> {
  return {
    async get(url) {
      const row = await keptRequest(db, userId, provider, url);
      const kept = ZKeptPage.safeParse(row?.page);
      return row && kept.success ? { etag: row.etag, lastModified: row.lastModified, items: kept.data.items as T[], next: kept.data.next } : null;
    },
    put: (url, page) => keepValidators(db, userId, provider, url, page, { items: page.items, next: page.next }),
  };
}

/**
 * Every repository the token can see, each page of the list conditional (an unchanged
 * list costs 304s and is rebuilt from the kept pages), cached for the pages that show them.
 */
export async function syncRepositories(db: DbOrTx, env: Env, session: ProviderSession, provider: RegisteredProviderId) {
  const listed = await providers[provider].listRepositories(env, session, pageStore<Repository>(db, session.userId, provider));
  await cacheRepositories(db, session.userId, provider, listed.items);
  return listed.items;
}

/**
 * One repository's commits by the connected identity since the window start:
 * a conditional request first (an unchanged repository costs a 304), then stats
 * for the commits not cached yet. Returns the commits that were new. The validators
 * are kept only once the new commits are cached: a run that fails halfway asks again in full.
 * Safe to repeat: commits already cached are neither fetched nor stored again (a repeat
 * only reports fewer new ones).
 */
export async function syncRepositoryCommits(db: DbOrTx, env: Env, session: ProviderSession, provider: RegisteredProviderId, repository: Repository, now = new Date()) {
  const since = syncWindowStart(now);
  const listed = await providers[provider].listCommits(env, session, repository, { since }, validatorLookup(db, session.userId, provider));
  if (listed.notModified) return { notModified: true, newCommits: [] as CachedCommit[] };
  const known = await cachedShas(db, session.userId, provider, repository.fullName, listed.items.map((commit) => commit.sha));
  const newCommits: CachedCommit[] = [];
  for (const commit of listed.items) {
    if (known.has(commit.sha)) continue;
    const stats =
      commit.additions !== null && commit.deletions !== null && commit.files !== null
        ? { additions: commit.additions, deletions: commit.deletions, files: commit.files }
        : await providers[provider].commitStats(env, session, repository, commit.sha);
    newCommits.push({ ...commit, ...stats });
  }
  await cacheCommits(db, session.userId, provider, newCommits);
  await keepValidators(db, session.userId, provider, listed.url, listed.validators);
  return { notModified: false, newCommits };
}

/**
 * Creates our push webhook on each repository the token administers and that has none yet.
 * Safe to repeat: a hook created at the provider by a try that died before recording it is
 * found there by its URL (createWebhook) and recorded, not created twice.
 */
export async function ensureWebhooks(db: DbOrTx, env: Env, session: ProviderSession, provider: RegisteredProviderId, repositories: Repository[]) {
  const [integration] = await db.select().from(integrations).where(and(eq(integrations.userId, session.userId), eq(integrations.provider, provider)));
  if (!integration) return { created: 0, removed: 0 };
  const existing = new Set((await db.select({ repository: integrationWebhooks.repository }).from(integrationWebhooks).where(eq(integrationWebhooks.integrationId, integration.id))).map((row) => row.repository));
  let created = 0;
  for (const repository of repositories) {
    if (repository.permission !== "admin" || existing.has(repository.fullName)) continue;
    try {
      // One URL per integration: two users administering the same repository each get their own hook
      // (providers refuse a second hook with an identical URL).
      const url = `${env.appUrl}/api/webhooks/${provider}?integration=${integration.id}`;
      const hook = await providers[provider].createWebhook(env, session, repository, { url, secret: webhookSecretFor(env, integration.id) });
      if (!hook) continue;
      const recorded = await db
        .insert(integrationWebhooks)
        .values({ integrationId: integration.id, userId: session.userId, provider, repository: repository.fullName, hookId: hook.hookId })
        .onConflictDoNothing()
        .returning({ id: integrationWebhooks.id });
      created += recorded.length;
    } catch (error) {
      // Webhooks are a bonus (scheduled syncs still find the commits): never fail a sync over one.
      logger.warn("could not create a webhook", { provider, repository: repository.fullName, error });
    }
  }
  return { created, removed: 0 };
}

/**
 * Removes our webhooks at the provider and forgets each one that is gone there (removed now, or
 * already gone: 404). One that could not be removed is kept, so the next sync tries again.
 */
export async function removeWebhooks(db: DbOrTx, env: Env, session: ProviderSession, provider: RegisteredProviderId) {
  const hooks = await db.select().from(integrationWebhooks).where(and(eq(integrationWebhooks.userId, session.userId), eq(integrationWebhooks.provider, provider)));
  let removed = 0;
  for (const hook of hooks) {
    try {
      await providers[provider].removeWebhook(env, session, hook.repository, hook.hookId);
      removed += 1;
    } catch (error) {
      if (!(error instanceof ProviderError && error.kind === "not_found")) {
        logger.warn("could not remove a webhook at the provider; the next sync tries again", { provider, error });
        continue;
      }
    }
    await db.delete(integrationWebhooks).where(eq(integrationWebhooks.id, hook.id));
  }
  return { created: 0, removed };
}

function sqlExcluded(column: string) {
  return sql.raw(`excluded.${column}`);
}
