import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import { durationToMs, NonRetriableError, RetryAfterError } from "inngest";
import { logger } from "../logger";
import { DEFAULT_RETRIES, errorMessage, type AnyJobEvent, type Job, type JobStep, type ScheduledEvent } from "./define-job";
import { parseJobEvent, type JobEvent } from "./events";

/**
 * The embedded job engine: runs the same job definitions Inngest would, in this
 * process, with Inngest's documented semantics —
 *   - steps run in order; a completed step's JSON result is memoised and not re-run on retry;
 *   - a failure retries the run (`retries` times, exponential backoff with jitter, or the
 *     RetryAfterError's time; NonRetriableError fails at once), each new step with its own budget;
 *   - `step.sleep` really waits; `onFailure` runs once retries are spent;
 *   - `concurrency` limits runs per key; `debounce` runs once per key after a quiet period;
 *   - cron triggers fire on schedule once `start()` is called; an event id is accepted once per 24 h.
 * Limits (stated in the README): nothing is durable — runs, sleeps and debounces in flight are lost
 * on restart — and it coordinates only this one instance.
 */

export type RunnerOptions = {
  jobs: readonly Job[];
  /** Delay before retry number `attempt` (1-based). */
  retryDelayMs?: (attempt: number) => number;
};

const EVENT_ID_MEMORY_MS = 24 * 60 * 60 * 1000;

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

type Limiter = { active: number; waiting: Array<() => void> };

