import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { calendars, focusBlocks, users } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { providerSession } from "../integrations/connections";
import { calendarProviders, type CalendarProviderId } from "../integrations/registry";
import { publishSafely } from "../realtime/publisher";
import type { JobEvent } from "../jobs/events";
import { jobs } from "../jobs/send";
import { logger } from "../logger";
import { focusReminderCancelled, focusReminderRequested } from "../notifications/producers/focus-reminders";
import { defaultWritableCalendar, requireCalendar } from "./calendars";
import { rruleFor, type CreateFocusBlockInput, type UpdateFocusBlockInput } from "./inputs";

/**
 * Focus blocks booked from DevPulse. Creating is a durable job (create-focus-block): the row is
 * written first, and its id is the client-chosen id the provider call is made with (Google's
 * event id, Graph's transactionId), so however often the job retries, one event is made.
 * Editing and deleting go to the provider at once (both are idempotent there). Moves and
 * deletions made in the calendar come back through sync (sync.ts).
 */

export type FocusBlockRow = typeof focusBlocks.$inferSelect;

const MINUTE_MS = 60_000;

function shown(row: FocusBlockRow, provider: string) {
  return {
    id: row.id,
    calendarId: row.calendarId,
    provider: provider as CalendarProviderId,
    title: row.title,
    description: row.description,
    projectId: row.projectId,
    startTime: row.startAt,
    endTime: row.endAt,
    duration: Math.round((row.endAt.getTime() - row.startAt.getTime()) / MINUTE_MS),
    timeZone: row.timeZone,
    recurrence: row.recurrence,
    notifications: row.reminders,
    kind: row.kind,
    state: row.state,
    error: row.lastError,
  };
}
export type FocusBlockView = ReturnType<typeof shown>;

async function userTimeZone(db: DbOrTx, userId: string) {
  const [row] = await db.select({ timezone: users.timezone }).from(users).where(eq(users.id, userId));
  return row?.timezone ?? "UTC";
}

/** calendar.createFocusBlock: written here, made in the calendar by the job; the page follows it live. */
export async function requestFocusBlock(db: DbOrTx, userId: string, input: CreateFocusBlockInput): Promise<FocusBlockView> {
  const calendar = input.calendarId ? await requireCalendar(db, userId, input.calendarId) : await defaultWritableCalendar(db, userId);
  if (!calendar.canWrite) throw new AppError("BAD_REQUEST", `You cannot add events to "${calendar.name}". Choose a calendar of your own.`);
  const startAt = input.startTime;
  const [row] = await db
    .insert(focusBlocks)
    .values({
      userId,
      calendarId: calendar.id,
      title: input.title,
      description: input.description ?? null,
      projectId: input.projectId ?? null,
      startAt,
      endAt: new Date(startAt.getTime() + input.duration * MINUTE_MS),
      timeZone: input.timeZone ?? (await userTimeZone(db, userId)),
      recurrence: input.recurrence ? rruleFor(input.recurrence) : null,
      reminders: input.notifications,
      autoDecline: input.autoDecline,
    })
    .returning();
  await jobs.send({ name: "calendar/focus-block.requested", data: { userId, blockId: row!.id } });
  return shown(row!, calendar.provider);
}

async function blockWithCalendar(db: DbOrTx, userId: string, blockId: string) {
  const [row] = await db.select().from(focusBlocks).where(and(eq(focusBlocks.id, blockId), eq(focusBlocks.userId, userId)));
  if (!row || row.state === "deleted") throw new AppError("NOT_FOUND", "No such focus block. It may have been deleted in your calendar.");
  return { block: row, calendar: await requireCalendar(db, userId, row.calendarId) };
}

/**
 * The job's step: makes the block's event, or finds the one an earlier attempt made. Safe to
 * repeat (at-least-once): the provider call is idempotent on the block's id, and a block no
 * longer "creating" is left alone.
 */
export async function createFocusBlockEvent(db: DbOrTx, env: Env, userId: string, blockId: string) {
  const [block] = await db.select().from(focusBlocks).where(and(eq(focusBlocks.id, blockId), eq(focusBlocks.userId, userId)));
  if (!block || block.state !== "creating") return { skipped: block?.state ?? "gone" };
  const calendar = await requireCalendar(db, userId, block.calendarId);
  const provider = calendar.provider as CalendarProviderId;
  const session = await providerSession(db, env, userId, provider);
  const created = await calendarProviders[provider].createFocusBlock(env, session, calendar.externalId, {
    clientId: block.id,
    title: block.title,
    description: block.description,
    start: block.startAt.toISOString(),
    end: block.endAt.toISOString(),
    timeZone: block.timeZone,
    recurrence: block.recurrence,
    autoDecline: block.autoDecline,
    reminders: block.reminders,
  });
  const [row] = await db
    .update(focusBlocks)
    .set({ externalId: created.eventId, kind: created.kind, state: "active", lastError: null, updatedAt: new Date() })
    .where(and(eq(focusBlocks.id, block.id), eq(focusBlocks.state, "creating")))
    .returning();
  await publishSafely(userId, "calendar:event_updated", { provider, calendarId: calendar.externalId.slice(0, 300), eventId: created.eventId.slice(0, 1024), change: "created", start: block.startAt.toISOString(), end: block.endAt.toISOString() });
  if (row) await sendReminderEvents([focusReminderRequested(userId, block.id, block.startAt)]);
  return { eventId: created.eventId, kind: created.kind, state: row?.state ?? "active" };
}

