import { and, desc, eq, gt, inArray, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { jobRuns, unfinishedJobRunStatuses, type JobRunStatus } from "../db/schema";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { publishSafely } from "../realtime/publisher";
import { jobModeOf, type JobMode } from "./client";
import { InvalidJobEventError, type JobEvent } from "./events";

/** Outputs larger than this are summarised: the view shows outcomes, not payloads. */
const MAX_OUTPUT_BYTES = 2048;

export type RunIdentity = { runId: string; functionId: string; eventName: string; userId: string | null };

/** An attempt is starting (first run or a retry); idempotent per run id, as Inngest re-invokes a run per step. */
export async function recordRunAttempt(db: DbOrTx, run: RunIdentity & { event: unknown; attempt: number }) {
  await db
    .insert(jobRuns)
    .values({ ...run, status: "running" })
    .onConflictDoUpdate({ target: jobRuns.runId, set: { status: "running", attempt: run.attempt } });
}

export async function recordRunOutcome(
  db: DbOrTx,
  runId: string,
  outcome: { status: Exclude<JobRunStatus, "running">; error?: string; output?: unknown },
) {
  const finished = outcome.status === "completed" || outcome.status === "failed";
  await db
    .update(jobRuns)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      ...(outcome.output !== undefined ? { output: summariseOutput(outcome.output) } : {}),
      ...(finished ? { finishedAt: new Date() } : {}),
    })
    .where(eq(jobRuns.runId, runId));
}

/** The run failed for good (its row may not exist yet if bookkeeping of its attempts failed). */
export async function recordRunFailure(db: DbOrTx, run: RunIdentity & { error: string }) {
  const finishedAt = new Date();
  await db
    .insert(jobRuns)
    .values({ ...run, status: "failed", finishedAt })
    .onConflictDoUpdate({ target: jobRuns.runId, set: { status: "failed", error: run.error, finishedAt } });
}

/** What both engines store of a run's output. */
export function summariseOutput(output: unknown): unknown {
  const json = JSON.stringify(output ?? null);
  return json.length <= MAX_OUTPUT_BYTES ? JSON.parse(json) : { truncated: true, bytes: json.length };
}

/** What the runs view and the operators' list show of a run: its state, never its trigger event's data. */
const runColumns = {
  runId: jobRuns.runId,
  functionId: jobRuns.functionId,
  eventName: jobRuns.eventName,
  status: jobRuns.status,
  attempt: jobRuns.attempt,
  /** When the run is next due: a sleep's end, the next attempt, a wait's timeout (embedded engine only). */
  nextAt: jobRuns.nextAt,
  /** The event a waiting run waits for. */
  waitEvent: jobRuns.waitEvent,
  error: jobRuns.error,
  output: jobRuns.output,
  startedAt: jobRuns.startedAt,
  finishedAt: jobRuns.finishedAt,
};

/** The user's latest job runs, newest first (system runs, which have no user, are never listed). */
export async function listJobRuns(db: DbOrTx, userId: string, limit = 50) {
  return db.select(runColumns).from(jobRuns).where(eq(jobRuns.userId, userId)).orderBy(desc(jobRuns.startedAt)).limit(limit);
}

/** Operators: the latest runs of every user and of the system, optionally in one state, newest first. */
export async function listAllJobRuns(db: DbOrTx, options: { status?: JobRunStatus; limit: number }) {
  return db
    .select({ ...runColumns, userId: jobRuns.userId })
    .from(jobRuns)
    .where(options.status ? eq(jobRuns.status, options.status) : undefined)
    .orderBy(desc(jobRuns.startedAt))
    .limit(options.limit);
}

/** How far back failed runs count as recent in the backlog. */
export const RECENT_FAILURES_MS = 24 * 60 * 60 * 1000;

type UnfinishedJobRunStatus = (typeof unfinishedJobRunStatuses)[number];

export type JobBacklog = Record<UnfinishedJobRunStatus, number> & {
  /** Unfinished runs whose time has come (queued, a sleep or retry that is over, a lease that expired) but that no instance has picked up. */
  due: number;
  /** Since when the oldest of those has been due: how far behind the engine is. */
  oldestDueAt: Date | null;
  failedLast24h: number;
};

