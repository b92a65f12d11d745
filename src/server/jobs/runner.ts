import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Cron } from "croner";
import { durationToMs, NonRetriableError, RetryAfterError } from "inngest";
import { getDb, type Db } from "../db/client";
import { logger } from "../logger";
import { metrics } from "../metrics/registry";
import { publishSafely } from "../realtime/publisher";
import { DEFAULT_RETRIES, errorMessage, type Job, type JobStep } from "./define-job";
import { parseJobEvent, type JobEvent } from "./events";
import {
  acceptEvents,
  claimDueRuns,
  completeStep,
  finishAttempt,
  fireScheduledTick,
  indexJobs,
  lastScheduledTicks,
  loadSteps,
  matchValue,
  pendingRuns,
  queueScheduledRun,
  reclaimOrphanedRuns,
  releaseLeases,
  renewLease,
  suspendRun,
  type AcceptResult,
  type ClaimedRun,
  type Lease,
  type StoredEvent,
} from "./store";

/** How far ahead idle() looks for due runs by default. */
const IDLE_HORIZON_MS = 60_000;

/**
 * The embedded job engine: runs the same job definitions Inngest would, with Inngest's
 * semantics, and keeps every bit of state in the app's database (store.ts), so a restart
 * (a deploy, a crash, `kill -9`) loses nothing:
 *   - `dispatch` (what `jobs.send` calls) writes the events and their runs before it answers;
 *     an event id is accepted once per 24 hours;
 *   - a run is replayed from the top on each resumption; completed steps return their memoised
 *     JSON result and are never run again; a step interrupted by a crash runs again
 *     (at-least-once, as on Inngest: every step is written to be safe to repeat);
 *   - failures retry with backoff (or a RetryAfterError's time; NonRetriableError fails at once),
 *     each step with its own budget; `onFailure` runs once the retries are spent;
 *   - sleeps, waits for events, retries, debounce windows and concurrency slots are rows with a
 *     due time; cancelOn cancels a queued, sleeping or waiting run; cron ticks fire once per tick;
 *   - instances claim due runs with FOR UPDATE SKIP LOCKED and hold a lease they renew while the
 *     run executes; a crashed instance's runs are taken over when its lease expires.
 */

export type RunnerOptions = {
  jobs: readonly Job[];
  /** Delay before retry number `attempt` (1-based). */
  retryDelayMs?: (attempt: number) => number;
  /** This instance's name in leases. */
  instanceId?: string;
  /** How long a claimed run stays this instance's without a renewal. */
  leaseMs?: number;
  /** How often to look for due work that another instance (or a timer elsewhere) made due. */
  pollMs?: number;
  /** Runs executing at once in this instance. */
  maxParallel?: number;
  /** The database is this process's alone (PGlite): runs left running are orphans at start. */
  exclusiveDatabase?: boolean;
  db?: () => Promise<Db>;
};

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_GRACE_MS = 10_000;

