import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "../db/client";
import { jobConcurrencySlots, jobEvents, jobRuns, jobSchedules, jobSteps, users, type JobRunStatus } from "../db/schema";
import { durationToMs } from "inngest";
import type { AnyJobEvent, Job } from "./define-job";
import { cancelledRunColumns, summariseOutput } from "./runs";

/**
 * The embedded engine's durable state, as domain functions over the job tables
 * (schema: job_runs, job_steps, job_events, job_concurrency_slots, job_schedules).
 * The runner (runner.ts) decides; this module is the only place that reads or writes
 * those rows. Every write that continues a run checks the caller still holds its
 * lease, so an instance that lost a run (lease expired, cancelled) cannot touch it.
 */

/** How long an accepted event id is remembered: a second send within this window is a no-op. */
export const EVENT_ID_WINDOW_MS = 24 * 60 * 60 * 1000;

export type StoredEvent = AnyJobEvent & { id: string; ts: number };

/** The jobs an engine runs, indexed for routing events. */
export type JobIndex = {
  byId: ReadonlyMap<string, Job>;
  byEvent: ReadonlyMap<string, readonly Job[]>;
  /** cancelOn rules by the event that cancels. */
  cancelledBy: ReadonlyMap<string, readonly { job: Job; match: string }[]>;
  functionIds: readonly string[];
};

export function indexJobs(jobs: readonly Job[]): JobIndex {
  const byEvent = new Map<string, Job[]>();
  const cancelledBy = new Map<string, { job: Job; match: string }[]>();
  for (const job of jobs) {
    for (const name of job.config.events ?? []) byEvent.set(name, [...(byEvent.get(name) ?? []), job]);
    for (const rule of job.config.cancelOn ?? []) cancelledBy.set(rule.event, [...(cancelledBy.get(rule.event) ?? []), { job, match: rule.match }]);
  }
  return { byId: new Map(jobs.map((job) => [job.id, job])), byEvent, cancelledBy, functionIds: jobs.map((job) => job.id) };
}

/** The value at a dot path of an event ("data.userId"), as Inngest's `match` reads it; JSON so types compare too. */
export function matchValue(event: unknown, path: string): string {
  let value: unknown = event;
  for (const key of path.split(".")) value = value !== null && typeof value === "object" && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  return JSON.stringify(value ?? null);
}

const cancelKey = (eventName: string, value: string) => `${eventName} ${value}`;

function cancelKeysOf(job: Job, event: AnyJobEvent): string[] | null {
  const rules = job.config.cancelOn ?? [];
  return rules.length ? rules.map((rule) => cancelKey(rule.event, matchValue(event, rule.match))) : null;
}

function ownerOf(event: AnyJobEvent): string | null {
  const userId = (event.data as { userId?: unknown }).userId;
  return typeof userId === "string" ? userId : null;
}

/** The owner if the account still exists: a run about a deleted account is a system run, not an error at send time. */
const existingUser = (userId: string | null) => (userId ? sql`(select ${users.id} from ${users} where ${users.id} = ${userId})` : null);

const after = (now: Date, ms: number) => new Date(now.getTime() + ms);

export type AcceptResult = {
  /** Runs created, cancelled or woken, by owner: whom to tell. */
  touched: { runId: string; userId: string | null }[];
  /** The earliest time a new run is due (a debounce window may put it later than now). */
  dueAt: Date | null;
};

/**
 * Accepts events in one transaction: remembers their ids (a repeat within 24 h is a no-op),
 * cancels the runs their cancelOn rules match, wakes the runs waiting for them, and queues
 * a run per triggered job (a debounced job's window is one queued row, moved on by each event).
 */
export async function acceptEvents(tx: Tx, index: JobIndex, events: readonly StoredEvent[], now = new Date()): Promise<AcceptResult> {
  const result: AcceptResult = { touched: [], dueAt: null };
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  if (!unique.length) return result;
  const fresh = await tx
    .insert(jobEvents)
    .values(unique.map((event) => ({ id: event.id, userId: existingUser(ownerOf(event)), name: event.name, data: event.data, receivedAt: now })))
    .onConflictDoUpdate({
      target: jobEvents.id,
      set: { name: sql`excluded.name`, userId: sql`excluded.user_id`, data: sql`excluded.data`, receivedAt: sql`excluded.received_at` },
      setWhere: lt(jobEvents.receivedAt, new Date(now.getTime() - EVENT_ID_WINDOW_MS)),
    })
    .returning({ id: jobEvents.id });
  const freshIds = new Set(fresh.map((row) => row.id));
  const accepted = unique.filter((event) => freshIds.has(event.id));
  if (!accepted.length) return result;
  // A handful of statements per batch, whatever its size: cancels and wakes first (a run is never cancelled by its own trigger).
  result.touched.push(...(await cancelMatchingRuns(tx, index, accepted, now)));
  result.touched.push(...(await wakeWaitingRuns(tx, accepted, now)));
  for (const queued of await queueRuns(tx, index, accepted, now)) {
    result.touched.push(queued);
    if (!result.dueAt || queued.nextAt < result.dueAt) result.dueAt = queued.nextAt;
  }
  return result;
}