/** Operators: the runs not finished yet, by state, what is overdue, and recent failures (deep health). */
export async function jobBacklog(db: DbOrTx, now = new Date()): Promise<JobBacklog> {
  const countOf = (condition: SQL | undefined) => sql<number>`count(*) filter (where ${condition})`.mapWith(Number);
  const unfinished = isNull(jobRuns.finishedAt);
  // A running run's next_at is its lease's end: one past it belongs to an instance that is gone, so it is due too.
  const isDue = and(unfinished, lte(jobRuns.nextAt, now));
  const failedRecently = and(eq(jobRuns.status, "failed"), gt(jobRuns.finishedAt, new Date(now.getTime() - RECENT_FAILURES_MS)));
  const byStatus = Object.fromEntries(unfinishedJobRunStatuses.map((status) => [status, countOf(and(unfinished, eq(jobRuns.status, status)))])) as Record<UnfinishedJobRunStatus, SQL<number>>;
  // One pass over the table: an aggregate without GROUP BY always answers one row.
  const [row] = await db
    .select({
      ...byStatus,
      due: countOf(isDue),
      oldestDueAt: sql<string | null>`min(${jobRuns.nextAt}) filter (where ${isDue})`,
      failedLast24h: countOf(failedRecently),
    })
    .from(jobRuns)
    .where(or(unfinished, failedRecently));
  return { ...row!, oldestDueAt: row!.oldestDueAt ? new Date(row!.oldestDueAt) : null };
}

/** The states a run may be retried from: it ended without completing. */
export const retryableJobRunStatuses = ["failed", "cancelled"] as const satisfies readonly JobRunStatus[];

/** Who asks for a retry: a user may retry only their own runs; an operator (the CLI) any run. */
export type RetryRequest = { runId: string } & ({ userId: string } | { operator: true });

export type RetriedRun = {
  runId: string;
  engine: JobMode;
  /** requeued: the same run continues (embedded engine); resent: its event started a new run (Inngest). */
  outcome: "requeued" | "resent";
  /** The ids of the events sent again (resent only). */
  eventIds: string[];
  message: string;
};

/** The engine a retry goes through; tests and the CLI pass their own, the app uses the process's. */
export type RetryEngine = {
  mode: JobMode;
  send(events: JobEvent): Promise<{ ids: string[] }>;
  /** Tells this process's embedded engine to look for due work now (the server has one; the CLI does not). */
  wake?: () => void;
};

async function processEngine(): Promise<RetryEngine> {
  // Imported when used: send.ts imports every job, and the jobs import this module.
  const { getJobRunner, jobs } = await import("./send");
  return {
    mode: jobModeOf(getEnv()),
    send: (event) => jobs.send(event),
    wake: () => (getJobRunner() as { wake?: () => void }).wake?.(),
  };
}

const notFound = () => new AppError("NOT_FOUND", "There is no such job run.");

/**
 * Runs a failed (or cancelled) run again. On the embedded engine the same run is requeued: its
 * completed steps are kept, so only what had not completed runs again, with a fresh retry budget.
 * Inngest keeps run state itself and offers no replay through its Event API, so there the run's
 * trigger event is sent again and starts a new run; the old one stays as it ended.
 * Another user's run is answered exactly like a run that does not exist.
 */
export async function retryJobRun(db: DbOrTx, request: RetryRequest, engine?: RetryEngine): Promise<RetriedRun> {
  const owned = "userId" in request ? eq(jobRuns.userId, request.userId) : undefined;
  const [run] = await db
    .select({ status: jobRuns.status, userId: jobRuns.userId, event: jobRuns.event })
    .from(jobRuns)
    .where(and(eq(jobRuns.runId, request.runId), owned))
    .limit(1);
  if (!run) throw notFound();
  const retryable = (retryableJobRunStatuses as readonly JobRunStatus[]).includes(run.status);
  if (!retryable) throw new AppError("CONFLICT", `Only a failed or cancelled run can be retried; this one is ${run.status}.`, { status: run.status });
  const event = storedEvent(run.event);
  if (!event) throw new AppError("CONFLICT", "This run has no recorded trigger event, so it cannot be run again.");
  const using = engine ?? (await processEngine());
  const retried = using.mode === "in-process" ? await requeue(db, request.runId, using) : await resend(request.runId, event, using);
  if (run.userId) await publishSafely(run.userId, "job:run_updated", { runId: request.runId });
  return retried;
}

