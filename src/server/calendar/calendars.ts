import { and, asc, desc, eq, notInArray } from "drizzle-orm";
import { providerName } from "~/lib/providers";
import type { DbOrTx } from "../db/client";
import { calendars } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { requireIntegration } from "../integrations/connections";
import type { ProviderSession } from "../integrations/provider";
import { calendarProviders, isCalendarProvider, type CalendarProviderId } from "../integrations/registry";
import type { JobEvent } from "../jobs/events";
import type { CalendarRow } from "./cache";

/** The provider's calendar list, kept: new calendars appear (included), renamed ones update, removed ones go with their events. */
export async function refreshCalendarList(db: DbOrTx, env: Env, session: ProviderSession, provider: CalendarProviderId): Promise<CalendarRow[]> {
  const integration = await requireIntegration(db, session.userId, provider);
  const listed = await calendarProviders[provider].listCalendars(env, session);
  for (const calendar of listed) {
    const facts = { name: calendar.name, color: calendar.color, primary: calendar.primary, canWrite: calendar.canWrite, timeZone: calendar.timeZone };
    await db
      .insert(calendars)
      .values({ integrationId: integration.id, userId: session.userId, provider, externalId: calendar.id, ...facts })
      .onConflictDoUpdate({ target: [calendars.integrationId, calendars.externalId], set: facts });
  }
  await db.delete(calendars).where(and(eq(calendars.integrationId, integration.id), listed.length ? notInArray(calendars.externalId, listed.map((calendar) => calendar.id)) : undefined));
  return calendarsOf(db, session.userId, { provider });
}

/** The user's calendars (of one provider, or only the included ones), primary first. */
export async function calendarsOf(db: DbOrTx, userId: string, filter: { provider?: CalendarProviderId; included?: boolean } = {}): Promise<CalendarRow[]> {
  return db
    .select()
    .from(calendars)
    .where(and(eq(calendars.userId, userId), filter.provider ? eq(calendars.provider, filter.provider) : undefined, filter.included === undefined ? undefined : eq(calendars.included, filter.included)))
    .orderBy(asc(calendars.provider), desc(calendars.primary), asc(calendars.name));
}

const notFound = () => new AppError("NOT_FOUND", "No such calendar. It may have been removed at the provider; reload the page.");

/** One of the user's calendars; another user's is not found (never "forbidden": ids say nothing). */
export async function requireCalendar(db: DbOrTx, userId: string, calendarId: string): Promise<CalendarRow> {
  const [row] = await db.select().from(calendars).where(and(eq(calendars.id, calendarId), eq(calendars.userId, userId)));
  if (!row) throw notFound();
  return row;
}

/** What the page and the desktop app see of a calendar: never a cursor or a watch token. */
function calendarView(row: CalendarRow, now = new Date()) {
  return {
    id: row.id,
    provider: row.provider as CalendarProviderId,
    providerName: providerName(row.provider),
    name: row.name,
    color: row.color,
    primary: row.primary,
    canWrite: row.canWrite,
    included: row.included,
    timeZone: row.timeZone,
    lastSyncedAt: row.lastSyncedAt,
    live: row.watchExpiresAt !== null && row.watchExpiresAt > now,
  };
}

/** calendar.calendars(): by provider, primary first. */
export async function listCalendars(db: DbOrTx, userId: string) {
  return (await calendarsOf(db, userId)).map((row) => calendarView(row));
}

/** Includes or leaves out one calendar; returns it. The events stay cached either way (the next sync keeps them current). */
export async function setCalendarIncluded(db: DbOrTx, userId: string, calendarId: string, included: boolean) {
  const [row] = await db.update(calendars).set({ included }).where(and(eq(calendars.id, calendarId), eq(calendars.userId, userId))).returning();
  if (!row) throw notFound();
  return calendarView(row);
}

/** The calendar a focus block goes to when none is named: the primary writable one, Google before Microsoft. */
export async function defaultWritableCalendar(db: DbOrTx, userId: string): Promise<CalendarRow> {
  const rows = (await calendarsOf(db, userId)).filter((row) => row.canWrite);
  const chosen = rows.find((row) => row.primary && row.included) ?? rows.find((row) => row.included) ?? rows[0];
  if (!chosen) throw new AppError("PRECONDITION_FAILED", `Connect ${providerName("google")} or ${providerName("microsoft")} with a calendar you can write to, then book focus time.`);
  return chosen;
}

/** A sync of each calendar provider the user has calendars at. */
export async function calendarSyncRequests(db: DbOrTx, userId: string): Promise<JobEvent[]> {
  const rows = await db.selectDistinct({ provider: calendars.provider }).from(calendars).where(eq(calendars.userId, userId));
  return rows.filter((row) => isCalendarProvider(row.provider)).map((row) => ({ name: "calendar/sync.requested", data: { userId, provider: row.provider as CalendarProviderId } }));
}
