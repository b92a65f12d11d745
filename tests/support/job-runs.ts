import { and, gte, inArray, isNull, type SQL } from "drizzle-orm";
import { getDb } from "~/server/db/client";
import { jobRuns } from "~/server/db/schema";
import { jobFunctions } from "~/server/jobs/functions";
import { createInProcessRunner } from "~/server/jobs/runner";
import { cancelledRunColumns } from "~/server/jobs/runs";
import { getJobRunner, useJobRunner } from "~/server/jobs/send";

/** The suite's job runner: jobs sent in tests run in-process, and retries wait milliseconds instead of seconds. */
export function testJobRunner() {
  return createInProcessRunner({ jobs: jobFunctions, retryDelayMs: () => 20 });
}

/**
 * A server restart, as far as the jobs go: the suite's runner stops (its runs stay in the database) and a
 * new one takes over for the rest of the suite. Woken, never start()ed: start() would also run
 * the cron schedules in the test process, and at the next full hour every integration the suite's users
 * ever connected would sync at once, under whichever file runs then (tests/support/setup.ts checks).
 */
export async function restartSuiteJobRunner(options: { pauseMs?: number } = {}): Promise<void> {
  await getJobRunner().stop({ graceMs: 0 });
  if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  const restarted = testJobRunner();
  useJobRunner(restarted);
  restarted.wake();
}

/** Ends the unfinished runs that match, as a cancellation ends them (so the runner's idle() stops waiting for them). */
async function endRuns(which: SQL) {
  const db = await getDb();
  await db.update(jobRuns).set(cancelledRunColumns(new Date(), "ended by the test")).where(and(isNull(jobRuns.finishedAt), which));
}

/**
 * Ends the runs of these jobs still sleeping (a focus session's end, a calendar status waiting for
 * tomorrow's meeting) once a test file is done with them. The suite shares one database, and the
 * runner's idle() would otherwise wait for them in every later file.
 */
export function endSleepingRuns(functionIds: readonly string[]) {
  return endRuns(inArray(jobRuns.functionId, [...functionIds]));
}

/**
 * Ends every unfinished run started since `since`: tests/support/setup.ts, after each file, for the runs
 * that file queued in the database the suite shares (retries, sleeps, the thousands of notices a trial's
 * calls raise), so the runner's idle() in later files never waits for them.
 */
export function endRunsQueuedSince(since: Date) {
  return endRuns(gte(jobRuns.startedAt, since));
}
