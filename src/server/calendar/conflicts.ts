import { and, eq, inArray, isNull, notInArray } from "drizzle-orm";
import { meetingToDecline } from "~/lib/calendar/decline";
import type { DbOrTx } from "../db/client";
import { calendarConflicts } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { providerSession } from "../integrations/connections";
import { calendarProviders, type CalendarProviderId } from "../integrations/registry";
import { notifySafely } from "../notifications/notify";
import { publishSafely } from "../realtime/publisher";
import { CALENDAR_SYNC, DAY_MS } from "./facts";
import { busyTimedEvents, shownSummary, type BusyTimedEvent } from "./events";
import { updateFocusBlock } from "./focus-blocks";
import { nextSlotAfter } from "./suggestions";

/**
 * Overlapping events across the user's included calendars: double bookings, and a meeting
 * landing on a focus block. A sync records the pairs it finds and announces the new ones;
 * each can be kept (both stay), declined (the meeting, at its provider) or resolved by
 * moving the focus block to the next suggested slot.
 */

type Timed = { id: string; start: number; end: number };

/** Every overlapping pair, by a sweep over start times (O(n log n + pairs)); each pair once, ids in a stable order. */
export function overlappingPairs<T extends Timed>(events: readonly T[]): [T, T][] {
  const sorted = [...events].sort((a, b) => a.start - b.start || a.end - b.end || a.id.localeCompare(b.id));
  const pairs: [T, T][] = [];
  let open: T[] = [];
  for (const event of sorted) {
    open = open.filter((candidate) => candidate.end > event.start);
    for (const earlier of open) pairs.push(earlier.id < event.id ? [earlier, event] : [event, earlier]);
    open.push(event);
  }
  return pairs;
}

export const conflictKey = (first: { id: string }, second: { id: string }) => `${first.id}:${second.id}`;

function describe(candidate: BusyTimedEvent) {
  const { event } = candidate;
  return {
    id: event.id,
    summary: shownSummary(event),
    startTime: event.startAt,
    endTime: event.endAt,
    calendarName: candidate.calendarName,
    provider: candidate.provider as CalendarProviderId,
    focusBlockId: candidate.blockId,
    focusTime: candidate.focus,
  };
}

/**
 * After a sync: the pairs overlapping now (from now to the horizon) are recorded; the new ones
 * are announced once. Pairs that no longer overlap and were never decided are forgotten.
 */
export async function detectConflicts(db: DbOrTx, userId: string, now = new Date()) {
  const pairs = overlappingPairs(await busyTimedEvents(db, userId, { range: { from: now, to: new Date(now.getTime() + CALENDAR_SYNC.conflictHorizonDays * DAY_MS) } }));
  const keys = pairs.map(([first, second]) => conflictKey(first, second));
  await db.delete(calendarConflicts).where(and(eq(calendarConflicts.userId, userId), isNull(calendarConflicts.decision), keys.length ? notInArray(calendarConflicts.key, keys) : undefined));
  if (pairs.length === 0) return { total: 0, new: 0 };
  const added = await db
    .insert(calendarConflicts)
    .values(pairs.map(([first, second]) => ({ userId, key: conflictKey(first, second), firstEventId: first.id, secondEventId: second.id })))
    .onConflictDoNothing()
    .returning({ key: calendarConflicts.key });
  if (added.length) {
    const fresh = pairs.filter(([first, second]) => added.some((row) => row.key === conflictKey(first, second)));
    const announcement = {
      count: added.length,
      start: new Date(Math.min(...fresh.map(([first, second]) => Math.max(first.start, second.start)))).toISOString(),
      focusBlock: fresh.some(([first, second]) => first.focus || second.focus),
    };
    await publishSafely(userId, "calendar:conflict_detected", announcement);
    await notifySafely(db, userId, "calendar.conflict_detected", announcement);
  }
  return { total: pairs.length, new: added.length };
}

