/**
 * `npm run bench:jobs`: the durable embedded job engine (src/server/jobs/runner.ts) against the
 * raw-SQL floor measured in the same run, on a PGlite folder and on a fresh database of the
 * Postgres server. Each database is measured in a child process of its own (the app's database
 * handle is one per process, read from the environment as the server reads it). Progress goes
 * to stderr, the Markdown report to stdout and bench/RESULTS.md. Exits non-zero only on errors,
 * never on a missed target.
 *
 * Measured, per database:
 *   1. events accepted per second through `jobs.send` (catalog validation, then the runner's
 *      durable dispatch), one event per send with 50 sends in flight, and 100 events per send;
 *      floor: raw inserts of the same rows into job_events + job_runs, in the same shapes;
 *   2. dispatch latency at 100 events/s offered (open loop): from the `jobs.send` call to the
 *      start of the run's first step; floor: one raw accept transaction at the same rate;
 *   3. runs completed per second for a job of 3 trivial steps (1,000 runs, sent in batches of
 *      100, the runner's default 10 runs at once); floor: the same runs' minimal writes in raw
 *      SQL (claim, 3 step rows, completion), 10 runs at once.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanup, log, onCleanup } from "./lib/cleanup";
import { createTestDatabase } from "./lib/database";
import { describeMachine, fmt, ms, POSTGRES_SERVER, writeSection, type Row } from "./lib/report";
import { summarize, type LatencySummary } from "./lib/stats";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ACCEPT_EVENTS = 5_000;
const ACCEPT_IN_FLIGHT = 50;
const ACCEPT_BATCH = 100;
const LATENCY_RATE = 100;
const LATENCY_SECONDS = 10;
const RUNS = 1_000;
const RUNS_BATCH = 100;
/** The runner's default `maxParallel`. */
const RUNS_AT_ONCE = 10;
const ACCEPT_TARGET = 1_000;
const P99_TARGET_MS = 50;

type Measurement = {
  driver: "pglite" | "postgres";
  postgresVersion: string;
  acceptSingle: { engine: number; floor: number };
  acceptBatch: { engine: number; floor: number };
  latency: { engine: LatencySummary; floor: LatencySummary; offeredPerS: number };
  completion: { engine: number; floor: number };
};

const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Runs `task` over `items` with at most `limit` at once. */
async function inFlight<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}

// ───────────────────────────── one database (child process) ─────────────────────────────

