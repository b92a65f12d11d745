import { and, desc, eq, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { processingActivities, processingLog, type ProcessingActivity } from "../db/schema";

export type ProcessingEntry = {
  activity: ProcessingActivity;
  /** Why, in words the user understands. */
  purpose: string;
  legalBasis: "consent" | "contract" | "legal_obligation" | "legitimate_interest";
  /** Counts and ids only: never content, never secrets. */
  details?: Record<string, string | number | boolean | string[] | null>;
};

/** Records one processing of the user's data (GDPR art. 30), shown to them on /privacy. */
export async function recordProcessing(db: DbOrTx, userId: string, entry: ProcessingEntry) {
  await recordProcessingEach(db, [{ userId, ...entry }]);
}

/** One entry per processing, for work done for many users at once (a cleanup), in one insert. */
export async function recordProcessingEach(db: DbOrTx, entries: Array<ProcessingEntry & { userId: string }>) {
  if (entries.length === 0) return;
  await db.insert(processingLog).values(entries.map((entry) => ({ ...entry, details: entry.details ?? {} })));
}

/**
 * Records an entry once: unless an entry of the same activity already holds `key` in its
 * details (an id of what was done: the export, or the job run — `{ jobRun: runId }`, the id
 * the user's job runs view shows).
 * Safe to repeat: job steps are at-least-once (a crash after the insert runs the step again),
 * so the check and the insert are one statement; a transaction-scoped advisory lock on the
 * key makes two copies of a step running at once (Inngest may) wait for each other instead
 * of both finding no entry.
 */
export async function recordProcessingOnce(db: DbOrTx, userId: string, key: Record<string, string>, entry: ProcessingEntry) {
  const details = { ...entry.details, ...key };
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`processing_log ${userId} ${entry.activity} ${JSON.stringify(key)}`}, 0))`);
    await tx.execute(sql`
      insert into processing_log (user_id, activity, purpose, legal_basis, details)
      select ${userId}::uuid, ${entry.activity}, ${entry.purpose}, ${entry.legalBasis}, ${JSON.stringify(details)}::jsonb
      where not exists (
        select 1 from processing_log
        where user_id = ${userId}::uuid and activity = ${entry.activity} and details @> ${JSON.stringify(key)}::jsonb)`);
  });
}

export const ZProcessingLogQuery = z.object({
  activity: z.enum(processingActivities).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The id of the last entry of the previous page. */
  before: z.number().int().positive().optional(),
});

/** The user's processing log, newest first, filterable by activity, paginated by id. */
export async function listProcessing(db: DbOrTx, userId: string, query: z.infer<typeof ZProcessingLogQuery>) {
  const rows = await db
    .select()
    .from(processingLog)
    .where(and(eq(processingLog.userId, userId), query.activity ? eq(processingLog.activity, query.activity) : undefined, query.before ? lt(processingLog.id, query.before) : undefined))
    .orderBy(desc(processingLog.id))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit).map(({ userId: _owner, ...entry }) => entry);
  return { items, nextBefore: rows.length > query.limit ? items.at(-1)!.id : null };
}
