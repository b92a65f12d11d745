import { and, gte, inArray, isNull } from "drizzle-orm";
import { getDb } from "~/server/db/client";
import { jobRuns } from "~/server/db/schema";
import { jobFunctions } from "~/server/jobs/functions";
import { createInProcessRunner } from "~/server/jobs/runner";

/** The suite's job runner: jobs sent in tests run in-process, and retries wait milliseconds instead of seconds. */
export function testJobRunner() {
  return createInProcessRunner({ jobs: jobFunctions, retryDelayMs: () => 20 });
}

/**
 * Ends the runs of these jobs still sleeping (a focus session's end, a calendar status waiting for
 * tomorrow's meeting) once a test file is done with them. The suite shares one database, and the
 * runner's idle() would otherwise wait for them in every later file.
 */
export async function endSleepingRuns(functionIds: readonly string[]) {
  const db = await getDb();
  await db
    .update(jobRuns)
    .set({ status: "cancelled", finishedAt: new Date(), nextAt: null, error: "ended by the test" })
    .where(and(isNull(jobRuns.finishedAt), inArray(jobRuns.functionId, [...functionIds])));
}

/**
 * Ends every run queued since `since` that has not finished: for a trial whose thousands of calls queued work
 * (exports, syncs, notices) in the database the test process shares, so the runner's idle() in the trials
 * after it does not wait for that backlog.
 */
export async function endRunsQueuedSince(since: Date) {
  const db = await getDb();
  await db
    .update(jobRuns)
    .set({ status: "cancelled" })
    .where(and(gte(jobRuns.startedAt, since), inArray(jobRuns.status, ["queued", "sleeping", "retrying", "waiting"])));
}