async function cancelMatchingRuns(tx: Tx, index: JobIndex, events: readonly StoredEvent[], now: Date) {
  const touched: AcceptResult["touched"] = [];
  const rules = [...new Set(events.map((event) => event.name))].flatMap((name) => (index.cancelledBy.get(name) ?? []).map((rule) => ({ ...rule, name })));
  for (const { job, match, name } of rules) {
    const keys = events.filter((event) => event.name === name).map((event) => cancelKey(name, matchValue(event, match)));
    const cancelled = await tx
      .update(jobRuns)
      .set(cancelledRunColumns(now, `Cancelled by ${name}`))
      .where(and(eq(jobRuns.functionId, job.id), isNull(jobRuns.finishedAt), sql`${jobRuns.cancelKeys} && array[${sql.join(keys.map((key) => sql`${key}`), sql`, `)}]::text[]`))
      .returning({ runId: jobRuns.runId, userId: jobRuns.userId });
    touched.push(...cancelled);
  }
  return touched;
}

async function wakeWaitingRuns(tx: Tx, events: readonly StoredEvent[], now: Date) {
  const waiting = await tx
    .select({ runId: jobRuns.runId, userId: jobRuns.userId, waitStep: jobRuns.waitStep, waitEvent: jobRuns.waitEvent, waitMatch: jobRuns.waitMatch, waitValue: jobRuns.waitValue })
    .from(jobRuns)
    .where(and(eq(jobRuns.status, "waiting"), inArray(jobRuns.waitEvent, [...new Set(events.map((event) => event.name))])))
    .for("update", { skipLocked: true });
  const woken: AcceptResult["touched"] = [];
  for (const run of waiting) {
    // The first matching event of the batch wakes the run, as the first to arrive would.
    const event = events.find((candidate) => candidate.name === run.waitEvent && (run.waitMatch === null || matchValue(candidate, run.waitMatch) === run.waitValue));
    if (!event) continue;
    await tx.insert(jobSteps).values({ runId: run.runId, stepKey: run.waitStep!, output: event, completedAt: now }).onConflictDoNothing();
    await tx.update(jobRuns).set({ status: "queued", nextAt: now, ...clearedWait }).where(eq(jobRuns.runId, run.runId));
    woken.push({ runId: run.runId, userId: run.userId });
  }
  return woken;
}

const clearedWait = { waitStep: null, waitEvent: null, waitMatch: null, waitValue: null };

type QueuedRun = { runId: string; userId: string | null; nextAt: Date };

function runRow(job: Job, event: StoredEvent, now: Date) {
  return {
    runId: randomUUID(),
    userId: existingUser(ownerOf(event)),
    functionId: job.id,
    eventName: event.name,
    status: "queued" as const,
    event,
    nextAt: now,
    startedAt: now,
    concurrencyKey: job.config.concurrency ? (job.concurrencyKey?.(event) ?? "") : null,
    cancelKeys: cancelKeysOf(job, event),
  };
}

const queuedColumns = { runId: jobRuns.runId, userId: jobRuns.userId, nextAt: jobRuns.nextAt };

/** One run per event and triggered job: the plain ones in one insert, each debounced one into its window. */
async function queueRuns(tx: Tx, index: JobIndex, events: readonly StoredEvent[], now: Date): Promise<QueuedRun[]> {
  const plain: ReturnType<typeof runRow>[] = [];
  const queued: QueuedRun[] = [];
  for (const event of events) {
    for (const job of index.byEvent.get(event.name) ?? []) {
      if (job.config.debounce) queued.push(await queueDebouncedRun(tx, job, event, now));
      else plain.push(runRow(job, event, now));
    }
  }
  if (plain.length) queued.push(...(await tx.insert(jobRuns).values(plain).returning(queuedColumns)).map((row) => ({ ...row, nextAt: row.nextAt! })));
  return queued;
}