export function createInProcessRunner(options: RunnerOptions) {
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const byEvent = new Map<string, Job[]>();
  for (const job of options.jobs) for (const name of job.config.events ?? []) byEvent.set(name, [...(byEvent.get(name) ?? []), job]);
  const inFlight = new Set<Promise<void>>();
  const limiters = new Map<string, Limiter>();
  const debounced = new Map<string, { event: AnyJobEvent; firstAt: number; timer: NodeJS.Timeout }>();
  const seenEventIds = new Map<string, number>();
  const schedules: Cron[] = [];

  function track(run: Promise<void>) {
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  function isDuplicate(id: string, now: number): boolean {
    for (const [seen, at] of seenEventIds) {
      if (now - at < EVENT_ID_MEMORY_MS) break; // Map keeps insertion order: the rest are newer
      seenEventIds.delete(seen);
    }
    if (seenEventIds.has(id)) return true;
    seenEventIds.set(id, now);
    return false;
  }

  function dispatch(input: JobEvent | JobEvent[]): { ids: string[] } {
    const events = (Array.isArray(input) ? input : [input]).map(parseJobEvent);
    const now = Date.now();
    const ids = events.map((parsed) => {
      const id = parsed.id ?? randomUUID();
      if (isDuplicate(id, now)) return id;
      const event = { ...parsed, id, ts: now } as AnyJobEvent;
      for (const job of byEvent.get(event.name) ?? []) trigger(job, event);
      return id;
    });
    return { ids };
  }

  function trigger(job: Job, event: AnyJobEvent) {
    if (job.config.debounce) debounce(job, event);
    else track(execute(job, event));
  }

  function debounce(job: Job, event: AnyJobEvent) {
    const settings = job.config.debounce!;
    const key = `${job.id}\u0000${job.debounceKey?.(event) ?? ""}`;
    const now = Date.now();
    const pending = debounced.get(key);
    if (pending) clearTimeout(pending.timer);
    const firstAt = pending?.firstAt ?? now;
    const period = durationToMs(settings.period);
    const delay = settings.timeout === undefined ? period : Math.min(period, firstAt + durationToMs(settings.timeout) - now);
    const timer = setTimeout(() => {
      debounced.delete(key);
      track(execute(job, event)); // the last event received wins, as in Inngest
    }, Math.max(0, delay));
    debounced.set(key, { event, firstAt, timer });
  }

  async function acquire(job: Job, event: AnyJobEvent): Promise<() => void> {
    const settings = job.config.concurrency;
    if (!settings) return () => undefined;
    const key = `${job.id}\u0000${job.concurrencyKey?.(event) ?? ""}`;
    let limiter = limiters.get(key);
    if (!limiter) limiters.set(key, (limiter = { active: 0, waiting: [] }));
    const slot = limiter;
    if (slot.active < settings.limit) slot.active += 1;
    else await new Promise<void>((resolve) => slot.waiting.push(resolve)); // the releaser hands its slot over
    return () => {
      const next = slot.waiting.shift();
      if (next) return next();
      slot.active -= 1;
      if (slot.active === 0) limiters.delete(key);
    };
  }

  function createStep(memo: Map<string, unknown>): JobStep {
    const used = new Map<string, number>();
    // Inngest gives repeated step ids a counter suffix; so do we, so memoisation matches.
    const keyOf = (id: string) => {
      const count = used.get(id) ?? 0;
      used.set(id, count + 1);
      return count === 0 ? id : `${id}:${count}`;
    };
    return {
      async run<T>(id: string, fn: () => T | Promise<T>): Promise<Awaited<T>> {
        const key = keyOf(id);
        if (memo.has(key)) return memo.get(key) as Awaited<T>;
        const result = await fn();
        // Results cross a JSON boundary in Inngest (Dates become strings): keep that true here.
        const json = result === undefined ? null : JSON.parse(JSON.stringify(result));
        memo.set(key, json);
        return json as Awaited<T>;
      },
      async sleep(id: string, duration: number | string) {
        const key = keyOf(id);
        if (memo.has(key)) return;
        await wait(durationToMs(duration));
        memo.set(key, null);
      },
      async sendEvent(id: string, events: JobEvent | JobEvent[]) {
        const key = keyOf(id);
        if (memo.has(key)) return memo.get(key) as { ids: string[] };
        const sent = dispatch(events);
        memo.set(key, sent);
        return sent;
      },
    };
  }

  async function execute(job: Job, event: AnyJobEvent): Promise<void> {
    const release = await acquire(job, event);
    const runId = randomUUID();
    const memo = new Map<string, unknown>();
    const retries = job.config.retries ?? DEFAULT_RETRIES;
    let attempt = 0;
    try {
      for (;;) {
        const stepsBefore = memo.size;
        try {
          await job.run({ event, step: createStep(memo), runId, attempt });
          return;
        } catch (error) {
          if (memo.size > stepsBefore) attempt = 0; // a step completed: the failing one starts its own count
          if (error instanceof NonRetriableError || attempt >= retries) {
            await job.fail({ event, error: asError(error), runId });
            return;
          }
          attempt += 1;
          logger.warn("job attempt failed; retrying", { job: job.id, runId, attempt, error: errorMessage(error) });
          await wait(error instanceof RetryAfterError ? retryAfterMs(error) : retryDelayMs(attempt));
        }
      }
    } catch (error) {
      logger.error("job runner failed", { job: job.id, runId, error }); // only if a failure handler itself threw
    } finally {
      release();
    }
  }

  return {
    /** Validates and queues events; returns their ids at once (runs continue in the background). */
    dispatch,
    /** Starts the cron schedules. */
    start() {
      for (const job of options.jobs) {
        const cron = job.config.cron;
        if (!cron) continue;
        const [, timezone, pattern] = /^(?:TZ=(\S+)\s+)?(.+)$/.exec(cron.trim())!;
        schedules.push(
          new Cron(pattern!, { timezone: timezone ?? "UTC", protect: true, unref: true, name: job.id }, () => {
            const tick: ScheduledEvent = { name: "inngest/scheduled.timer", data: { cron }, id: randomUUID(), ts: Date.now() };
            trigger(job, tick);
          }),
        );
      }
    },
    /** When each cron job fires next (for the jobs view and tests). */
    nextScheduledRuns(): Record<string, Date | null> {
      return Object.fromEntries(schedules.map((schedule) => [schedule.name!, schedule.nextRun()]));
    },
    /** Triggers a cron job's run now, as its schedule would. */
    runScheduledNow(jobId: string) {
      const job = options.jobs.find((candidate) => candidate.id === jobId && candidate.config.cron);
      if (!job) throw new Error(`No scheduled job "${jobId}"`);
      trigger(job, { name: "inngest/scheduled.timer", data: { cron: job.config.cron! }, id: randomUUID(), ts: Date.now() });
    },
    /** Resolves once nothing is running, retrying, sleeping or waiting out a debounce. */
    async idle() {
      while (inFlight.size > 0 || debounced.size > 0) {
        if (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        else await wait(5);
      }
    },
    stop() {
      for (const schedule of schedules.splice(0)) schedule.stop();
      for (const pending of debounced.values()) clearTimeout(pending.timer);
      debounced.clear();
    },
  };
}

export type InProcessRunner = ReturnType<typeof createInProcessRunner>;
