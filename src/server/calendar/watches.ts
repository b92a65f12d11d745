import { randomBytes } from "node:crypto";
import { and, eq, isNotNull, lt, or, isNull } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { calendars } from "../db/schema";
import type { Env } from "../env";
import { sha256Hex } from "../hash";
import { logger } from "../logger";
import type { CalendarWatch, ProviderSession } from "../integrations/provider";
import { calendarProviders, type CalendarProviderId } from "../integrations/registry";
import { constantTimeEqual } from "../integrations/webhooks";
import type { CalendarRow } from "./cache";
import { CALENDAR_SYNC } from "./facts";

/**
 * Push notifications for each included calendar: a Google channel or a Graph subscription,
 * renewed before it expires, stopped when the calendar is left out or disconnected. Each
 * watch gets a fresh random token; only its hash is kept, and a delivery's token is checked
 * against it in constant time.
 */

/** Where a provider delivers: /api/webhooks/google-calendar, /api/webhooks/microsoft-calendar. */
export const notificationAddress = (env: Env, provider: CalendarProviderId) => `${env.appUrl}/api/webhooks/${provider}-calendar`;

const storedWatch = (row: CalendarRow): CalendarWatch | null =>
  row.watchId && row.watchExpiresAt ? { id: row.watchId, resourceId: row.watchResourceId, expiresAt: row.watchExpiresAt } : null;

/**
 * Stores the calendar's watch; with `replacing`, only if the stored one is still that one (a
 * sync and a renewal may renew the same watch at once: the second to store loses, and stops its own).
 */
async function keepWatch(db: DbOrTx, calendarId: string, watch: CalendarWatch | null, token: string | null, replacing?: string | null): Promise<boolean> {
  const stored = await db
    .update(calendars)
    .set({ watchId: watch?.id ?? null, watchResourceId: watch?.resourceId ?? null, watchExpiresAt: watch?.expiresAt ?? null, watchTokenHash: token ? sha256Hex(token) : null })
    .where(and(eq(calendars.id, calendarId), replacing === undefined ? undefined : replacing === null ? isNull(calendars.watchId) : eq(calendars.watchId, replacing)))
    .returning({ id: calendars.id });
  return stored.length > 0;
}

/**
 * Every included calendar watched with at least `renewWithinMs` to go; left-out ones not watched.
 * A calendar whose watch cannot be made (the provider refuses push for it) is synced hourly
 * instead: logged, not failed.
 */
export async function ensureWatches(db: DbOrTx, env: Env, session: ProviderSession, provider: CalendarProviderId, rows: CalendarRow[], now = new Date()) {
  const implementation = calendarProviders[provider];
  const result = { created: 0, renewed: 0, stopped: 0, failed: 0 };
  for (const row of rows) {
    const current = storedWatch(row);
    if (!row.included) {
      if (current) {
        await implementation.stopWatch(env, session, current).catch((error: unknown) => logger.warn("could not stop a calendar watch", { provider, error }));
        await keepWatch(db, row.id, null, null);
        result.stopped += 1;
      }
      continue;
    }
    if (current && current.expiresAt.getTime() - now.getTime() > CALENDAR_SYNC.renewWithinMs) continue;
    const token = randomBytes(24).toString("base64url");
    const target = { address: notificationAddress(env, provider), token, expiresAt: new Date(now.getTime() + CALENDAR_SYNC.watchLifetimeMs) };
    try {
      const watch = current && current.expiresAt > now ? await implementation.renewWatch(env, session, row.externalId, current, target) : await implementation.watch(env, session, row.externalId, target);
      if (await keepWatch(db, row.id, watch, token, row.watchId)) result[current ? "renewed" : "created"] += 1;
      else if (watch.id !== row.watchId) await implementation.stopWatch(env, session, watch).catch((error: unknown) => logger.warn("could not stop a duplicate calendar watch", { provider, error }));
    } catch (error) {
      result.failed += 1;
      logger.warn("could not watch a calendar for changes; it is synced hourly instead", { provider, error });
    }
  }
  return result;
}

/** Stops every watch of the user's calendars at one provider (disconnecting): best effort, the rows go anyway. */
export async function stopWatches(db: DbOrTx, env: Env, session: ProviderSession, provider: CalendarProviderId) {
  const rows = await db.select().from(calendars).where(and(eq(calendars.userId, session.userId), eq(calendars.provider, provider), isNotNull(calendars.watchId)));
  for (const row of rows) {
    const watch = storedWatch(row);
    if (watch) await calendarProviders[provider].stopWatch(env, session, watch).catch((error: unknown) => logger.warn("could not stop a calendar watch", { provider, error }));
    await keepWatch(db, row.id, null, null);
  }
  return rows.length;
}

/** The users and providers with an included calendar whose watch is missing or expires soon (the hourly renewal). */
export async function watchesDueForRenewal(db: DbOrTx, now = new Date()) {
  const rows = await db
    .selectDistinct({ userId: calendars.userId, provider: calendars.provider })
    .from(calendars)
    .where(and(eq(calendars.included, true), or(isNull(calendars.watchExpiresAt), lt(calendars.watchExpiresAt, new Date(now.getTime() + CALENDAR_SYNC.renewWithinMs)))));
  return rows.filter((row): row is { userId: string; provider: CalendarProviderId } => Object.hasOwn(calendarProviders, row.provider));
}

/** The calendar a delivery names, if its token matches (constant time); null otherwise. */
export async function calendarForDelivery(db: DbOrTx, provider: CalendarProviderId, watchId: string, token: string | null): Promise<CalendarRow | null> {
  if (!token) return null;
  const [row] = await db.select().from(calendars).where(and(eq(calendars.provider, provider), eq(calendars.watchId, watchId)));
  if (!row?.watchTokenHash) return null;
  return constantTimeEqual(sha256Hex(token), row.watchTokenHash) ? row : null;
}

/** Forgets a watch the provider says is gone (Graph's subscriptionRemoved): the next ensureWatches makes a new one. */
export async function forgetWatch(db: DbOrTx, calendarId: string) {
  await keepWatch(db, calendarId, null, null);
}
