import { randomUUID } from "node:crypto";
import type { DbOrTx } from "~/server/db/client";
import { jobRuns, type JobRunStatus } from "~/server/db/schema";

/**
 * Rows are written directly, as the engine would leave them. Their job is one no engine runs
 * (not in jobFunctions), so a requeued run stays as the retry left it while the test looks at it.
 */
export const TEST_JOB = "test-admin-job";

type RunRow = typeof jobRuns.$inferInsert;

export async function insertRun(db: DbOrTx, userId: string | null, status: JobRunStatus, extra: Partial<RunRow> = {}) {
  const runId = randomUUID();
  const finished = ["completed", "failed", "cancelled"].includes(status);
  await db.insert(jobRuns).values({
    runId,
    userId,
    functionId: TEST_JOB,
    eventName: "sync/history.trim-requested",
    status,
    attempt: status === "failed" ? 3 : 0,
    error: status === "failed" ? "GitHub answered 502 Bad Gateway" : null,
    startedAt: new Date(Date.now() - 60_000),
    finishedAt: finished ? new Date(Date.now() - 30_000) : null,
    event: { name: "sync/history.trim-requested", data: { userId }, id: `event-${runId}`, ts: Date.now() - 60_000 },
    leaseOwner: status === "running" ? "host:1:abc" : null,
    leaseUntil: status === "running" ? new Date(Date.now() + 30_000) : null,
    nextAt: finished ? null : new Date(Date.now() + 60_000),
    ...extra,
  });
  return runId;
}