async function measureThisDatabase(): Promise<Measurement> {
  const { sql } = await import("drizzle-orm");
  const { getDatabaseHandle, selectRows } = await import("../src/server/db/client");
  const { defineJob } = await import("../src/server/jobs/define-job");
  const { createInProcessRunner } = await import("../src/server/jobs/runner");
  const { createJobSender } = await import("../src/server/jobs/send");
  type JobEvent = import("../src/server/jobs/events").JobEvent;

  const handle = await getDatabaseHandle(); // opened and migrated from the environment, as the server does
  const { db } = handle;
  const [{ version }] = (await selectRows<{ version: string }>(db, sql`select version()`)) as [{ version: string }];

  const firstStepAt = new Map<string, number>();
  const acceptJob = defineJob({ id: "bench-accept", name: "Bench: accept", events: ["privacy/inactivity.review-requested"] }, async () => null);
  const latencyJob = defineJob({ id: "bench-latency", name: "Bench: latency", events: ["privacy/inactivity.review-requested"] }, async ({ event, step }) => {
    await step.run("first", () => {
      if (!firstStepAt.has(event.id!)) firstStepAt.set(event.id!, performance.now());
    });
  });
  const threeStepJob = defineJob({ id: "bench-three-steps", name: "Bench: three steps", events: ["maintenance/cleanup.requested"] }, async ({ step }) => {
    await step.run("one", () => 1);
    await step.run("two", () => 2);
    await step.run("three", () => 3);
  });

  const senderFor = (runner: ReturnType<typeof createInProcessRunner>) =>
    createJobSender({ mode: "in-process", inngest: () => { throw new Error("no Inngest in the benchmark"); }, runner: () => runner });
  const reviewEvent = (): JobEvent => ({ name: "privacy/inactivity.review-requested", data: { accountId: randomUUID() }, id: randomUUID() });

  // The floor: what an accept must write at least, as the engine writes it, with no validation or engine code.
  const rawAccept = (events: JobEvent[], functionId: string) =>
    db.transaction(async (tx) => {
      const eventRows = events.map((event) => sql`(${event.id!}, null, ${event.name}, ${JSON.stringify(event.data)}::jsonb)`);
      await tx.execute(sql`insert into job_events (id, user_id, name, data) values ${sql.join(eventRows, sql`, `)}`);
      const runRows = events.map(
        (event) =>
          sql`(${randomUUID()}, null, ${functionId}, ${event.name}, 'queued', 0, ${JSON.stringify({ ...event, ts: Date.now() })}::jsonb, now())`,
      );
      await tx.execute(sql`insert into job_runs (run_id, user_id, function_id, event_name, status, attempt, event, next_at) values ${sql.join(runRows, sql`, `)}`);
    });

  /**
   * A runner that accepts but never claims: `dispatch` would otherwise start the claim loop, and the
   * runs it executes alongside would compete with the accepts for the pool and the CPUs. A stopped
   * runner still accepts (the same transaction), it only never wakes.
   */
  const acceptOnlyRunner = async () => {
    const runner = createInProcessRunner({ jobs: [acceptJob] });
    await runner.stop();
    return runner;
  };

  // ── warm-up (not reported): JIT, the connection pool, the tables' first pages ──
  log("warming up");
  {
    const runner = await acceptOnlyRunner();
    const send = senderFor(runner);
    await inFlight(Array.from({ length: 500 }, reviewEvent), ACCEPT_IN_FLIGHT, (event) => send.send(event));
    await inFlight(Array.from({ length: 500 }, reviewEvent), ACCEPT_IN_FLIGHT, (event) => rawAccept([event], "bench-floor-warmup"));
  }

  // ── 1. accepted per second (only the accept path runs: see acceptOnlyRunner) ──
  const acceptRunner = await acceptOnlyRunner();
  const acceptSender = senderFor(acceptRunner);
  const timedMs = async (task: () => Promise<unknown>) => {
    const started = performance.now();
    await task();
    return performance.now() - started;
  };
  log(`accept: ${fmt(ACCEPT_EVENTS)} events, one per send, ${ACCEPT_IN_FLIGHT} in flight`);
  const singleEngine = await timedMs(() => inFlight(Array.from({ length: ACCEPT_EVENTS }, reviewEvent), ACCEPT_IN_FLIGHT, (event) => acceptSender.send(event)));
  log("accept floor: the same, raw inserts");
  const singleFloor = await timedMs(() => inFlight(Array.from({ length: ACCEPT_EVENTS }, reviewEvent), ACCEPT_IN_FLIGHT, (event) => rawAccept([event], "bench-floor")));
  log(`accept: ${fmt(ACCEPT_EVENTS)} events, ${ACCEPT_BATCH} per send`);
  const batchEngine = await timedMs(async () => {
    for (const batch of chunks(Array.from({ length: ACCEPT_EVENTS }, reviewEvent), ACCEPT_BATCH)) await acceptSender.send(batch);
  });
  log("accept floor: the same, raw multi-row inserts");
  const batchFloor = await timedMs(async () => {
    for (const batch of chunks(Array.from({ length: ACCEPT_EVENTS }, reviewEvent), ACCEPT_BATCH)) await rawAccept(batch, "bench-floor");
  });
  // Nothing will run these: keep the next phases' claim queries on a table the size a server sees.
  await db.execute(sql`delete from job_runs where function_id in ('bench-accept', 'bench-floor-warmup')`);
  await db.execute(sql`delete from job_events`);

  // ── 2. send → first step, open loop at LATENCY_RATE events/s ──
  const runner = createInProcessRunner({ jobs: [latencyJob, threeStepJob] });
  runner.start();
  const sender = senderFor(runner);
  const offer = async (count: number, send: (event: JobEvent) => Promise<unknown>, sentAt: Map<string, number>) => {
    const began = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let index = 0; index < count; index++) {
      const due = began + (index * 1000) / LATENCY_RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const event = reviewEvent();
      sentAt.set(event.id!, performance.now());
      pending.push(send(event));
    }
    await Promise.all(pending);
    return (count / (performance.now() - began)) * 1000;
  };
  const count = LATENCY_RATE * LATENCY_SECONDS;
  log(`latency: ${fmt(count)} events at ${LATENCY_RATE}/s, send → start of the first step`);
  const sentAt = new Map<string, number>();
  const offeredPerS = await offer(count, (event) => sender.send(event), sentAt);
  await runner.idle();
  const engineLatencies = [...sentAt].map(([id, at]) => {
    const startedAt = firstStepAt.get(id);
    if (startedAt === undefined) throw new Error(`run of event ${id} never started its first step`);
    return startedAt - at;
  });
  log(`latency floor: one raw accept transaction at ${LATENCY_RATE}/s`);
  const floorLatencies: number[] = [];
  await offer(count, async (event) => {
    const started = performance.now();
    await rawAccept([event], "bench-floor");
    floorLatencies.push(performance.now() - started);
  }, new Map());

  // ── 3. runs of 3 trivial steps completed per second ──
  log(`completion: ${fmt(RUNS)} runs of 3 steps, sent in batches of ${RUNS_BATCH}`);
  const completionMs = await timedMs(async () => {
    for (let sent = 0; sent < RUNS; sent += RUNS_BATCH) {
      await sender.send(Array.from({ length: RUNS_BATCH }, (): JobEvent => ({ name: "maintenance/cleanup.requested", data: {}, id: randomUUID() })));
    }
    await runner.idle();
  });
  const [{ completed }] = (await selectRows<{ completed: number }>(
    db,
    sql`select count(*)::int as completed from job_runs where function_id = 'bench-three-steps' and status = 'completed'`,
  )) as [{ completed: number }];
  if (completed !== RUNS) throw new Error(`expected ${RUNS} completed runs of bench-three-steps, found ${completed}`);
  await runner.stop();

  log(`completion floor: claim, 3 step rows and completion of ${fmt(RUNS)} queued runs in raw SQL, ${RUNS_AT_ONCE} at once`);
  const floorRuns = (await selectRows<{ run_id: string }>(db, sql`select run_id from job_runs where function_id = 'bench-floor' and finished_at is null limit ${RUNS}`)).map((row) => row.run_id);
  const completionFloorMs = await timedMs(() =>
    inFlight(floorRuns, RUNS_AT_ONCE, async (runId) => {
      await db.execute(sql`update job_runs set status = 'running', lease_owner = 'floor', lease_until = now() + interval '30 seconds' where run_id = ${runId}`);
      for (const step of ["one", "two", "three"]) await db.execute(sql`insert into job_steps (run_id, step_key, output) values (${runId}, ${step}, '1'::jsonb)`);
      await db.execute(sql`update job_runs set status = 'completed', finished_at = now(), next_at = null, lease_owner = null, lease_until = null where run_id = ${runId}`);
    }),
  );

  await handle.close();
  return {
    driver: handle.driver,
    postgresVersion: version,
    acceptSingle: { engine: perSecond(ACCEPT_EVENTS, singleEngine), floor: perSecond(ACCEPT_EVENTS, singleFloor) },
    acceptBatch: { engine: perSecond(ACCEPT_EVENTS, batchEngine), floor: perSecond(ACCEPT_EVENTS, batchFloor) },
    latency: { engine: summarize(engineLatencies), floor: summarize(floorLatencies), offeredPerS },
    completion: { engine: perSecond(RUNS, completionMs), floor: perSecond(floorRuns.length, completionFloorMs) },
  };
}

