import { DrizzleQueryError } from "drizzle-orm/errors";
import type { Inngest, InngestFunction } from "inngest";
import { getDb } from "../db/client";
import { logger, redactText } from "../logger";
import { metrics } from "../metrics/registry";
import { publishSafely } from "../realtime/publisher";
import { jobEventType, type JobEvent, type JobEventData, type JobEventName } from "./events";
import { compileKeyExpression, type KeyExpression } from "./keys";
import { recordRunAttempt, recordRunFailure, recordRunOutcome } from "./runs";

/**
 * One definition per background job, run two ways with the same handler:
 * registered with Inngest (`toInngestFunction`, served at /api/inngest), or by the
 * in-process runner (src/server/jobs/runner.ts) when Inngest is not configured.
 * Handlers use only the context below, which both engines provide with Inngest's
 * semantics: step results are memoised by id and JSON-serialised, a retry re-runs
 * the handler and skips completed steps, and `onFailure` runs once retries are spent.
 */

export type ScheduledEvent = { name: "inngest/scheduled.timer"; data: { cron: string }; id?: string; ts?: number };
export type TriggerEvent<E extends JobEventName> = { name: E; data: JobEventData<E>; id?: string; ts?: number };

/** `match`: a field path ("data.userId") that must be equal on the run's trigger event and the awaited one, as in Inngest. */
export type EventMatch<E extends JobEventName> = { event: E; match: string };

export interface JobStep {
  /** Runs `fn` once per run; its (JSON) result is remembered across retries and restarts. Steps are at-least-once: a step interrupted by a crash runs again. */
  run<T>(id: string, fn: () => T | Promise<T>): Promise<Awaited<T>>;
  sleep(id: string, duration: number | string): Promise<void>;
  sleepUntil(id: string, until: Date | string): Promise<void>;
  /** Resolves with the first matching event received after the wait began, or null once `timeout` passes. */
  waitForEvent<E extends JobEventName>(id: string, options: EventMatch<E> & { timeout: number | string }): Promise<TriggerEvent<E> | null>;
  sendEvent(id: string, events: JobEvent | JobEvent[]): Promise<{ ids: string[] }>;
}

/** Inngest accepts up to this many events per send. */
const FAN_OUT_CHUNK = 500;

/** A schedule's fan-out: one event per unit of work (each then retried and shown on its own), sent in chunks Inngest accepts. */
export async function fanOut(step: JobStep, id: string, events: JobEvent[]): Promise<number> {
  for (let start = 0; start < events.length; start += FAN_OUT_CHUNK) await step.sendEvent(`${id}-${start}`, events.slice(start, start + FAN_OUT_CHUNK));
  return events.length;
}

export type JobContext<TEvent> = { event: TEvent; step: JobStep; runId: string; attempt: number };
export type JobFailure<TEvent> = { event: TEvent; error: Error; runId: string };

export type JobConfig<E extends JobEventName, TEvent> = {
  id: string;
  /** Shown to users in the job runs view. */
  name: string;
  events?: readonly E[];
  /** A cron expression (UTC, or prefixed "TZ=Europe/Paris "). */
  cron?: string;
  /** Retries after the first attempt (Inngest's default is 4). */
  retries?: number;
  /** At most `limit` runs at once per key value (e.g. per user: "event.data.userId"). */
  concurrency?: { key?: string; limit: number };
  /** Runs once `period` passes without another event for the key; `timeout` caps the wait. */
  debounce?: { key?: string; period: number | string; timeout?: number | string };
  /** A queued, sleeping or waiting run is cancelled when a matching event arrives (a running step finishes first). */
  cancelOn?: readonly EventMatch<JobEventName>[];
  onFailure?: (failure: JobFailure<TEvent>) => Promise<void>;
};

/** What a handler receives: its trigger events, plus the scheduler's tick when it has a cron. */
export type JobEventOf<E extends JobEventName, C extends string | undefined> = TriggerEvent<E> | (C extends string ? ScheduledEvent : never);

export type Job = {
  readonly id: string;
  readonly config: JobConfig<JobEventName, AnyJobEvent>;
  readonly concurrencyKey?: KeyExpression;
  readonly debounceKey?: KeyExpression;
  /** The job's own code: the embedded engine calls it and keeps the run's state itself. */
  handler(ctx: JobContext<AnyJobEvent>): Promise<unknown>;
  /** The handler wrapped with run recording for the job runs view: what Inngest calls. */
  run(ctx: JobContext<AnyJobEvent>): Promise<unknown>;
  /** Called once, after the last attempt failed: records the failure (Inngest) and calls `onFailure`. */
  fail(failure: JobFailure<AnyJobEvent>): Promise<void>;
  toInngestFunction(client: Inngest): InngestFunction.Any;
};

export type AnyJobEvent = TriggerEvent<JobEventName> | ScheduledEvent;

export const DEFAULT_RETRIES = 4;

/** The user a run belongs to: job events about one user carry `userId`. */
export function runOwner(event: AnyJobEvent): string | null {
  const userId = (event.data as { userId?: unknown }).userId;
  return typeof userId === "string" ? userId : null;
}

