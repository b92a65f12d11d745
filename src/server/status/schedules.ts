import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { statusSchedules, userStatus } from "../db/schema";
import { AppError } from "../errors";
import { jobs } from "../jobs/send";
import { announceChange, lockStatusRow, NO_STATUS, sameTime, type StatusRow } from "./desired";
import type { ScheduleStatusInput } from "./inputs";
import { endStatusIf } from "./status";
import { findTemplate, requireTemplate } from "./templates";
import type { StatusSchedule } from "./types";

/**
 * Statuses planned ahead (the seed's scheduleStatusUpdate): a row per schedule, and a
 * durable run (run-status-schedule) that shows it at its start and clears it at its end,
 * cancelled by `status/schedule.cancelled`. Every query is filtered by the owner.
 *
 * While it shows, a schedule's status holds against heartbeats; a status the user sets
 * on the page afterwards replaces it, and the schedule's end then leaves that one alone.
 */

export const SCHEDULE_LIMITS = {
  /** How far ahead a status may be planned. */
  horizonDays: 90,
  /** Scheduled statuses not yet over, per user. */
  pending: 50,
} as const;

type ScheduleRow = typeof statusSchedules.$inferSelect;

async function named(db: DbOrTx, userId: string, row: ScheduleRow): Promise<StatusSchedule> {
  const template = await findTemplate(db, userId, row.templateKey);
  return { id: row.id, templateKey: row.templateKey, templateName: template?.name ?? row.templateKey, startAt: row.startAt, endAt: row.endAt, state: row.state };
}

export async function scheduleStatus(db: DbOrTx, userId: string, input: ScheduleStatusInput): Promise<StatusSchedule> {
  await requireTemplate(db, userId, input.template);
  const now = Date.now();
  if (input.startAt.getTime() <= now) throw new AppError("BAD_REQUEST", "Choose a start in the future: to show a status now, set it instead.");
  if (input.startAt.getTime() > now + SCHEDULE_LIMITS.horizonDays * 86_400_000) {
    throw new AppError("BAD_REQUEST", `Schedule a status at most ${SCHEDULE_LIMITS.horizonDays} days ahead.`);
  }
  const endAt = new Date(input.startAt.getTime() + input.durationMinutes * 60_000);
  const row = await db.transaction(async (tx) => {
    const pending = await tx
      .select({ id: statusSchedules.id })
      .from(statusSchedules)
      .where(and(eq(statusSchedules.userId, userId), inArray(statusSchedules.state, ["scheduled", "active"]), gt(statusSchedules.endAt, new Date())));
    if (pending.length >= SCHEDULE_LIMITS.pending) throw new AppError("PRECONDITION_FAILED", `You can have at most ${SCHEDULE_LIMITS.pending} scheduled statuses. Cancel one first.`);
    const [created] = await tx.insert(statusSchedules).values({ userId, templateKey: input.template, startAt: input.startAt, endAt }).returning();
    return created!;
  });
  await jobs.send({ name: "status/schedule.created", data: { userId, scheduleId: row.id } });
  return named(db, userId, row);
}

/** The caller's scheduled statuses not yet over, soonest first. */
export async function listSchedules(db: DbOrTx, userId: string): Promise<StatusSchedule[]> {
  const rows = await db
    .select()
    .from(statusSchedules)
    .where(and(eq(statusSchedules.userId, userId), inArray(statusSchedules.state, ["scheduled", "active"]), gt(statusSchedules.endAt, new Date())))
    .orderBy(asc(statusSchedules.startAt));
  return Promise.all(rows.map((row) => named(db, userId, row)));
}

async function ownSchedule(db: DbOrTx, userId: string, id: string, lock = false) {
  const query = db
    .select()
    .from(statusSchedules)
    .where(and(eq(statusSchedules.id, id), eq(statusSchedules.userId, userId)));
  const [row] = lock ? await query.for("update") : await query;
  return row ?? null;
}

/** Whether the status shown is this schedule's. */
const showsSchedule = (status: StatusRow, schedule: ScheduleRow) =>
  status.source === "schedule" && status.templateKey === schedule.templateKey && sameTime(status.expiresAt, schedule.endAt);

/** Cancels one of the caller's schedules (another user's is not found); one showing now is cleared at once. Cancelling twice is harmless. */
export async function cancelSchedule(db: DbOrTx, userId: string, id: string): Promise<StatusSchedule> {
  const found = await ownSchedule(db, userId, id);
  if (!found) throw new AppError("NOT_FOUND", "There is no such scheduled status.");
  if (found.state === "done" || found.state === "cancelled") return named(db, userId, found);
  await db.update(statusSchedules).set({ state: "cancelled" }).where(and(eq(statusSchedules.id, id), eq(statusSchedules.userId, userId)));
  await jobs.send({ name: "status/schedule.cancelled", data: { userId, scheduleId: id } });
  if (found.state === "active") await endStatusIf(db, userId, (row) => showsSchedule(row, found));
  return named(db, userId, { ...found, state: "cancelled" });
}

/** For the schedule's run: the times to sleep until (null: cancelled or gone meanwhile). */
export async function scheduleTimes(db: DbOrTx, userId: string, id: string): Promise<{ startAt: string; endAt: string } | null> {
  const row = await ownSchedule(db, userId, id);
  if (!row || row.state === "cancelled" || row.state === "done") return null;
  return { startAt: row.startAt.toISOString(), endAt: row.endAt.toISOString() };
}

/** For the schedule's run, at its start: shows its status (state active). A start missed past the end (the server was down) shows nothing. */
export async function startScheduledStatus(db: DbOrTx, userId: string, id: string): Promise<{ shown: boolean }> {
  const now = new Date();
  const result = await db.transaction(async (tx) => {
    const schedule = await ownSchedule(tx, userId, id, true);
    if (!schedule || schedule.state !== "scheduled") return { shown: schedule?.state === "active", change: null };
    if (schedule.endAt <= now) {
      await tx.update(statusSchedules).set({ state: "done" }).where(eq(statusSchedules.id, id));
      return { shown: false, change: null };
    }
    const before = await lockStatusRow(tx, userId);
    const expiresAt = schedule.endAt;
    const [after] = await tx
      .update(userStatus)
      .set({ ...NO_STATUS, templateKey: schedule.templateKey, source: "schedule", expiresAt, focusUntil: schedule.templateKey === "focus" ? expiresAt : null, changedAt: now })
      .where(eq(userStatus.userId, userId))
      .returning();
    await tx.update(statusSchedules).set({ state: "active" }).where(eq(statusSchedules.id, id));
    return { shown: true, change: { before, after: after! } };
  });
  if (result.change) await announceChange(db, userId, result.change.before, result.change.after);
  return { shown: result.shown };
}

/** For the schedule's run, at its end: clears its status if it is still the one shown (state done). */
export async function endScheduledStatus(db: DbOrTx, userId: string, id: string): Promise<{ cleared: boolean }> {
  const schedule = await ownSchedule(db, userId, id);
  if (!schedule || schedule.state === "cancelled") return { cleared: false };
  await db
    .update(statusSchedules)
    .set({ state: "done" })
    .where(and(eq(statusSchedules.id, id), inArray(statusSchedules.state, ["scheduled", "active"])));
  return endStatusIf(db, userId, (row) => showsSchedule(row, schedule));
}
