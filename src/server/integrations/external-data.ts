import { and, desc, eq, gte, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { ZDate, ZText } from "~/lib/schemas/primitives";
import { correlateCommitsWithActivity } from "~/lib/correlation";
import { CORRELATION_LIMITS, type CorrelationInput } from "~/lib/correlation/schemas";
import { summarize } from "~/lib/realtime/events";
import { integrations } from "../db/schema";
import { recordProcessing } from "../privacy/processing-log";
import type { DbOrTx } from "../db/client";
import { externalDataCache } from "../db/schema";
import type { Repository } from "./provider";
import type { CachedCommit } from "./git-sync";

export const ZCommitsQuery = z
  .object({
    since: ZDate,
    until: ZDate.optional(),
    repository: ZText.min(1).max(300).optional(),
    provider: z.enum(["github", "gitlab"]).optional(),
    limit: z.number().int().min(1).max(5000).default(500),
  })
  .refine((query) => !query.until || query.until >= query.since, { message: "until must not be before since", path: ["until"] });

/**
 * Deletes cached provider data older than the user's per-integration retention
 * (by when the item happened; items without a time, like repositories, by when
 * they were cached).
 */
export async function trimExternalData(db: DbOrTx, userId: string, retentionDaysByProvider: Record<string, number>, now = new Date()) {
  let deleted = 0;
  for (const [provider, days] of Object.entries(retentionDaysByProvider)) {
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const rows = await db
      .delete(externalDataCache)
      .where(
        and(
          eq(externalDataCache.userId, userId),
          eq(externalDataCache.provider, provider),
          // An ISO string with a cast: raw sql parameters are not typed by the column, and postgres.js will not bind a Date here.
          sql`coalesce(${externalDataCache.occurredAt}, ${externalDataCache.cachedAt}) < ${cutoff.toISOString()}::timestamptz`,
        ),
      )
      .returning({ id: externalDataCache.id });
    deleted += rows.length;
  }
  return deleted;
}

/** The providers the user has cached data from (each has a retention: the user's choice, or the default). */
export async function cachedProviders(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ provider: externalDataCache.provider }).from(externalDataCache).where(eq(externalDataCache.userId, userId));
  return rows.map((row) => row.provider);
}

/** The user's cached repositories, from every connected git provider. */
export async function listCachedRepositories(db: DbOrTx, userId: string, provider?: string) {
  const rows = await db
    .select({ provider: externalDataCache.provider, data: externalDataCache.data, cachedAt: externalDataCache.cachedAt })
    .from(externalDataCache)
    .where(and(eq(externalDataCache.userId, userId), eq(externalDataCache.dataType, "repository"), provider ? eq(externalDataCache.provider, provider) : undefined))
    .orderBy(desc(externalDataCache.occurredAt));
  return rows.map((row) => ({ provider: row.provider, ...(row.data as Repository), cachedAt: row.cachedAt }));
}

/** The user's cached commits in a time range, newest first. */
export async function listCachedCommits(db: DbOrTx, userId: string, query: z.infer<typeof ZCommitsQuery>) {
  const rows = await db
    .select({ provider: externalDataCache.provider, data: externalDataCache.data })
    .from(externalDataCache)
    .where(
      and(
        eq(externalDataCache.userId, userId),
        eq(externalDataCache.dataType, "commit"),
        gte(externalDataCache.occurredAt, query.since),
        query.until ? lte(externalDataCache.occurredAt, query.until) : undefined,
        query.provider ? eq(externalDataCache.provider, query.provider) : undefined,
        query.repository ? sql`${externalDataCache.data}->>'repository' = ${query.repository}` : undefined,
      ),
    )
    .orderBy(desc(externalDataCache.occurredAt))
    .limit(query.limit);
  return rows.map((row) => ({ provider: row.provider as "github" | "gitlab", ...(row.data as CachedCommit) }));
}

const MINUTE_MS = 60_000;

/**
 * The periods' time range (widened by the correlation windows) against the user's
 * cached commits, with the connected accounts as the default identities. The
 * periods are used for this answer only.
 */
export async function correlateWithCachedCommits(db: DbOrTx, userId: string, input: Omit<CorrelationInput, "commits">) {
  const options = input.options ?? {};
  if (input.periods.length === 0) return correlateCommitsWithActivity([], [], options);
  const times = input.periods.flatMap((period) => [new Date(period.start).getTime(), new Date(period.end ?? options.now ?? period.start).getTime()]);
  const since = new Date(Math.min(...times) - (options.beforeWindowMinutes ?? 5) * MINUTE_MS);
  const until = new Date(Math.max(...times) + (options.afterWindowMinutes ?? 30) * MINUTE_MS);
  const commits = await listCachedCommits(db, userId, { since, until, limit: CORRELATION_LIMITS.commits });
  const accounts = await db.select().from(integrations).where(eq(integrations.userId, userId));
  const identities = options.identities ?? {
    emails: accounts.flatMap((account) => account.accountEmails),
    names: accounts.flatMap((account) => (account.accountName ? [account.accountName] : [])),
    logins: accounts.flatMap((account) => (account.accountLogin ? [account.accountLogin] : [])),
  };
  await recordProcessing(db, userId, {
    activity: "correlation",
    purpose: "Match your commits with the activity periods you sent (the periods are not stored)",
    legalBasis: "consent",
    details: { periods: input.periods.length, commits: commits.length },
  });
  return correlateCommitsWithActivity(
    input.periods,
    commits.map((commit) => ({
      sha: commit.sha,
      repository: commit.repository,
      committedAt: commit.committedAt,
      provider: commit.provider,
      ...(commit.authorEmail ? { authorEmail: commit.authorEmail } : {}),
      ...(commit.authorName ? { authorName: commit.authorName } : {}),
      ...(commit.authorLogin ? { authorLogin: commit.authorLogin } : {}),
      message: summarize(commit.message, 200),
      ...(commit.url ? { url: commit.url } : {}),
    })),
    { ...options, identities },
  );
}