function storedEvent(value: unknown): { name: string; data: unknown } | null {
  if (!value || typeof value !== "object") return null;
  const { name, data } = value as { name?: unknown; data?: unknown };
  return typeof name === "string" ? { name, data: data ?? {} } : null;
}

async function requeue(db: DbOrTx, runId: string, engine: RetryEngine): Promise<RetriedRun> {
  // Guarded by the status, so two retries at once requeue the run once and the other is told why.
  const [requeued] = await db
    .update(jobRuns)
    .set({
      status: "queued",
      attempt: 0,
      error: null,
      finishedAt: null,
      nextAt: sql`now()`,
      leaseOwner: null,
      leaseUntil: null,
      // A run cancelled while it waited or sat in a debounce window starts over from its steps, not from that state.
      waitStep: null,
      waitEvent: null,
      waitMatch: null,
      waitValue: null,
      debounceKey: null,
      debounceUntil: null,
    })
    .where(and(eq(jobRuns.runId, runId), inArray(jobRuns.status, [...retryableJobRunStatuses])))
    .returning({ runId: jobRuns.runId });
  if (!requeued) throw new AppError("CONFLICT", "This run was retried or changed meanwhile; reload to see where it stands.");
  engine.wake?.();
  return { runId, engine: engine.mode, outcome: "requeued", eventIds: [], message: "The run is queued again; the steps it completed are not repeated." };
}

async function resend(runId: string, event: { name: string; data: unknown }, engine: RetryEngine): Promise<RetriedRun> {
  try {
    // No id: the original one is within Inngest's 24-hour deduplication window.
    const { ids } = await engine.send({ name: event.name, data: event.data } as JobEvent);
    return { runId, engine: engine.mode, outcome: "resent", eventIds: ids, message: "Its event was sent again: Inngest starts a new run, listed above this one." };
  } catch (error) {
    // A scheduled run's tick, or an event whose shape has changed since: nothing valid to send.
    if (error instanceof InvalidJobEventError) throw new AppError("CONFLICT", `This run cannot be started again: ${error.message}`);
    throw error;
  }
}

/**
 * What a cancelled run's row holds, wherever a run is cancelled: finished (no engine claims it and no
 * idle() waits for it), nothing due, no lease.
 */
export function cancelledRunColumns(finishedAt: Date | SQL, error?: string) {
  return { status: "cancelled" as const, finishedAt, nextAt: null, leaseOwner: null, leaseUntil: null, ...(error === undefined ? {} : { error }) };
}

/**
 * Operators: stops an unfinished run for good (on the embedded engine, which reads these columns).
 * A step that is executing at that moment finishes, but the run does not go on.
 * Returns the run's new state, or null when there is no such run; a finished run is left as it is.
 */
export async function cancelJobRun(db: DbOrTx, runId: string): Promise<{ cancelled: boolean; status: JobRunStatus } | null> {
  const [cancelled] = await db
    .update(jobRuns)
    .set(cancelledRunColumns(sql`now()`))
    .where(and(eq(jobRuns.runId, runId), isNull(jobRuns.finishedAt), inArray(jobRuns.status, [...unfinishedJobRunStatuses])))
    .returning({ userId: jobRuns.userId });
  if (cancelled) {
    if (cancelled.userId) await publishSafely(cancelled.userId, "job:run_updated", { runId });
    return { cancelled: true, status: "cancelled" };
  }
  const [run] = await db.select({ status: jobRuns.status }).from(jobRuns).where(eq(jobRuns.runId, runId)).limit(1);
  return run ? { cancelled: false, status: run.status } : null;
}
