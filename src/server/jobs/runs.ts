import { desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { jobRuns, type JobRunStatus } from "../db/schema";

/** Outputs larger than this are summarised: the view shows outcomes, not payloads. */
const MAX_OUTPUT_BYTES = 2048;

export type RunIdentity = { runId: string; functionId: string; eventName: string; userId: string | null };

/** An attempt is starting (first run or a retry); idempotent per run id, as Inngest re-invokes a run per step. */
export async function recordRunAttempt(db: DbOrTx, run: RunIdentity & { event: unknown; attempt: number }) {
  await db
    .insert(jobRuns)
    .values({ ...run, status: "running" })
    .onConflictDoUpdate({ target: jobRuns.runId, set: { status: "running", attempt: run.attempt } });
}

export async function recordRunOutcome(
  db: DbOrTx,
  runId: string,
  outcome: { status: Exclude<JobRunStatus, "running">; error?: string; output?: unknown },
) {
  const finished = outcome.status === "completed" || outcome.status === "failed";
  await db
    .update(jobRuns)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      ...(outcome.output !== undefined ? { output: summariseOutput(outcome.output) } : {}),
      ...(finished ? { finishedAt: new Date() } : {}),
    })
    .where(eq(jobRuns.runId, runId));
}

/** The run failed for good (its row may not exist yet if bookkeeping of its attempts failed). */
export async function recordRunFailure(db: DbOrTx, run: RunIdentity & { error: string }) {
  const finishedAt = new Date();
  await db
    .insert(jobRuns)
    .values({ ...run, status: "failed", finishedAt })
    .onConflictDoUpdate({ target: jobRuns.runId, set: { status: "failed", error: run.error, finishedAt } });
}

function summariseOutput(output: unknown): unknown {
  const json = JSON.stringify(output ?? null);
  return json.length <= MAX_OUTPUT_BYTES ? JSON.parse(json) : { truncated: true, bytes: json.length };
}

/** The user's latest job runs, newest first (system runs, which have no user, are never listed). */
export async function listJobRuns(db: DbOrTx, userId: string, limit = 50) {
  return db
    .select({
      runId: jobRuns.runId,
      functionId: jobRuns.functionId,
      eventName: jobRuns.eventName,
      status: jobRuns.status,
      attempt: jobRuns.attempt,
      error: jobRuns.error,
      output: jobRuns.output,
      startedAt: jobRuns.startedAt,
      finishedAt: jobRuns.finishedAt,
    })
    .from(jobRuns)
    .where(eq(jobRuns.userId, userId))
    .orderBy(desc(jobRuns.startedAt))
    .limit(limit);
}