/** One queued row per debounce key: each event moves its end on (the last event wins), never past the timeout. */
async function queueDebouncedRun(tx: Tx, job: Job, event: StoredEvent, now: Date): Promise<QueuedRun> {
  const debounce = job.config.debounce!;
  const windowEnd = after(now, durationToMs(debounce.period));
  const cap = debounce.timeout === undefined ? null : after(now, durationToMs(debounce.timeout));
  const [queued] = await tx
    .insert(jobRuns)
    .values({ ...runRow(job, event, now), debounceKey: job.debounceKey?.(event) ?? "", nextAt: cap && cap < windowEnd ? cap : windowEnd, debounceUntil: cap })
    .onConflictDoUpdate({
      target: [jobRuns.functionId, jobRuns.debounceKey],
      targetWhere: sql`status = 'queued' and debounce_key is not null`,
      set: {
        event: sql`excluded.event`,
        eventName: sql`excluded.event_name`,
        userId: sql`excluded.user_id`,
        concurrencyKey: sql`excluded.concurrency_key`,
        cancelKeys: sql`excluded.cancel_keys`,
        nextAt: sql`least(excluded.next_at, coalesce(${jobRuns.debounceUntil}, excluded.next_at))`,
      },
    })
    .returning(queuedColumns);
  return { ...queued!, nextAt: queued!.nextAt! };
}

/** A cron tick: only the first instance to record the tick queues the run. */
export async function fireScheduledTick(tx: Tx, job: Job, tick: Date, now = new Date()) {
  const [won] = await tx
    .update(jobSchedules)
    .set({ lastTickAt: tick })
    .where(and(eq(jobSchedules.functionId, job.id), lt(jobSchedules.lastTickAt, tick)))
    .returning({ functionId: jobSchedules.functionId });
  if (!won) return null;
  return queueScheduledRun(tx, job, tick, now);
}

export async function queueScheduledRun(tx: Tx, job: Job, tick: Date, now = new Date()): Promise<QueuedRun> {
  const event: StoredEvent = { name: "inngest/scheduled.timer", data: { cron: job.config.cron! }, id: `cron ${job.id} ${tick.toISOString()}`, ts: tick.getTime() };
  const [queued] = await tx.insert(jobRuns).values(runRow(job, event, now)).returning(queuedColumns);
  return { ...queued!, nextAt: queued!.nextAt! };
}

/** The last recorded tick of each cron job, recording `now` for a job seen for the first time (it has missed nothing). */
export async function lastScheduledTicks(db: DbOrTx, jobIds: readonly string[], now = new Date()): Promise<Map<string, Date>> {
  if (!jobIds.length) return new Map();
  await db
    .insert(jobSchedules)
    .values(jobIds.map((functionId) => ({ functionId, lastTickAt: now })))
    .onConflictDoNothing();
  const rows = await db.select().from(jobSchedules).where(inArray(jobSchedules.functionId, [...jobIds]));
  return new Map(rows.map((row) => [row.functionId, row.lastTickAt]));
}

export type ClaimedRun = {
  runId: string;
  functionId: string;
  userId: string | null;
  event: StoredEvent;
  attempt: number;
  /** The state it was claimed from: a run claimed from `waiting` timed out. */
  previousStatus: JobRunStatus;
};

/**
 * Claims up to `limit` due runs of the given jobs for this instance: unfinished runs whose
 * `nextAt` passed (including running ones whose lease expired: their instance is gone).
 * `FOR UPDATE SKIP LOCKED`, so instances never claim the same run. A run of a job with a
 * concurrency limit is claimed only with a free slot; one without is looked at again later.
 */
export async function claimDueRuns(
  tx: Tx,
  jobsById: ReadonlyMap<string, Job>,
  claim: { owner: string; limit: number; leaseMs: number; retryBusyMs: number },
  now = new Date(),
): Promise<ClaimedRun[]> {
  const due = await tx
    .select({
      runId: jobRuns.runId,
      functionId: jobRuns.functionId,
      userId: jobRuns.userId,
      event: jobRuns.event,
      attempt: jobRuns.attempt,
      status: jobRuns.status,
      waitStep: jobRuns.waitStep,
      concurrencyKey: jobRuns.concurrencyKey,
    })
    .from(jobRuns)
    .where(and(isNull(jobRuns.finishedAt), lte(jobRuns.nextAt, now), inArray(jobRuns.functionId, [...jobsById.keys()])))
    .orderBy(asc(jobRuns.nextAt))
    .limit(claim.limit)
    .for("update", { skipLocked: true });
  const leaseUntil = after(now, claim.leaseMs);
  const claimed: ClaimedRun[] = [];
  for (const run of due) {
    const limit = jobsById.get(run.functionId)?.config.concurrency?.limit;
    if (limit !== undefined && !(await takeConcurrencySlot(tx, run.functionId, run.concurrencyKey ?? "", limit, run.runId, leaseUntil, now))) {
      await tx.update(jobRuns).set({ nextAt: after(now, claim.retryBusyMs) }).where(eq(jobRuns.runId, run.runId));
      continue;
    }
    if (run.status === "waiting" && run.waitStep) {
      // The wait timed out: the step's result is null, as on Inngest.
      await tx.insert(jobSteps).values({ runId: run.runId, stepKey: run.waitStep, output: null, completedAt: now }).onConflictDoNothing();
    }
    await tx
      .update(jobRuns)
      .set({ status: "running", leaseOwner: claim.owner, leaseUntil, nextAt: leaseUntil, debounceKey: null, ...clearedWait })
      .where(eq(jobRuns.runId, run.runId));
    claimed.push({ runId: run.runId, functionId: run.functionId, userId: run.userId, event: run.event as StoredEvent, attempt: run.attempt, previousStatus: run.status });
  }
  return claimed;
}