/** calendar.conflicts: the undecided overlaps in a range, with what can be done about each. */
export async function listConflicts(db: DbOrTx, userId: string, range: { from: Date; to: Date }) {
  const pairs = overlappingPairs(await busyTimedEvents(db, userId, { range }));
  if (pairs.length === 0) return [];
  const decisions = await db
    .select({ key: calendarConflicts.key, decision: calendarConflicts.decision })
    .from(calendarConflicts)
    .where(and(eq(calendarConflicts.userId, userId), inArray(calendarConflicts.key, pairs.map(([first, second]) => conflictKey(first, second)))));
  const decidedKeys = new Set(decisions.filter((row) => row.decision !== null).map((row) => row.key));
  return pairs
    .filter(([first, second]) => !decidedKeys.has(conflictKey(first, second)))
    .map(([first, second]) => {
      const block = [first, second].find((side) => side.blockId !== null);
      const meeting = [first, second].find((side) => side !== block && !side.focus);
      return {
        key: conflictKey(first, second),
        kind: (first.focus || second.focus ? "focus_block" : "double_booking") as "focus_block" | "double_booking",
        first: describe(first),
        second: describe(second),
        overlapStart: new Date(Math.max(first.start, second.start)),
        overlapEnd: new Date(Math.min(first.end, second.end)),
        actions: { move: block !== undefined, decline: meeting !== undefined, keep: true },
      };
    });
}

async function recordDecision(db: DbOrTx, userId: string, key: string, decision: "kept" | "declined" | "moved") {
  await db.update(calendarConflicts).set({ decision, decidedAt: new Date() }).where(and(eq(calendarConflicts.userId, userId), eq(calendarConflicts.key, key)));
}

/** calendar.resolveConflict: keep both, decline the meeting at its provider, or move the focus block to the next suggested slot. */
export async function resolveConflict(db: DbOrTx, env: Env, userId: string, input: { key: string; action: "move" | "keep" | "decline"; timeZone?: string }) {
  // Two event ids: ZResolveConflict checked the key's form.
  const [firstId, secondId] = input.key.split(":") as [string, string];
  const sides = await busyTimedEvents(db, userId, { ids: [firstId, secondId] });
  if (sides.length !== 2 || overlappingPairs(sides).length !== 1) throw new AppError("NOT_FOUND", "This conflict is gone: one of the events moved or was removed. Reload the list.");
  await db.insert(calendarConflicts).values({ userId, key: input.key, firstEventId: firstId, secondEventId: secondId }).onConflictDoNothing();
  if (input.action === "keep") {
    await recordDecision(db, userId, input.key, "kept");
    return { action: "keep" as const };
  }
  if (input.action === "decline") {
    const meeting = meetingToDecline(sides, (side) => side.start, (side) => side.focus);
    if (!meeting) throw new AppError("BAD_REQUEST", "Both sides are focus time: move or delete one instead.");
    const provider = meeting.provider as CalendarProviderId;
    await calendarProviders[provider].declineEvent(env, await providerSession(db, env, userId, provider), meeting.calendarExternalId, meeting.event.externalId);
    await recordDecision(db, userId, input.key, "declined");
    return { action: "decline" as const, declined: describe(meeting) };
  }
  const block = sides.find((side) => side.blockId !== null);
  const other = sides.find((side) => side !== block);
  if (!block?.blockId || !other) throw new AppError("BAD_REQUEST", "Neither side is a focus block booked in DevPulse: there is nothing to move.");
  const slot = await nextSlotAfter(db, userId, { after: other.event.endAt, durationMinutes: Math.round((block.end - block.start) / 60_000), ignoreEventId: block.id, timeZone: input.timeZone });
  if (!slot) throw new AppError("PRECONDITION_FAILED", "No free slot of that length in the next two weeks' working hours. Shorten the block or keep both.");
  const moved = await updateFocusBlock(db, env, userId, { id: block.blockId, startTime: slot.start });
  await recordDecision(db, userId, input.key, "moved");
  return { action: "move" as const, block: moved };
}
