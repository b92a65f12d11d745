import { and, eq, inArray } from "drizzle-orm";
import type { RealtimePayload } from "~/lib/realtime/events";
import type { DbOrTx } from "../db/client";
import { calendars, focusBlocks } from "../db/schema";
import type { Env } from "../env";
import type { CalendarChanges, CalendarEvent, ProviderSession } from "../integrations/provider";
import { calendarProviders, type CalendarProviderId } from "../integrations/registry";
import { ProviderError } from "../integrations/resilience";
import { getPrivacySettings } from "../privacy/settings";
import { cachedTimes, keepOnlyEvents, removeEvents, writeEvents, type CalendarRow } from "./cache";
import { CALENDAR_SYNC, DAY_MS } from "./facts";

type Announcement = RealtimePayload<"calendar:event_updated">;

export type CalendarSyncResult = { calendarId: string; full: boolean; written: number; removed: number; blocksChanged: number; announcements: Announcement[] };

/** The window to read: the stored one while its cursor is good and it still reaches far enough ahead, else a fresh one. */
export function syncWindow(calendar: Pick<CalendarRow, "syncCursor" | "syncWindowFrom" | "syncWindowTo">, now: Date) {
  const reachesFarEnough = calendar.syncWindowTo !== null && calendar.syncWindowTo.getTime() >= now.getTime() + CALENDAR_SYNC.minFutureDays * DAY_MS;
  if (calendar.syncCursor && calendar.syncWindowFrom && reachesFarEnough) return { from: calendar.syncWindowFrom, to: calendar.syncWindowTo!, cursor: calendar.syncCursor };
  const from = new Date(Math.floor((now.getTime() - CALENDAR_SYNC.pastDays * DAY_MS) / DAY_MS) * DAY_MS);
  return { from, to: new Date(from.getTime() + (CALENDAR_SYNC.pastDays + CALENDAR_SYNC.futureDays) * DAY_MS), cursor: null };
}

/** Reads the changes; a cursor the provider no longer accepts (410) means starting again with a full read. */
async function readChanges(env: Env, session: ProviderSession, provider: CalendarProviderId, calendar: CalendarRow, window: { from: Date; to: Date; cursor: string | null }) {
  const range = { from: window.from.toISOString(), to: window.to.toISOString() };
  let changes: CalendarChanges = await calendarProviders[provider].syncEvents(env, session, calendar.externalId, range, window.cursor);
  if (changes.expired && window.cursor !== null) changes = await calendarProviders[provider].syncEvents(env, session, calendar.externalId, range, null);
  if (changes.expired) throw new ProviderError(provider, "bad_response", "The calendar refused a full sync as expired.");
  return changes satisfies Extract<CalendarChanges, { expired: false }>;
}

/**
 * One round of incremental sync for one calendar: the provider's changes into the cache (under
 * the user's privacy settings), focus blocks moved or deleted in the calendar brought back,
 * and the cursor kept for next time, all in one transaction.
 */
export async function syncCalendar(db: DbOrTx, env: Env, session: ProviderSession, provider: CalendarProviderId, calendar: CalendarRow, now = new Date()): Promise<CalendarSyncResult> {
  const window = syncWindow(calendar, now);
  const changes = await readChanges(env, session, provider, calendar, window);
  const settings = await getPrivacySettings(db, session.userId);
  const retentionDays = settings.integrations[provider]?.retentionDays ?? 90;
  const expiresAt = new Date(now.getTime() + retentionDays * DAY_MS);
  const live = changes.events.filter((event) => event.status !== "cancelled");
  const cancelled = changes.events.filter((event) => event.status === "cancelled").map((event) => event.id);

  return db.transaction(async (tx) => {
    const before = await cachedTimes(tx, calendar.id, changes.full ? null : [...live.map((event) => event.id), ...changes.removedIds, ...cancelled]);
    await writeEvents(tx, calendar, live, settings.calendar, expiresAt);
    const gone = changes.full
      ? [...(await keepOnlyEvents(tx, calendar.id, live.map((event) => event.id))), ...cancelled]
      : [...changes.removedIds, ...cancelled].filter((id) => before.has(id));
    if (!changes.full) await removeEvents(tx, calendar.id, [...changes.removedIds, ...cancelled]);
    const blocksChanged = await reconcileFocusBlocks(tx, calendar.id, live, changes.full ? gone : [...changes.removedIds, ...cancelled]);
    await tx
      .update(calendars)
      .set({ syncCursor: changes.cursor, syncWindowFrom: window.from, syncWindowTo: window.to, lastSyncedAt: now })
      .where(eq(calendars.id, calendar.id));
    return { calendarId: calendar.id, full: changes.full, written: live.length, removed: gone.length, blocksChanged, announcements: announce(provider, calendar, live, gone, before) };
  });
}

/** What changed for the pages: new events, moved ones, removed ones (not the untouched ones a full sync re-reads). */
function announce(provider: CalendarProviderId, calendar: CalendarRow, live: CalendarEvent[], gone: string[], before: Map<string, { start: number; end: number }>): Announcement[] {
  const announcements: Announcement[] = [];
  for (const event of live) {
    const known = before.get(event.id);
    if (known && known.start === Date.parse(event.start) && known.end === Date.parse(event.end)) continue;
    announcements.push({ provider, calendarId: calendar.externalId.slice(0, 300), eventId: event.id.slice(0, 1024), change: known ? "updated" : "created", start: new Date(event.start).toISOString(), end: new Date(event.end).toISOString() });
  }
  for (const id of gone) announcements.push({ provider, calendarId: calendar.externalId.slice(0, 300), eventId: id.slice(0, 1024), change: "deleted" });
  return announcements.slice(0, CALENDAR_SYNC.announceLimit);
}

/**
 * Bidirectional focus blocks: a block's event moved in the calendar moves the block here; its
 * event deleted (or cancelled) there deletes it here. Returns how many blocks changed.
 */
async function reconcileFocusBlocks(db: DbOrTx, calendarId: string, live: CalendarEvent[], gone: string[]) {
  const ids = [...live.map((event) => event.id), ...gone];
  if (ids.length === 0) return 0;
  const blocks = await db
    .select({ id: focusBlocks.id, externalId: focusBlocks.externalId, startAt: focusBlocks.startAt, endAt: focusBlocks.endAt })
    .from(focusBlocks)
    .where(and(eq(focusBlocks.calendarId, calendarId), eq(focusBlocks.state, "active"), inArray(focusBlocks.externalId, ids)));
  let changed = 0;
  const now = new Date();
  for (const block of blocks) {
    const event = live.find((candidate) => candidate.id === block.externalId);
    if (!event) {
      await db.update(focusBlocks).set({ state: "deleted", updatedAt: now }).where(eq(focusBlocks.id, block.id));
      changed += 1;
      continue;
    }
    const startAt = new Date(event.start);
    const endAt = new Date(event.end);
    if (startAt.getTime() === block.startAt.getTime() && endAt.getTime() === block.endAt.getTime()) continue;
    await db.update(focusBlocks).set({ startAt, endAt, updatedAt: now }).where(eq(focusBlocks.id, block.id));
    changed += 1;
  }
  return changed;
}
