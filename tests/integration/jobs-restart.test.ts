import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { jobRuns, jobSchedules } from "~/server/db/schema";
import { defineJob, type Job } from "~/server/jobs/define-job";
import { createInProcessRunner, type InProcessRunner } from "~/server/jobs/runner";
import { acceptEvents, claimDueRuns, completeStep, indexJobs, lastScheduledTicks, type Lease } from "~/server/jobs/store";
import { signedUpUser } from "../support/callers";
import { until } from "../support/until";

/**
 * What a runner finds when it starts on a database a previous process left behind: runs that
 * process was executing when it died, and cron ticks that passed while nothing ran. The previous
 * process's rows are written by the store's own functions, exactly as a runner writes them
 * before it is killed (claimed with a lease, a step memoised); then a new runner starts on
 * the test database, as a restarted server does.
 */

const TRIM = "sync/history.trim-requested" as const;
/** The dead process's lease: long, so a runner that waited it out would visibly not finish in time. */
const DEAD_LEASE_MS = 10 * 60_000;
const DEAD_OWNER = "killed-instance";

const runners: InProcessRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop({ graceMs: 0 })));
});

function startRunner(options: Parameters<typeof createInProcessRunner>[0]) {
  const runner = createInProcessRunner({ pollMs: 50, retryDelayMs: () => 20, ...options });
  runners.push(runner);
  return runner;
}

async function runRows(functionId: string) {
  return (await getDb()).select().from(jobRuns).where(eq(jobRuns.functionId, functionId));
}

describe("a runner restarted on a database only its process opens (PGlite: exclusiveDatabase) after that process was killed", () => {
  /** Two steps, one run at a time per user: the dead process completed "one" and was killed inside "two". */
  function twoStepJob(label: string, ran: string[]): Job {
    return defineJob(
      { id: `restart-${label}-${randomUUID().slice(0, 8)}`, name: "Test: two steps", events: [TRIM], retries: 0, concurrency: { key: "event.data.userId", limit: 1 } },
      async ({ step }) => {
        await step.run("one", () => ran.push("one"));
        await step.run("two", () => ran.push("two"));
        return "done";
      },
    );
  }

  /** The rows a process leaves when it is killed during step "two": the run claimed under its lease, "one" memoised, the concurrency slot taken. */
  async function orphanRun(job: Job, userId: string) {
    const db = await getDb();
    const index = indexJobs([job]);
    await db.transaction((tx) => acceptEvents(tx, index, [{ name: TRIM, data: { userId }, id: randomUUID(), ts: Date.now() }]));
    const [claimed] = await db.transaction((tx) => claimDueRuns(tx, index.byId, { owner: DEAD_OWNER, limit: 1, leaseMs: DEAD_LEASE_MS, retryBusyMs: 250 }));
    const lease: Lease = { runId: claimed!.runId, owner: DEAD_OWNER, leaseMs: DEAD_LEASE_MS };
    expect((await completeStep(db, lease, { key: "one", output: 1 })).held).toBe(true);
    const [row] = await runRows(job.id);
    expect(row).toMatchObject({ status: "running", leaseOwner: DEAD_OWNER });
    return { runId: claimed!.runId, leaseUntil: row!.leaseUntil! };
  }

  it("takes the dead process's running run over at once, not after its lease, and does not repeat its completed step", async () => {
    const { user } = await signedUpUser("restart-orphan");
    const ran: string[] = [];
    const job = twoStepJob("orphan", ran);
    const orphan = await orphanRun(job, user.id);

    const startedAt = Date.now();
    await startRunner({ jobs: [job], instanceId: "restarted-instance", exclusiveDatabase: true }).start();

    const [row] = await until(
      () => runRows(job.id),
      (rows) => rows[0]?.finishedAt != null,
      10_000,
      25,
    );
    expect(row).toMatchObject({ runId: orphan.runId, status: "completed", output: "done" });
    // At once: seconds after the start, though the dead process's lease (and its concurrency slot) ran for 10 more minutes.
    expect(row!.finishedAt!.getTime() - startedAt).toBeLessThan(5_000);
    expect(row!.finishedAt!.getTime()).toBeLessThan(orphan.leaseUntil.getTime() - DEAD_LEASE_MS / 2);
    // "one" completed before the kill: only the interrupted step ran again.
    expect(ran).toEqual(["two"]);
  }, 30_000);

  it("without an exclusive database (several instances on a Postgres server) the same run waits for the lease to expire", async () => {
    const { user } = await signedUpUser("restart-shared");
    const ran: string[] = [];
    const job = twoStepJob("shared", ran);
    const orphan = await orphanRun(job, user.id);

    await startRunner({ jobs: [job], instanceId: "another-instance" }).start();
    // Twenty polls: another instance may still be alive and holding it, so it is left alone.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const [row] = await runRows(job.id);
    expect(row).toMatchObject({ runId: orphan.runId, status: "running", leaseOwner: DEAD_OWNER, finishedAt: null });
    expect(row!.leaseUntil).toEqual(orphan.leaseUntil);
    expect(ran).toEqual([]);
  });
});

describe("cron ticks missed while no instance ran", () => {
  const MINUTE_MS = 60_000;

  it("fire once at start, for the latest missed tick, not once per missed tick; a second restart fires none again", async () => {
    // Started just before a minute boundary, the schedule's own next tick could land inside the test: start after it.
    const toNextMinute = MINUTE_MS - (Date.now() % MINUTE_MS);
    if (toNextMinute < 10_000) await new Promise((resolve) => setTimeout(resolve, toNextMinute + 100));
    const ran: unknown[] = [];
    const job = defineJob({ id: `restart-cron-${randomUUID().slice(0, 8)}`, name: "Test: every minute", cron: "* * * * *", retries: 0 }, async ({ event }) => {
      ran.push(event.ts);
    });
    // The last instance saw this job 5½ minutes ago and has fired nothing since: five ticks went by unseen.
    const lastSeen = new Date(Date.now() - 5.5 * MINUTE_MS);
    await lastScheduledTicks(await getDb(), [job.id], lastSeen);
    const latestMissed = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;

    await startRunner({ jobs: [job], instanceId: "cron-restarted" }).start();
    const rows = await until(
      () => runRows(job.id),
      (found) => found.some((run) => run.finishedAt != null),
      10_000,
      25,
    );
    // Give any further catch-up fire time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const runs = await runRows(job.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: rows[0]!.runId, status: "completed", eventName: "inngest/scheduled.timer" });
    expect(runs[0]!.event).toMatchObject({ id: `cron ${job.id} ${new Date(latestMissed).toISOString()}`, ts: latestMissed });
    expect(ran).toEqual([latestMissed]);
    const [schedule] = await (await getDb()).select().from(jobSchedules).where(eq(jobSchedules.functionId, job.id));
    expect(schedule!.lastTickAt.getTime()).toBe(latestMissed);

    // Restarted again before the next tick: that tick was fired already, so nothing more runs.
    await Promise.all(runners.splice(0).map((runner) => runner.stop({ graceMs: 0 })));
    await startRunner({ jobs: [job], instanceId: "cron-restarted-again" }).start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await runRows(job.id)).toHaveLength(1);
    expect(ran).toHaveLength(1);
  });
});