// ───────────────────────────── the run ─────────────────────────────

function measureIn(env: Record<string, string>): Promise<Measurement> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", LOG_LEVEL: "error", BENCH_JOBS_CHILD: "1", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    onCleanup(`stop the measuring process ${child.pid}`, () => child.exitCode === null && child.kill("SIGKILL"));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`the measuring process exited with ${code}`));
      resolveRun(JSON.parse(output.trim().split("\n").at(-1)!) as Measurement);
    });
  });
}

function rowsOf(m: Measurement): Row[] {
  const db = m.driver === "pglite" ? "PGlite" : "Postgres";
  const ratio = (engine: number, floor: number) => `${fmt(engine / floor, 2)} × the floor`;
  const { engine, floor } = m.latency;
  return [
    {
      what: `${db}: events accepted through \`jobs.send\`, 1 per send, ${ACCEPT_IN_FLIGHT} in flight`,
      value: `${fmt(m.acceptSingle.engine)} events/s`,
      baseline: `${fmt(m.acceptSingle.floor)} events/s (raw insert into job_events + job_runs, 1 transaction per event)`,
      ratio: ratio(m.acceptSingle.engine, m.acceptSingle.floor),
      target: `≥ ${fmt(ACCEPT_TARGET)} events/s`,
      met: m.acceptSingle.engine >= ACCEPT_TARGET,
    },
    {
      what: `${db}: events accepted through \`jobs.send\`, ${ACCEPT_BATCH} per send`,
      value: `${fmt(m.acceptBatch.engine)} events/s`,
      baseline: `${fmt(m.acceptBatch.floor)} events/s (raw multi-row inserts, 1 transaction per ${ACCEPT_BATCH})`,
      ratio: ratio(m.acceptBatch.engine, m.acceptBatch.floor),
      target: `≥ ${fmt(ACCEPT_TARGET)} events/s`,
      met: m.acceptBatch.engine >= ACCEPT_TARGET,
    },
    {
      what: `${db}: \`jobs.send\` → start of the first step, ${fmt(m.latency.offeredPerS)} events/s offered`,
      value: `p50 ${ms(engine.p50)} · p95 ${ms(engine.p95)} · **p99 ${ms(engine.p99)}** · max ${ms(engine.max)} (${fmt(engine.samples)} runs)`,
      baseline: `p50 ${ms(floor.p50)} · p99 ${ms(floor.p99)} (1 raw accept transaction)`,
      ratio: `p99 = ${fmt(engine.p99 / floor.p99, 1)} × the floor`,
      target: `p99 < ${P99_TARGET_MS} ms`,
      met: engine.p99 < P99_TARGET_MS,
    },
    {
      what: `${db}: runs of 3 trivial steps completed (${fmt(RUNS)} runs)`,
      value: `${fmt(m.completion.engine)} runs/s`,
      baseline: `${fmt(m.completion.floor)} runs/s (raw claim + 3 step rows + completion, ${RUNS_AT_ONCE} at once)`,
      ratio: ratio(m.completion.engine, m.completion.floor),
    },
  ];
}