/** Inngest-like backoff: 1 s, 2 s, 4 s … capped at 5 minutes, ±20 % jitter. */
export function defaultRetryDelayMs(attempt: number): number {
  const base = Math.min(1000 * 2 ** (attempt - 1), 5 * 60 * 1000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function retryAfterMs(error: RetryAfterError): number {
  const value = error.retryAfter;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : defaultRetryDelayMs(1);
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
/** What a step returns to stop the handler where it is: the run continues from the database later. */
const parked = () => new Promise<never>(() => undefined);

/** Why an execution stopped before the handler returned. */
type Interruption = { interrupted: "suspended" | "lost"; wakeAt?: Date };

export function createInProcessRunner(options: RunnerOptions) {
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const owner = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? 1000;
  const maxParallel = options.maxParallel ?? 10;
  const database = options.db ?? getDb;
  const index = indexJobs(options.jobs);
  const executing = new Map<string, Promise<void>>();
  const schedules: Cron[] = [];
  let looping = false;
  let stopping = false;
  let claiming = false;
  let claimAgain = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let wakeTimer: { at: number; timer: NodeJS.Timeout } | undefined;

  async function announce(touched: readonly { runId: string; userId: string | null }[]) {
    for (const { runId, userId } of touched) if (userId) await publishSafely(userId, "job:run_updated", { runId });
  }

  function stored(input: JobEvent | JobEvent[]): StoredEvent[] {
    const now = Date.now();
    return (Array.isArray(input) ? input : [input]).map(parseJobEvent).map((event) => ({ ...event, id: event.id ?? randomUUID(), ts: now }) as StoredEvent);
  }

  function afterAccept(accepted: AcceptResult | undefined) {
    if (!accepted) return;
    void announce(accepted.touched);
    if (accepted.dueAt) wakeAt(accepted.dueAt);
    if (accepted.touched.length) wake();
  }

  /**
   * Group commit: sends that arrive while a transaction is writing wait for the next one and share it,
   * so 50 callers sending one event each cost a few transactions, not 50. Each caller's events were
   * validated before they joined, and the group is written all or nothing.
   */
  let accepting: Promise<void> | undefined;
  let waitingToAccept: { events: StoredEvent[]; settle: (error?: unknown) => void }[] = [];

  function acceptGroup(): Promise<void> {
    accepting ??= (async () => {
      while (waitingToAccept.length) {
        const group = waitingToAccept;
        waitingToAccept = [];
        try {
          const db = await database();
          const accepted = await db.transaction((tx) => acceptEvents(tx, index, group.flatMap((entry) => entry.events)));
          for (const entry of group) entry.settle();
          ensureLoop();
          afterAccept(accepted);
        } catch (error) {
          for (const entry of group) entry.settle(error);
        }
      }
      accepting = undefined;
    })();
    return accepting;
  }

  async function dispatch(input: JobEvent | JobEvent[]): Promise<{ ids: string[] }> {
    const events = stored(input);
    await new Promise<void>((resolve, reject) => {
      waitingToAccept.push({ events, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      void acceptGroup();
    });
    return { ids: events.map((event) => event.id) };
  }

  // ── The claim loop ──

  function ensureLoop() {
    if (looping || stopping) return;
    looping = true;
    schedulePoll();
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (stopping) return;
    pollTimer = setTimeout(wake, pollMs);
    pollTimer.unref();
  }

  /** Looks for due work at `at` (a sleep's end, a retry, a debounce window), as well as on every poll. */
  function wakeAt(at: Date) {
    const ms = at.getTime() - Date.now();
    if (ms <= 0) return wake();
    if (wakeTimer && wakeTimer.at <= at.getTime()) return;
    if (wakeTimer) clearTimeout(wakeTimer.timer);
    const timer = setTimeout(() => {
      wakeTimer = undefined;
      wake();
    }, ms + 5);
    timer.unref();
    wakeTimer = { at: at.getTime(), timer };
  }

  function wake() {
    if (stopping) return;
    ensureLoop();
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    void (async () => {
      try {
        do {
          claimAgain = false;
          const capacity = maxParallel - executing.size;
          if (capacity <= 0) break;
          const db = await database();
          const claimed = await db.transaction((tx) => claimDueRuns(tx, index.byId, { owner, limit: capacity, leaseMs, retryBusyMs: Math.min(pollMs, 250) }));
          for (const run of claimed) start(run);
          if (claimed.length === capacity) claimAgain = true;
        } while (claimAgain && !stopping);
      } catch (error) {
        logger.warn("job engine could not claim work; trying again", { error: errorMessage(error) });
      } finally {
        claiming = false;
        schedulePoll();
      }
    })();
  }

  function start(run: ClaimedRun) {
    const execution = execute(run).finally(() => {
      executing.delete(run.runId);
      wake(); // a slot (and perhaps a concurrency slot) is free
    });
    executing.set(run.runId, execution);
  }

  // ── Executing a run ──

  async function execute(run: ClaimedRun): Promise<void> {
    const job = index.byId.get(run.functionId)!;
    const db = await database();
    const lease: Lease = { runId: run.runId, owner, leaseMs };
    void announce([run]);
    const heartbeat = setInterval(() => {
      void renewLease(db, lease).catch((error: unknown) => logger.warn("job lease renewal failed", { runId: run.runId, error: errorMessage(error) }));
    }, Math.max(50, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    const attempt = run.attempt;
    let stepsCompleted = false;
    try {
      const memo = await loadSteps(db, run.runId);
      let interrupt!: (why: Interruption) => void;
      const interrupted = new Promise<Interruption>((resolve) => (interrupt = resolve));
      const step = createStep(db, lease, memo, run.event, {
        interrupt,
        // A step completed: a failure after it is the next step's, which starts its own retry budget.
        stepCompleted: () => (stepsCompleted = true),
      });
      const handled = job.handler({ event: run.event, step, runId: run.runId, attempt }).then((output) => ({ output }));
      handled.catch(() => undefined); // a parallel step may still fail after another suspended the run: nothing to do then
      const outcome = await Promise.race([handled, interrupted]);
      if ("interrupted" in outcome) {
        if (outcome.wakeAt) wakeAt(outcome.wakeAt);
        void announce([run]);
        return;
      }
      if (await finishAttempt(db, lease, { status: "completed", output: outcome.output })) {
        metrics.jobRuns.inc({ job: job.id, outcome: "completed" });
        void announce([run]);
      }
    } catch (error) {
      await failAttempt(db, job, run, lease, asError(error), stepsCompleted ? 0 : attempt);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function failAttempt(db: Db, job: Job, run: ClaimedRun, lease: Lease, error: Error, attempt: number) {
    const retries = job.config.retries ?? DEFAULT_RETRIES;
    const message = errorMessage(error);
    if (error instanceof NonRetriableError || attempt >= retries) {
      logger.error("job failed after its retries", { job: job.id, runId: run.runId, error: message });
      try {
        // Before the run is marked failed: if this process dies in between, the attempt runs again and so does this.
        await job.config.onFailure?.({ event: run.event, error, runId: run.runId });
      } catch (failureError) {
        logger.error("job failure handler failed", { job: job.id, runId: run.runId, error: errorMessage(failureError) });
      }
      if (await finishAttempt(db, lease, { status: "failed", error: message, attempt })) {
        metrics.jobRuns.inc({ job: job.id, outcome: "failed" });
        void announce([run]);
      }
      return;
    }
    const next = attempt + 1;
    const nextAt = new Date(Date.now() + (error instanceof RetryAfterError ? retryAfterMs(error) : retryDelayMs(next)));
    logger.warn("job attempt failed; retrying", { job: job.id, runId: run.runId, attempt: next, error: message });
    if (await finishAttempt(db, lease, { status: "retrying", error: message, attempt: next, nextAt })) {
      metrics.jobRuns.inc({ job: job.id, outcome: "retrying" });
      void announce([run]);
      wakeAt(nextAt);
    }
  }

  function createStep(
    db: Db,
    lease: Lease,
    memo: Map<string, unknown>,
    trigger: StoredEvent,
    control: { interrupt: (why: Interruption) => void; stepCompleted: () => void },
  ): JobStep {
    const used = new Map<string, number>();
    // Inngest gives repeated step ids a counter suffix; so do we, so memoisation matches.
    const keyOf = (id: string) => {
      const count = used.get(id) ?? 0;
      used.set(id, count + 1);
      return count === 0 ? id : `${id}:${count}`;
    };
    const lost = () => {
      control.interrupt({ interrupted: "lost" });
      return parked();
    };
    async function complete(key: string, output: unknown, events?: StoredEvent[]) {
      const saved = await completeStep(db, lease, { key, output, ...(events ? { events: { index, events } } : {}) });
      if (!saved.held) return false;
      memo.set(key, output);
      control.stepCompleted();
      afterAccept(saved.accepted);
      return true;
    }
    async function sleepUntil(key: string, until: Date): Promise<void> {
      if (memo.has(key)) {
        const planned = memo.get(key) as { until?: string } | null;
        const end = planned?.until ? new Date(planned.until) : until;
        if (end.getTime() <= Date.now()) return;
        until = end;
      }
      if (!(await suspendRun(db, lease, { kind: "sleep", key, until }))) return lost();
      control.interrupt({ interrupted: "suspended", wakeAt: until });
      return parked();
    }
    return {
      async run<T>(id: string, fn: () => T | Promise<T>): Promise<Awaited<T>> {
        const key = keyOf(id);
        if (memo.has(key)) return memo.get(key) as Awaited<T>;
        const result = await fn();
        // Results cross a JSON boundary in Inngest (Dates become strings): keep that true here.
        const json = result === undefined ? null : JSON.parse(JSON.stringify(result));
        if (!(await complete(key, json))) return lost();
        return json as Awaited<T>;
      },
      sleep(id, duration) {
        const key = keyOf(id);
        return sleepUntil(key, new Date(Date.now() + durationToMs(duration)));
      },
      sleepUntil(id, until) {
        const key = keyOf(id);
        const date = until instanceof Date ? until : new Date(until);
        if (Number.isNaN(date.getTime())) throw new NonRetriableError(`step.sleepUntil("${id}") was given an invalid date`);
        return sleepUntil(key, date);
      },
      async waitForEvent(id, { event, match, timeout }) {
        const key = keyOf(id);
        if (memo.has(key)) return memo.get(key) as never;
        const until = new Date(Date.now() + durationToMs(timeout));
        const suspended = await suspendRun(db, lease, { kind: "wait", key, event, match, value: matchValue(trigger, match), until });
        if (!suspended) return lost();
        control.interrupt({ interrupted: "suspended", wakeAt: until });
        return parked();
      },
      async sendEvent(id, input) {
        const key = keyOf(id);
        if (memo.has(key)) return memo.get(key) as { ids: string[] };
        const events = stored(input);
        const sent = { ids: events.map((event) => event.id) };
        if (!(await complete(key, sent, events))) return lost();
        return sent;
      },
    };
  }

  // ── Cron schedules ──

  function cronParts(job: Job) {
    const [, timezone, pattern] = /^(?:TZ=(\S+)\s+)?(.+)$/.exec(job.config.cron!.trim())!;
    return { pattern: pattern!, timezone: timezone ?? "UTC" };
  }

  async function fire(job: Job, tick: Date) {
    try {
      const db = await database();
      const queued = await db.transaction((tx) => fireScheduledTick(tx, job, tick));
      if (queued) {
        void announce([queued]);
        wake();
      }
    } catch (error) {
      logger.warn("cron tick could not be recorded", { job: job.id, error: errorMessage(error) });
    }
  }

  async function startSchedules() {
    const cronJobs = options.jobs.filter((job) => job.config.cron);
    const lastTicks = await lastScheduledTicks(await database(), cronJobs.map((job) => job.id));
    for (const job of cronJobs) {
      const { pattern, timezone } = cronParts(job);
      const schedule = new Cron(pattern, { timezone, protect: true, unref: true, name: job.id }, (self: Cron) => {
        const tick = self.currentRun() ?? new Date();
        void fire(job, new Date(Math.floor(tick.getTime() / 1000) * 1000));
      });
      schedules.push(schedule);
      // A tick missed while no instance ran fires once now, as a late tick.
      const [missed] = schedule.previousRuns(1, new Date());
      const last = lastTicks.get(job.id);
      if (missed && last && missed > last) void fire(job, new Date(Math.floor(missed.getTime() / 1000) * 1000));
    }
  }

  return {
    /** Validates and durably accepts events; their runs continue in the background. */
    dispatch,
    /** At server start: resumes what is due and starts the cron schedules. */
    async start() {
      stopping = false;
      if (options.exclusiveDatabase) await reclaimOrphanedRuns(await database(), index.functionIds);
      await startSchedules();
      ensureLoop();
      wake();
    },
    /** Looks for due work now. */
    wake,
    /** When each cron job fires next (for the jobs view and tests). */
    nextScheduledRuns(): Record<string, Date | null> {
      return Object.fromEntries(schedules.map((schedule) => [schedule.name!, schedule.nextRun()]));
    },
    /** Queues a cron job's run now, as its schedule would. */
    async runScheduledNow(jobId: string) {
      const job = options.jobs.find((candidate) => candidate.id === jobId && candidate.config.cron);
      if (!job) throw new Error(`No scheduled job "${jobId}"`);
      const db = await database();
      const queued = await db.transaction((tx) => queueScheduledRun(tx, job, new Date()));
      void announce([queued]);
      ensureLoop();
      wake();
    },
    /** Resolves once none of this runner's jobs has an unfinished run (sends still being written count). */
    /**
     * Resolves once nothing is running or due within `dueWithinMs` (a minute by default): a run
     * sleeping until later (a calendar status waiting for tomorrow's meeting, a focus session's
     * end) is not waited for. Tests and benches wait with it; the server never does.
     */
    async idle(options: { dueWithinMs?: number } = {}) {
      const dueWithinMs = options.dueWithinMs ?? IDLE_HORIZON_MS;
      for (;;) {
        if (accepting) {
          await accepting;
          continue;
        }
        if (executing.size > 0) {
          await Promise.allSettled([...executing.values()]);
          continue;
        }
        const pending = await pendingRuns(await database(), index.functionIds, new Date(Date.now() + dueWithinMs));
        if (pending.count === 0 && executing.size === 0) return;
        if (pending.nextAt && pending.nextAt.getTime() <= Date.now()) wake();
        await wait(10);
      }
    },
    /**
     * Graceful stop: no new work is claimed, running steps get `graceMs` to finish, and
     * what is still running is handed back so the next start (or another instance) resumes it at once.
     */
    async stop(stopOptions: { graceMs?: number } = {}) {
      stopping = true;
      looping = false;
      clearTimeout(pollTimer);
      if (wakeTimer) clearTimeout(wakeTimer.timer);
      wakeTimer = undefined;
      for (const schedule of schedules.splice(0)) schedule.stop();
      const graceMs = stopOptions.graceMs ?? DEFAULT_GRACE_MS;
      if (executing.size > 0) await Promise.race([Promise.allSettled([...executing.values()]), wait(graceMs)]);
      if (executing.size > 0) {
        try {
          await releaseLeases(await database(), owner, [...executing.keys()]);
        } catch (error) {
          logger.warn("job engine could not hand back its runs; they resume when their lease expires", { error: errorMessage(error) });
        }
      }
    },
  };
}

export type InProcessRunner = ReturnType<typeof createInProcessRunner>;
