import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../bench/lib/database";
import {
  BEFORE_STEP_MS,
  DEBOUNCE_MS,
  killAllWorkers,
  SLEEP_MS,
  startWorker,
  WORKER_USER_ID,
  type Effect,
  type JobWorker,
  type RunRow,
  type WorkerOptions,
} from "../support/job-workers";
import { until } from "../support/until";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * The embedded engine across crashes and restarts, with real processes: each worker
 * (tests/support/job-worker.ts) runs the engine on a database of its own — a PGlite folder,
 * or a fresh database on the Postgres server, never the one this Vitest process's engine uses —
 * and is killed with SIGKILL or SIGTERM, then started again on the same data.
 */

const serverDatabaseUrl = workerDatabaseUrl();
const onPostgres = Boolean(serverDatabaseUrl);
/** Timestamps come from one clock (the database's, on this machine) but are rounded in transit. */
const CLOCK_MARGIN_MS = 50;
/** Each test starts and kills worker processes (a fresh module graph each): allowed more than the default 20 s under a shared CPU. */
const PROCESS_TEST_TIMEOUT_MS = 60_000;
const RETRY_DELAY_MS = 3_000;
const LEASE_MS = 2_000;

let database: WorkerOptions["database"];
let dropDatabase: () => Promise<void> = async () => {};
const gateDir = mkdtempSync(join(tmpdir(), "devpulse-gates-"));
let generation = 0;

/** A worker with a new instance id each start, as a restarted server process has. */
const start = (name: string, options: Partial<WorkerOptions> = {}) =>
  startWorker({ database, id: `${name}-${++generation}`, gateDir, leaseMs: LEASE_MS, retryDelayMs: RETRY_DELAY_MS, ...options });

const openGate = (key: string) => writeFileSync(join(gateDir, key), "");
const of = (effects: Effect[], key: string, step?: string) => effects.filter((effect) => effect.run_key === key && (!step || effect.step === step));
const runOf = (runs: RunRow[], predicate: (event: NonNullable<RunRow["event"]>) => boolean) => runs.find((run) => run.event && predicate(run.event));

beforeAll(async () => {
  if (serverDatabaseUrl) {
    const created = await createTestDatabase(serverDatabaseUrl, "durability");
    database = { DATABASE_URL: created.url };
    dropDatabase = created.drop;
  } else {
    const folder = mkdtempSync(join(tmpdir(), "devpulse-durability-"));
    database = { PGLITE_DIR: folder };
    dropDatabase = async () => rmSync(folder, { recursive: true, force: true });
  }
});

afterAll(async () => {
  await killAllWorkers();
  await dropDatabase();
  rmSync(gateDir, { recursive: true, force: true });
});