async function main() {
  const began = Date.now();
  const measurements: Measurement[] = [];

  const folder = mkdtempSync(join(tmpdir(), "devpulse-bench-jobs-"));
  onCleanup(`remove ${folder}`, () => rmSync(folder, { recursive: true, force: true }));
  log(`PGlite in ${folder}`);
  measurements.push(await measureIn({ PGLITE_DIR: folder, DATA_DIR: folder }));

  log("Postgres: creating a fresh database");
  const database = await createTestDatabase(process.env.BENCH_POSTGRES_SERVER ?? POSTGRES_SERVER, "bench_jobs");
  onCleanup(`drop database ${database.name}`, () => database.drop());
  measurements.push(await measureIn({ DATABASE_URL: database.url, DATA_DIR: folder }));

  const machine = describeMachine(measurements.at(-1)!.postgresVersion);
  const rows = measurements.flatMap(rowsOf);
  const report = [
    "## Job engine benchmark",
    "",
    "Run with `npm run bench:jobs` (needs the Postgres server at 127.0.0.1:5432, user `postgres`). It measures the",
    "durable embedded engine (`createInProcessRunner`, src/server/jobs/runner.ts) in-process, once on a fresh PGlite",
    "folder and once on a fresh database of the Postgres server, each against raw SQL writing the same rows in the",
    "same run (the floor). This section is replaced on every run; the code is `bench/jobs.ts`.",
    "",
    `### Results — ${new Date().toISOString()}`,
    "",
    "| Measurement | Value | Baseline | Ratio | Target | Met? |",
    "|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${[row.what, row.value, row.baseline, row.ratio, row.target].map((cell) => (cell ?? "—").replace(/\|/g, "\\|")).join(" | ")} | ${row.met === undefined ? "—" : row.met ? "✅ yes" : "❌ no"} |`),
    "",
    `- **Machine:** ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memory} RAM`,
    `- **Node:** ${machine.node}; **Postgres:** ${machine.postgres}; PGlite: ${measurements[0]!.postgresVersion.split(" on ")[0]}`,
    `- **Run time:** ${((Date.now() - began) / 1000).toFixed(0)} s`,
    "",
    "- **Accept** goes through `createJobSender(…).send` in `in-process` mode: the catalog's zod validation, then the runner's `dispatch`, which writes the event and its runs before it answers. The runner is stopped before this phase (it still accepts, but never claims), so only accepting is measured, not the runs it would execute alongside; the floor inserts the same `job_events` and `job_runs` rows with raw SQL through the same database handle (pool of 10 on Postgres, the one PGlite connection), in the same transaction shapes. The runner commits in groups: sends that arrive while a transaction is writing share the next one, which is why 50 concurrent single sends beat a floor of one transaction per event; the 100-per-send row is the like-for-like comparison of the writes themselves.",
    `- **Latency**: ${fmt(LATENCY_RATE * LATENCY_SECONDS)} events offered one by one at ${LATENCY_RATE}/s (open loop: a send starts on schedule whether or not the previous ones were answered), measured from the \`jobs.send\` call to the moment the run's first \`step.run\` callback starts, in the same process. The runner runs with its defaults (10 runs at once, 1 s poll; a local send wakes it at once). The floor is the duration of one raw accept transaction: the least a durable accept costs before any step can start.`,
    `- **Completion**: ${fmt(RUNS)} runs of a job of 3 trivial steps, sent in batches of ${RUNS_BATCH} while the runner runs, timed from the first send to \`idle()\`. The floor claims each queued run, writes its 3 \`job_steps\` rows and completes it with raw SQL, ${RUNS_AT_ONCE} runs at once (the runner's default \`maxParallel\`), one statement at a time.`,
    "- Before the measurements, 500 events through each path warm up the JIT, the connection pool and the tables; not reported.",
  ].join("\n");
  process.stdout.write(`${report}\n`);
  writeSection(join(ROOT, "bench/RESULTS.md"), "jobs", report);
  log("results written to bench/RESULTS.md");
}

if (process.env.BENCH_JOBS_CHILD) {
  const measurement = await measureThisDatabase();
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  process.exit(0);
} else {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void cleanup().then(() => process.exit(130)));
  try {
    await main();
  } finally {
    await cleanup();
  }
}