async function takeConcurrencySlot(tx: Tx, functionId: string, concurrencyKey: string, limit: number, runId: string, leaseUntil: Date, now: Date) {
  for (let slot = 0; slot < limit; slot++) {
    const [taken] = await tx
      .insert(jobConcurrencySlots)
      .values({ functionId, concurrencyKey, slot, runId, leaseUntil })
      .onConflictDoUpdate({
        target: [jobConcurrencySlots.functionId, jobConcurrencySlots.concurrencyKey, jobConcurrencySlots.slot],
        set: { runId, leaseUntil },
        setWhere: or(lt(jobConcurrencySlots.leaseUntil, now), eq(jobConcurrencySlots.runId, runId)),
      })
      .returning({ slot: jobConcurrencySlots.slot });
    if (taken) return true;
  }
  return false;
}

/** The run's completed steps: what a replay returns instead of running them again. */
export async function loadSteps(db: DbOrTx, runId: string): Promise<Map<string, unknown>> {
  const rows = await db.select({ stepKey: jobSteps.stepKey, output: jobSteps.output }).from(jobSteps).where(eq(jobSteps.runId, runId));
  return new Map(rows.map((row) => [row.stepKey, row.output]));
}

export type Lease = { runId: string; owner: string; leaseMs: number };

/** Extends the lease if this instance still holds the run; false when it was cancelled or taken over. */
async function holdLease(tx: DbOrTx, lease: Lease, now: Date, extra: Partial<typeof jobRuns.$inferInsert> = {}) {
  const leaseUntil = after(now, lease.leaseMs);
  const [held] = await tx
    .update(jobRuns)
    .set({ leaseUntil, nextAt: leaseUntil, ...extra })
    .where(and(eq(jobRuns.runId, lease.runId), eq(jobRuns.leaseOwner, lease.owner), eq(jobRuns.status, "running")))
    .returning({ runId: jobRuns.runId });
  if (held) await tx.update(jobConcurrencySlots).set({ leaseUntil }).where(eq(jobConcurrencySlots.runId, lease.runId));
  return Boolean(held);
}

export function renewLease(db: DbOrTx, lease: Lease, now = new Date()) {
  return holdLease(db, lease, now);
}

/**
 * Memoises a completed step and,
 * for step.sendEvent, accepts its events in the same transaction, so a replay never sends twice.
 */
export async function completeStep(
  db: Db,
  lease: Lease,
  step: { key: string; output: unknown; events?: { index: JobIndex; events: StoredEvent[] } },
  now = new Date(),
): Promise<{ held: boolean; accepted?: AcceptResult }> {
  return db.transaction(async (tx) => {
    if (!(await holdLease(tx, lease, now))) return { held: false };
    const accepted = step.events ? await acceptEvents(tx, step.events.index, step.events.events, now) : undefined;
    await tx.insert(jobSteps).values({ runId: lease.runId, stepKey: step.key, output: step.output ?? null, completedAt: now }).onConflictDoNothing();
    return { held: true, accepted };
  });
}