describe("one instance, killed with SIGKILL and started again", () => {
  const sleeperKey = randomUUID();
  const gatedKey = `gated-${randomUUID()}`;
  const retryKey = `retry-${randomUUID()}`;
  const debounceIds = [1, 2, 3].map((n) => `debounce-${n}-${randomUUID()}`);
  let before: { effects: Effect[]; runs: RunRow[]; lastDebounceSentAt: number; killedAt: number };
  let restarted: JobWorker;
  let restartedAt: number;

  // One crash for all four cases: each is brought to the state it must survive, then the process dies at once.
  beforeAll(async () => {
    const worker = await start("crash");
    await worker.send([
      { name: "privacy/inactivity.review-requested", data: { accountId: sleeperKey } },
      { name: "maintenance/cleanup.requested", data: {}, id: gatedKey },
      { name: "integration/sync.requested", data: { userId: WORKER_USER_ID, provider: "github" }, id: retryKey },
    ]);
    await until(
      async () => ({ effects: await worker.effects(), runs: await worker.runs() }),
      ({ effects, runs }) =>
        runOf(runs, (event) => event.data.accountId === sleeperKey)?.status === "sleeping" &&
        of(effects, gatedKey, "two:start").length === 1 &&
        runOf(runs, (event) => event.id === retryKey)?.status === "retrying",
    );
    let lastDebounceSentAt = 0;
    for (const [index, id] of debounceIds.entries()) {
      if (index > 0) await new Promise((resolve) => setTimeout(resolve, 300));
      lastDebounceSentAt = Date.now();
      await worker.send([{ name: "sync/history.trim-requested", data: { userId: WORKER_USER_ID }, id }]);
    }
    const effects = await worker.effects();
    const runs = await worker.runs();
    await worker.kill("SIGKILL");
    before = { effects, runs, lastDebounceSentAt, killedAt: Date.now() };
    openGate(gatedKey);
    restarted = await start("restarted");
    restartedAt = Date.now();
  });

  /** Waits until the run matching `predicate` is finished, then returns every effect. */
  const afterCompletion = async (predicate: (event: NonNullable<RunRow["event"]>) => boolean) => {
    const runs = await until(
      () => restarted.runs(),
      (rows) => runOf(rows, predicate)?.finished_at != null,
    );
    expect(runOf(runs, predicate)?.status).toBe("completed");
    return restarted.effects();
  };

  it("a run killed during a 5 s sleep completes once after the restart, not before it wakes", { timeout: PROCESS_TEST_TIMEOUT_MS }, async () => {
    const sleeping = runOf(before.runs, (event) => event.data.accountId === sleeperKey)!;
    const [beforeStep] = of(before.effects, sleeperKey, "before");
    expect(beforeStep).toBeDefined();
    expect(of(before.effects, sleeperKey, "after")).toEqual([]);
    // The sleep's end was planned from its start: 5 s after the first step.
    const wakeAt = sleeping.next_at!;
    expect(wakeAt).toBeGreaterThanOrEqual(beforeStep!.at + SLEEP_MS - CLOCK_MARGIN_MS);
    expect(wakeAt).toBeGreaterThan(before.killedAt);

    const effects = await afterCompletion((event) => event.data.accountId === sleeperKey);
    const after = of(effects, sleeperKey, "after");
    expect(after).toHaveLength(1);
    expect(after[0]!.at).toBeGreaterThanOrEqual(wakeAt - CLOCK_MARGIN_MS);
    // On time: as soon as it is due, or as soon as the restarted instance looks, whichever is later.
    expect(after[0]!.at).toBeLessThan(Math.max(wakeAt, restartedAt) + 2_000);
    expect(of(effects, sleeperKey, "before:start")).toHaveLength(1);
    expect(of(effects, sleeperKey, "before")).toHaveLength(1);
  });

  it("a run killed between two steps does not repeat the first; the second (interrupted) runs again and completes once", { timeout: PROCESS_TEST_TIMEOUT_MS }, async () => {
    expect(of(before.effects, gatedKey, "one")).toHaveLength(1);
    expect(of(before.effects, gatedKey, "two")).toEqual([]);

    const effects = await afterCompletion((event) => event.id === gatedKey);
    expect(of(effects, gatedKey, "one")).toHaveLength(1);
    // Steps are at-least-once: the step that was running when the process died starts again, once.
    expect(of(effects, gatedKey, "two:start")).toHaveLength(2);
    expect(of(effects, gatedKey, "two")).toHaveLength(1);
    expect(of(effects, gatedKey, "two")[0]!.value).toBe(restarted.id);
  });

  it("a debounce window survives the restart: one run, with the last event, not before the window closes", { timeout: PROCESS_TEST_TIMEOUT_MS }, async () => {
    expect(of(before.effects, "debounced")).toEqual([]);
    const effects = await afterCompletion((event) => event.id === debounceIds.at(-1));
    const runs = await restarted.runs();
    expect(runs.filter((run) => run.function_id === "test-debounced")).toHaveLength(1);
    const debounced = of(effects, "debounced");
    expect(debounced).toHaveLength(1);
    expect(debounced[0]!.value).toBe(debounceIds.at(-1));
    expect(debounced[0]!.at).toBeGreaterThanOrEqual(before.lastDebounceSentAt + DEBOUNCE_MS - CLOCK_MARGIN_MS);
  });

  it("a retry's backoff survives the restart: the second attempt runs once, not before it is due", { timeout: PROCESS_TEST_TIMEOUT_MS }, async () => {
    const retrying = runOf(before.runs, (event) => event.id === retryKey)!;
    const [firstAttempt] = of(before.effects, retryKey, "attempt-0");
    expect(firstAttempt).toBeDefined();
    expect(retrying.attempt).toBe(1);
    expect(retrying.next_at!).toBeGreaterThanOrEqual(firstAttempt!.at + RETRY_DELAY_MS - CLOCK_MARGIN_MS);

    const effects = await afterCompletion((event) => event.id === retryKey);
    expect(of(effects, retryKey, "attempt-0")).toHaveLength(1);
    const second = of(effects, retryKey, "attempt-1");
    expect(second).toHaveLength(1);
    expect(second[0]!.at).toBeGreaterThanOrEqual(retrying.next_at! - CLOCK_MARGIN_MS);
  });

  afterAll(async () => {
    await restarted?.kill("SIGTERM");
  });
});

describe("SIGTERM", () => {
  it("lets the running step finish, exits within 10 s, and the rest of the run resumes at the next start", { timeout: PROCESS_TEST_TIMEOUT_MS }, async () => {
    const key = randomUUID();
    const worker = await start("graceful");
    await worker.send([{ name: "privacy/inactivity.review-requested", data: { accountId: key } }]);
    await until(() => worker.effects(), (effects) => of(effects, key, "before:start").length === 1, 20_000, 50);
    const signalledAt = Date.now();
    const exit = await worker.kill("SIGTERM");
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    // The step was mid-way (it takes 1.5 s): stopping waited for it instead of cutting it off.
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(BEFORE_STEP_MS / 2);

    const next = await start("after-sigterm");
    const effects = await until(() => next.effects(), (rows) => of(rows, key, "after").length > 0, 20_000);
    const finished = of(effects, key, "before")[0]!;
    expect(finished.at).toBeLessThanOrEqual(exit.at);
    expect(of(effects, key, "before:start")).toHaveLength(1);
    expect(of(effects, key, "before")).toHaveLength(1);
    expect(of(effects, key, "after")).toHaveLength(1);
    expect(of(effects, key, "after")[0]!.at).toBeGreaterThanOrEqual(finished.at + SLEEP_MS - CLOCK_MARGIN_MS);
    await next.kill("SIGTERM");
  });
});