/** The job gave up: the block says why, for the page to show (and offer to delete). */
export async function markFocusBlockFailed(db: DbOrTx, userId: string, blockId: string, message: string) {
  const [failed] = await db
    .update(focusBlocks)
    .set({ state: "failed", lastError: message.slice(0, 500), updatedAt: new Date() })
    .where(and(eq(focusBlocks.id, blockId), eq(focusBlocks.userId, userId), eq(focusBlocks.state, "creating")))
    .returning({ calendarId: focusBlocks.calendarId });
  if (!failed) return;
  const calendar = await requireCalendar(db, userId, failed.calendarId);
  await publishSafely(userId, "calendar:event_updated", { provider: calendar.provider as CalendarProviderId, calendarId: calendar.externalId.slice(0, 300), eventId: blockId, change: "deleted" });
}

/** calendar.updateFocusBlock: the calendar first, then here (a refusal there leaves both as they were). */
export async function updateFocusBlock(db: DbOrTx, env: Env, userId: string, input: UpdateFocusBlockInput): Promise<FocusBlockView> {
  const { block, calendar } = await blockWithCalendar(db, userId, input.id);
  if (block.state !== "active" || !block.externalId) throw new AppError("CONFLICT", "This focus block is not in your calendar yet. Wait until it is, or delete it.");
  const startAt = input.startTime ?? block.startAt;
  const minutes = input.duration ?? Math.round((block.endAt.getTime() - block.startAt.getTime()) / MINUTE_MS);
  const endAt = new Date(startAt.getTime() + minutes * MINUTE_MS);
  const provider = calendar.provider as CalendarProviderId;
  const session = await providerSession(db, env, userId, provider);
  await calendarProviders[provider].updateFocusBlock(env, session, calendar.externalId, block.externalId, {
    ...(input.title ? { title: input.title } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    start: startAt.toISOString(),
    end: endAt.toISOString(),
    timeZone: block.timeZone,
  });
  const [row] = await db
    .update(focusBlocks)
    .set({ title: input.title ?? block.title, description: input.description === undefined ? block.description : input.description, startAt, endAt, updatedAt: new Date() })
    .where(eq(focusBlocks.id, block.id))
    .returning();
  await publishSafely(userId, "calendar:event_updated", { provider, calendarId: calendar.externalId.slice(0, 300), eventId: block.externalId.slice(0, 1024), change: "updated", start: startAt.toISOString(), end: endAt.toISOString() });
  // Moved: the reminder for the old start is cancelled, one for the new start sleeps instead.
  if (startAt.getTime() !== block.startAt.getTime()) await sendReminderEvents([focusReminderCancelled(userId, block.id), focusReminderRequested(userId, block.id, startAt)]);
  return shown(row!, provider);
}

/** calendar.deleteFocusBlock: removed from the calendar (gone already counts), then here. */
export async function deleteFocusBlock(db: DbOrTx, env: Env, userId: string, blockId: string) {
  const { block, calendar } = await blockWithCalendar(db, userId, blockId);
  const provider = calendar.provider as CalendarProviderId;
  if (block.externalId) await calendarProviders[provider].deleteFocusBlock(env, await providerSession(db, env, userId, provider), calendar.externalId, block.externalId);
  await db.update(focusBlocks).set({ state: "deleted", updatedAt: new Date() }).where(eq(focusBlocks.id, block.id));
  await sendReminderEvents([focusReminderCancelled(userId, block.id)]);
  await publishSafely(userId, "calendar:event_updated", { provider, calendarId: calendar.externalId.slice(0, 300), eventId: (block.externalId ?? block.id).slice(0, 1024), change: "deleted" });
  return { deleted: true, id: block.id };
}

/** The focus reminder's events, one after the other (a cancel before the new request); a failure is logged, never thrown into the block's change. */
async function sendReminderEvents(events: JobEvent[]) {
  for (const event of events) {
    try {
      await jobs.send(event);
    } catch (error) {
      logger.warn("focus reminder event not sent", { event: event.name, error });
    }
  }
}

/** calendar.focusBlocks: the user's blocks overlapping a range (creating, active and failed ones), in time order. */
export async function listFocusBlocks(db: DbOrTx, userId: string, range: { from: Date; to: Date }) {
  const rows = await db
    .select({ block: focusBlocks, provider: calendars.provider })
    .from(focusBlocks)
    .innerJoin(calendars, eq(calendars.id, focusBlocks.calendarId))
    .where(and(eq(focusBlocks.userId, userId), inArray(focusBlocks.state, ["creating", "active", "failed"]), lt(focusBlocks.startAt, range.to), gt(focusBlocks.endAt, range.from)))
    .orderBy(asc(focusBlocks.startAt));
  return rows.map((row) => shown(row.block, row.provider));
}

/** The next active block from now (the dashboard's "next focus block"). */
export async function nextFocusBlock(db: DbOrTx, userId: string, now = new Date()) {
  const [row] = await db
    .select()
    .from(focusBlocks)
    .where(and(eq(focusBlocks.userId, userId), eq(focusBlocks.state, "active"), gt(focusBlocks.endAt, now)))
    .orderBy(asc(focusBlocks.startAt))
    .limit(1);
  return row ? { id: row.id, title: row.title, startTime: row.startAt, endTime: row.endAt, running: row.startAt <= now } : null;
}