/** Sets a run aside until `until` (a sleep) or until an event or the timeout (a wait), releasing its lease and slot. */
export async function suspendRun(
  db: Db,
  lease: Lease,
  suspension: { kind: "sleep"; key: string; until: Date } | { kind: "wait"; key: string; event: string; match: string | null; value: string | null; until: Date },
  now = new Date(),
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const wait =
      suspension.kind === "wait"
        ? { status: "waiting" as const, waitStep: suspension.key, waitEvent: suspension.event, waitMatch: suspension.match, waitValue: suspension.value }
        : { status: "sleeping" as const };
    const [held] = await tx
      .update(jobRuns)
      .set({ ...wait, nextAt: suspension.until, leaseOwner: null, leaseUntil: null })
      .where(and(eq(jobRuns.runId, lease.runId), eq(jobRuns.leaseOwner, lease.owner), eq(jobRuns.status, "running")))
      .returning({ runId: jobRuns.runId });
    if (!held) return false;
    // A sleep's end is memoised at once: a replay knows when it was due, however late it resumes.
    if (suspension.kind === "sleep") await tx.insert(jobSteps).values({ runId: lease.runId, stepKey: suspension.key, output: { until: suspension.until.toISOString() }, completedAt: now }).onConflictDoNothing();
    await tx.delete(jobConcurrencySlots).where(eq(jobConcurrencySlots.runId, lease.runId));
    return true;
  });
}

/** Ends an attempt: completed, failed for good, or retrying at `nextAt`. Only while this instance holds the run. */
export async function finishAttempt(
  db: Db,
  lease: Lease,
  outcome: { status: "completed"; output: unknown } | { status: "failed"; error: string; attempt: number } | { status: "retrying"; error: string; attempt: number; nextAt: Date },
  now = new Date(),
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const set =
      outcome.status === "completed"
        ? { status: outcome.status, output: summariseOutput(outcome.output), error: null, finishedAt: now, nextAt: null }
        : outcome.status === "failed"
          ? { status: outcome.status, error: outcome.error, attempt: outcome.attempt, finishedAt: now, nextAt: null }
          : { status: outcome.status, error: outcome.error, attempt: outcome.attempt, nextAt: outcome.nextAt };
    const [held] = await tx
      .update(jobRuns)
      .set({ ...set, leaseOwner: null, leaseUntil: null })
      .where(and(eq(jobRuns.runId, lease.runId), eq(jobRuns.leaseOwner, lease.owner), eq(jobRuns.status, "running")))
      .returning({ runId: jobRuns.runId });
    await tx.delete(jobConcurrencySlots).where(eq(jobConcurrencySlots.runId, lease.runId));
    // A completed run is never replayed: its memoised results (which may hold provider data) go now.
    // A failed run keeps them, so a retry does not repeat its completed steps.
    if (held && outcome.status === "completed") await tx.delete(jobSteps).where(eq(jobSteps.runId, lease.runId));
    return Boolean(held);
  });
}

/** At shutdown: hands this instance's unfinished runs back at once instead of after their lease. */
export async function releaseLeases(db: DbOrTx, owner: string, runIds: readonly string[], now = new Date()) {
  if (!runIds.length) return;
  await db
    .update(jobRuns)
    .set({ leaseOwner: null, leaseUntil: null, nextAt: now })
    .where(and(inArray(jobRuns.runId, [...runIds]), eq(jobRuns.leaseOwner, owner), eq(jobRuns.status, "running")));
  await db.delete(jobConcurrencySlots).where(inArray(jobConcurrencySlots.runId, [...runIds]));
}

/**
 * At start on a database only this process opens (PGlite): runs left running by a previous
 * process are due now, not after their lease: that process is gone.
 */
export async function reclaimOrphanedRuns(db: DbOrTx, functionIds: readonly string[], now = new Date()) {
  if (!functionIds.length) return;
  await db
    .update(jobRuns)
    .set({ leaseOwner: null, leaseUntil: null, nextAt: now })
    .where(and(eq(jobRuns.status, "running"), isNull(jobRuns.finishedAt), inArray(jobRuns.functionId, [...functionIds])));
  await db.delete(jobConcurrencySlots).where(inArray(jobConcurrencySlots.functionId, [...functionIds]));
}

/** Unfinished runs of these jobs on this engine (for `idle`), and when the next is due. Inngest's rows have no `nextAt`. */
export async function pendingRuns(db: DbOrTx, functionIds: readonly string[], dueBy?: Date): Promise<{ count: number; nextAt: Date | null }> {
  if (!functionIds.length) return { count: 0, nextAt: null };
  const [row] = await db
    .select({ count: sql<number>`count(*)::int`, nextAt: sql<string | null>`min(${jobRuns.nextAt})` })
    .from(jobRuns)
    .where(and(isNull(jobRuns.finishedAt), isNotNull(jobRuns.nextAt), inArray(jobRuns.functionId, [...functionIds]), dueBy ? lte(jobRuns.nextAt, dueBy) : undefined));
  return { count: Number(row?.count ?? 0), nextAt: row?.nextAt ? new Date(row.nextAt) : null };
}