describe("two instances on one Postgres database", () => {
  const skipReason = "Postgres server only: a PGlite folder is opened by one process, so there is nothing to coordinate";
  let first: JobWorker;
  let second: JobWorker;
  let cronStartedAt = 0;

  beforeAll(async () => {
    if (!onPostgres) return;
    [first, second] = await Promise.all([start("first", { cron: true }), start("second", { cron: true })]);
    cronStartedAt = Date.now();
  });

  it("500 events: every run completes exactly once, and the every-second cron fires once per tick", async (context) => {
    context.skip(!onPostgres, skipReason);
    const exportIds = Array.from({ length: 500 }, () => randomUUID());
    const events = exportIds.map((exportId) => ({ name: "privacy/export.requested" as const, data: { userId: WORKER_USER_ID, exportId } }));
    await Promise.all([first.send(events.slice(0, 250)), second.send(events.slice(250))]);
    const wanted = new Set<string>(exportIds);
    const effects = await until(
      () => first.effects(),
      (rows) => rows.filter((row) => row.step === "done" && wanted.has(row.run_key)).length >= 500,
      40_000,
      250,
    );
    const done = effects.filter((row) => row.step === "done" && wanted.has(row.run_key));
    expect(new Set(done.map((row) => row.run_key)).size).toBe(500);
    expect(done).toHaveLength(500);
    expect(new Set(done.map((row) => row.value))).toEqual(new Set([first.id, second.id]));
    // A run's last step writes its effect before the run is marked completed (the next commit): wait for both.
    const runs = await until(
      async () => (await first.runs()).filter((run) => run.function_id === "test-trivial"),
      (rows) => rows.length >= 500 && rows.every((run) => run.status === "completed"),
      10_000,
      250,
    );
    expect(runs).toHaveLength(500);
    expect(runs.every((run) => run.status === "completed")).toBe(true);

    // Ticks: never one fired twice (two firings of one tick are milliseconds apart), and none missing while quiet.
    const quietFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const ticks = of(await first.effects(), "cron", "tick");
    const tickTimes = ticks.map((tick) => Number(tick.value) || tick.at).sort((a, b) => a - b);
    const seconds = tickTimes.map((time) => Math.round(time / 1000));
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil((Date.now() - cronStartedAt) / 1000) + 1);
    const quietTicks = ticks.filter((tick) => tick.at >= quietFrom + 1_000);
    expect(quietTicks.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("a killed instance's leased runs are finished by the other once the lease expires", async (context) => {
    context.skip(!onPostgres, skipReason);
    const keys: string[] = Array.from({ length: 6 }, () => `lease-${randomUUID()}`);
    const send = (worker: JobWorker, batch: string[]) => worker.send(batch.map((id) => ({ name: "maintenance/cleanup.requested" as const, data: {}, id })));
    await Promise.all([send(first, keys.slice(0, 3)), send(second, keys.slice(3))]);
    const started = await until(
      () => first.effects(),
      (rows) => keys.every((key) => of(rows, key, "two:start").length === 1),
    );
    const holder = (key: string) => of(started, key, "two:start")[0]!.value;
    const victim = keys.some((key) => holder(key) === first.id) ? first : second;
    const survivor = victim === first ? second : first;
    const victimKeys = keys.filter((key) => holder(key) === victim.id);
    const leasesBefore = await survivor.runs();
    await victim.kill("SIGKILL");
    for (const key of keys) openGate(key);

    const runs = await until(
      () => survivor.runs(),
      (rows) => keys.every((key) => runOf(rows, (event) => event.id === key)?.finished_at != null),
      20_000,
    );
    expect(keys.map((key) => runOf(runs, (event) => event.id === key)!.status)).toEqual(keys.map(() => "completed"));
    const effects = await survivor.effects();
    for (const key of keys) {
      expect(of(effects, key, "one"), key).toHaveLength(1);
      expect(of(effects, key, "two"), key).toHaveLength(1);
    }
    for (const key of victimKeys) {
      const [finished] = of(effects, key, "two");
      expect(finished!.value).toBe(survivor.id);
      const leaseUntil = runOf(leasesBefore, (event) => event.id === key)!.lease_until!;
      expect(finished!.at).toBeGreaterThanOrEqual(leaseUntil - CLOCK_MARGIN_MS);
    }
  }, 40_000);
});