/** What a person reads in the runs view: the root cause (drizzle wraps driver errors with the whole query), redacted. */
export function errorMessage(error: unknown): string {
  const root = error instanceof DrizzleQueryError && error.cause instanceof Error ? error.cause : error;
  return redactText(root instanceof Error ? root.message : String(root)).slice(0, 1000);
}

async function safely(what: string, action: () => Promise<void>) {
  try {
    await action();
  } catch (error) {
    logger.warn(`job run bookkeeping failed: ${what}`, { error });
  }
}

/** Records a change of a run's state, then tells its owner's open job runs list (system runs have no owner). */
async function recordAndAnnounce(what: string, event: AnyJobEvent, runId: string, record: () => Promise<void>) {
  await safely(what, record);
  const userId = runOwner(event);
  if (userId) await publishSafely(userId, "job:run_updated", { runId });
}

export function defineJob<E extends JobEventName = never, C extends string | undefined = undefined>(
  config: JobConfig<E, JobEventOf<E, C>> & { cron?: C },
  handler: (ctx: JobContext<JobEventOf<E, C>>) => Promise<unknown>,
): Job {
  if (!config.events?.length && !config.cron) throw new Error(`Job ${config.id} has no trigger`);
  const general = config as unknown as JobConfig<JobEventName, AnyJobEvent>;
  const identity = (event: AnyJobEvent, runId: string) => ({ runId, functionId: config.id, eventName: event.name, userId: runOwner(event) });
  return {
    id: config.id,
    config: general,
    concurrencyKey: config.concurrency?.key ? compileKeyExpression(config.concurrency.key) : undefined,
    debounceKey: config.debounce?.key ? compileKeyExpression(config.debounce.key) : undefined,
    handler: handler as (ctx: JobContext<AnyJobEvent>) => Promise<unknown>,
    async run(ctx) {
      const db = await getDb();
      const recordError = (error: unknown) => {
        metrics.jobRuns.inc({ job: config.id, outcome: "retrying" });
        return recordAndAnnounce("retrying", ctx.event, ctx.runId, () => recordRunOutcome(db, ctx.runId, { status: "retrying", error: errorMessage(error) }));
      };
      await recordAndAnnounce("attempt", ctx.event, ctx.runId, () => recordRunAttempt(db, { ...identity(ctx.event, ctx.runId), event: ctx.event, attempt: ctx.attempt }));
      // Inngest retries a failed step without the handler ever seeing the error, so record it inside the step.
      const step: JobStep = Object.assign(Object.create(ctx.step) as JobStep, {
        run: <T>(id: string, fn: () => T | Promise<T>) =>
          ctx.step.run(id, async () => {
            try {
              return await fn();
            } catch (error) {
              await recordError(error);
              throw error;
            }
          }),
      });
      try {
        const output = await handler({ ...ctx, step } as JobContext<JobEventOf<E, C>>);
        await recordAndAnnounce("completed", ctx.event, ctx.runId, () => recordRunOutcome(db, ctx.runId, { status: "completed", output }));
        metrics.jobRuns.inc({ job: config.id, outcome: "completed" });
        return output;
      } catch (error) {
        await recordError(error);
        throw error;
      }
    },
    async fail(failure) {
      const db = await getDb();
      logger.error("job failed after its retries", { job: config.id, runId: failure.runId, error: errorMessage(failure.error) });
      metrics.jobRuns.inc({ job: config.id, outcome: "failed" });
      await recordAndAnnounce("failed", failure.event, failure.runId, async () => {
        await recordRunFailure(db, { ...identity(failure.event, failure.runId), error: errorMessage(failure.error) });
      });
      await general.onFailure?.(failure);
    },
    toInngestFunction(client) {
      const job = this;
      const triggers = [...(config.events ?? []).map((name) => jobEventType(name)), ...(config.cron ? [{ cron: config.cron }] : [])];
      return client.createFunction(
        {
          id: config.id,
          name: config.name,
          retries: (config.retries ?? DEFAULT_RETRIES) as never,
          ...(config.concurrency ? { concurrency: config.concurrency } : {}),
          ...(config.debounce ? { debounce: config.debounce as never } : {}),
          // Inngest deprecated `match` for an `if` expression; ours is the same comparison written out.
          ...(config.cancelOn ? { cancelOn: config.cancelOn.map(({ event, match }) => ({ event, if: `async.${match} == event.${match}` })) } : {}),
          triggers: triggers as never,
          // Inngest hands the failure handler an "inngest/function.failed" event wrapping the original one.
          onFailure: async ({ event, error }: { event: { data: { event: AnyJobEvent; run_id: string } }; error: Error }) =>
            job.fail({ event: event.data.event, error, runId: event.data.run_id }),
        } as never,
        // Inngest's context is a superset of JobContext (its step tools type results as Jsonify<T>).
        ((ctx: JobContext<AnyJobEvent>) => job.run(ctx)) as never,
      ) as InngestFunction.Any;
    },
  };
}
