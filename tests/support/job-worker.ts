/**
 * A stand-alone embedded job engine for the durability tests (tests/integration/jobs-durability.test.ts),
 * run as a child process with tsx so a test can kill it (-9 or TERM) and start it again.
 *
 * Environment: DATABASE_URL (a Postgres database of its own) or PGLITE_DIR (a folder no other process
 * opens); WORKER_ID (the lease owner), WORKER_LEASE_MS, WORKER_POLL_MS, WORKER_RETRY_DELAY_MS,
 * WORKER_MAX_PARALLEL, WORKER_GATE_DIR (where the gate files of the "gated" job appear),
 * WORKER_CRON=1 to run the every-second cron job.
 *
 * Protocol: prints "ready" once the runner has started; then reads one JSON command per line on stdin
 * and answers one JSON line on stdout with the same `id`:
 *   { id, send: JobEvent[] }  → { id, ids }      (the runner's dispatch: accepted once it answers)
 *   { id, effects: true }     → { id, effects }  (every job_test_effects row, oldest first)
 *   { id, runs: true }        → { id, runs }     (every job_runs row of the test jobs)
 * The test reads the database only through these (a PGlite folder has one process at a time).
 * On SIGTERM it stops the runner as the server does, then exits 0.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { sql } from "drizzle-orm";
import { getDb, selectRows, closeDb } from "../../src/server/db/client";
import { defineJob, type Job } from "../../src/server/jobs/define-job";
import { createInProcessRunner } from "../../src/server/jobs/runner";
import { BEFORE_STEP_MS, DEBOUNCE_MS, SLEEP_MS, WORKER_USER_ID } from "./job-workers";

const numberFromEnv = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const instanceId = process.env.WORKER_ID ?? `worker-${process.pid}`;
const gateDir = process.env.WORKER_GATE_DIR ?? "/nonexistent";

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function recordEffect(runKey: string, step: string, value: string | null = null) {
  const db = await getDb();
  await db.execute(sql`insert into job_test_effects (run_key, step, value) values (${runKey}, ${step}, ${value})`);
}

/** The jobs under test; each listens to its own catalog event so one event starts one run. */
const testJobs: Job[] = [
  // (a) a step that takes a while, a 5 s sleep, a second step: kill -9 during the sleep, SIGTERM during the first step.
  defineJob({ id: "test-sleeper", name: "Test: sleeper", events: ["privacy/inactivity.review-requested"], retries: 0 }, async ({ event, step }) => {
    const key = event.data.accountId;
    await step.run("before", async () => {
      await recordEffect(key, "before:start");
      await wait(BEFORE_STEP_MS);
      await recordEffect(key, "before");
    });
    await step.sleep("nap", SLEEP_MS);
    await step.run("after", () => recordEffect(key, "after"));
  }),
  // (b) two steps, the second blocked until its gate file exists: kill -9 while it waits.
  defineJob({ id: "test-gated", name: "Test: gated", events: ["maintenance/cleanup.requested"], retries: 0 }, async ({ event, step }) => {
    const key = event.id!;
    await step.run("one", () => recordEffect(key, "one"));
    await step.run("two", async () => {
      await recordEffect(key, "two:start", instanceId);
      while (!existsSync(join(gateDir, key))) await wait(50);
      await recordEffect(key, "two", instanceId);
    });
  }),
  // (c) debounced: runs once, 2 s after the last event, with that event.
  defineJob(
    { id: "test-debounced", name: "Test: debounced", events: ["sync/history.trim-requested"], debounce: { period: DEBOUNCE_MS }, retries: 0 },
    async ({ event, step }) => {
      await step.run("record", () => recordEffect("debounced", "run", event.id!));
    },
  ),
  // (d) fails its first attempt, succeeds on the retry (WORKER_RETRY_DELAY_MS later).
  defineJob({ id: "test-retried", name: "Test: retried", events: ["integration/sync.requested"], retries: 2 }, async ({ event, step, attempt }) => {
    const key = event.id!;
    await step.run("flaky", async () => {
      await recordEffect(key, `attempt-${attempt}`);
      if (attempt === 0) throw new Error("first attempt fails on purpose");
    });
  }),
  // (f) one effect per run, for the many-events test.
  defineJob({ id: "test-trivial", name: "Test: trivial", events: ["privacy/export.requested"], retries: 0 }, async ({ event, step }) => {
    await step.run("record", () => recordEffect(event.data.exportId, "done", instanceId));
  }),
];

// (e) every second: each tick records the time it stands for.
const cronJob = defineJob({ id: "test-every-second", name: "Test: every second", cron: "* * * * * *", retries: 0 }, async ({ event, step }) => {
  await step.run("tick", () => recordEffect("cron", "tick", String(event.ts ?? "")));
});

const jobs = process.env.WORKER_CRON === "1" ? [...testJobs, cronJob] : testJobs;
const testJobIds = jobs.map((job) => job.id);

const db = await getDb(); // opens and migrates the database from the environment, as the server does
await db.execute(
  sql`create table if not exists job_test_effects (run_key text not null, step text not null, value text, at timestamptz not null default clock_timestamp())`,
);
await db.execute(sql`insert into users (id, email) values (${WORKER_USER_ID}, 'durability-worker@example.test') on conflict do nothing`);

const runner = createInProcessRunner({
  jobs,
  instanceId,
  leaseMs: numberFromEnv("WORKER_LEASE_MS", 2_000),
  pollMs: numberFromEnv("WORKER_POLL_MS", 200),
  maxParallel: numberFromEnv("WORKER_MAX_PARALLEL", 10),
  retryDelayMs: () => numberFromEnv("WORKER_RETRY_DELAY_MS", 3_000),
  db: getDb,
});
runner.start();

type Command = { id: number; send?: unknown[]; effects?: true; runs?: true };

async function answer(command: Command): Promise<Record<string, unknown>> {
  if (command.send) return { ids: (await runner.dispatch(command.send as never)).ids };
  if (command.effects) {
    const effects = await selectRows(
      db,
      sql`select run_key, step, value, (extract(epoch from at) * 1000)::float8 as at from job_test_effects order by at, run_key, step`,
    );
    return { effects };
  }
  if (command.runs) {
    const runs = await selectRows(
      db,
      sql`select run_id, function_id, status, attempt, event, lease_owner,
                 (extract(epoch from next_at) * 1000)::float8 as next_at,
                 (extract(epoch from lease_until) * 1000)::float8 as lease_until,
                 (extract(epoch from finished_at) * 1000)::float8 as finished_at
          from job_runs where function_id in ${sql.raw(`(${testJobIds.map((id) => `'${id}'`).join(", ")})`)}
          order by started_at`,
    );
    return { runs };
  }
  throw new Error(`unknown command ${JSON.stringify(command)}`);
}

const reply = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line) as Command;
  answer(command).then(
    (result) => reply({ id: command.id, ...result }),
    (error: unknown) => reply({ id: command.id, error: error instanceof Error ? error.message : String(error) }),
  );
});

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await runner.stop();
    await closeDb();
    process.exit(0);
  })();
});

process.stdout.write("ready\n");
