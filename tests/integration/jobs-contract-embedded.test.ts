import { asc, eq, inArray } from "drizzle-orm";
import { describe } from "vitest";
import { getDb } from "~/server/db/client";
import { jobEvents, jobRuns, jobSteps } from "~/server/db/schema";
import { createInProcessRunner } from "~/server/jobs/runner";
import { jobEngineContract, type JobEngineAdapter, type PlannedPause, type RunOutcome } from "../contract/jobs-contract";

/**
 * The job contract on the embedded engine: the real durable runner on this test database,
 * with real time. Sleeps and waits take their time (cases use 250–500 ms), events that arrive
 * mid-run are dispatched through the same runner once job_runs shows the run sleeping or
 * waiting, and the outcome is read back from the rows the engine keeps (job_runs, job_steps,
 * job_events), so what is proven is what a restart would find.
 */

const POLL_MS = 10;
const RUN_DEADLINE_MS = 15_000;
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type RunRow = typeof jobRuns.$inferSelect;

/** A sleep's job_steps row holds `{ until }` from the moment it is planned. */
function plannedUntil(output: unknown): Date | null {
  const until = (output as { until?: unknown } | null)?.until;
  return typeof until === "string" || typeof until === "number" ? new Date(until) : null;
}

const embeddedAdapter = (): JobEngineAdapter => ({
  name: "embedded",
  waitsForReal: true,
  async runToEnd(job, trigger, options = {}): Promise<RunOutcome> {
    const db = await getDb();
    const runner = createInProcessRunner({ jobs: [job], retryDelayMs: () => 20, pollMs: 50, instanceId: `contract-${job.id}` });
    runner.start();
    try {
      await runner.dispatch(trigger);
      const pauses: PlannedPause[] = [];
      const seenSleeps = new Set<string>();
      let pending = [...(options.during ?? [])];
      let lastState = "";
      const deadline = Date.now() + RUN_DEADLINE_MS;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`run of ${job.id} did not finish within ${RUN_DEADLINE_MS} ms (last state: ${lastState})`);
        // Each case's job id is its own, so this function has exactly one run.
        const [run] = await db.select().from(jobRuns).where(eq(jobRuns.functionId, job.id));
        if (!run) {
          await sleepFor(POLL_MS);
          continue;
        }
        const state = `${run.status} ${run.nextAt?.toISOString() ?? ""} ${run.waitStep ?? ""}`;
        if (state !== lastState && (run.status === "sleeping" || run.status === "waiting")) {
          await recordPause(run, pauses, seenSleeps);
          if (pending.length) {
            const arriving = pending;
            pending = [];
            await runner.dispatch(arriving);
          }
        }
        lastState = state;
        if (run.finishedAt) return outcomeOf(run, pauses);
        await sleepFor(POLL_MS);
      }
    } finally {
      await runner.stop({ graceMs: 1_000 });
    }

    async function recordPause(run: RunRow, pauses: PlannedPause[], seenSleeps: Set<string>) {
      if (run.status === "waiting") {
        const path = run.waitMatch ?? "";
        pauses.push({ kind: "wait", id: run.waitStep ?? "", event: run.waitEvent ?? "", if: `event.${path} == async.${path}`, timeoutAt: run.nextAt! });
        return;
      }
      const rows = await db.select().from(jobSteps).where(eq(jobSteps.runId, run.runId)).orderBy(asc(jobSteps.completedAt));
      for (const row of rows) {
        const until = plannedUntil(row.output);
        if (!until || seenSleeps.has(row.stepKey)) continue;
        seenSleeps.add(row.stepKey);
        pauses.push({ kind: "sleep", id: row.stepKey, notBefore: until });
      }
    }

    function outcomeOf(run: RunRow, pauses: PlannedPause[]): RunOutcome {
      const status = run.status === "completed" || run.status === "failed" || run.status === "cancelled" ? run.status : null;
      if (!status) throw new Error(`run ${run.runId} finished with status ${run.status}`);
      return { status, output: run.output ?? undefined, error: run.error ?? undefined, pauses, startedAt: run.startedAt, finishedAt: run.finishedAt! };
    }
  },
  async acceptedEvents(ids) {
    const db = await getDb();
    const rows = await db.select().from(jobEvents).where(inArray(jobEvents.id, [...ids]));
    return rows.map((row) => ({ id: row.id, name: row.name, data: row.data }));
  },
});

describe("job engine contract: embedded engine", () => {
  jobEngineContract(embeddedAdapter);
});
