import { eq } from "drizzle-orm";
import type { NotificationCategory, NotificationChannel } from "~/lib/notifications/catalog";
import { refusedFieldDetails, ZNotificationPreferences, type NotificationPreferences, type NotificationPreferencesPatch } from "~/lib/schemas/notifications";
import { supportedLocaleOr, type SupportedLocale } from "~/lib/schemas/locale";
import type { DbOrTx } from "../db/client";
import { notificationPreferences, users } from "../db/schema";
import { AppError } from "../errors";

/** The user's preferences, defaults filled in (a missing row is all defaults). */
export async function getNotificationPreferences(db: DbOrTx, userId: string): Promise<NotificationPreferences> {
  const [row] = await db.select({ settings: notificationPreferences.settings }).from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  return ZNotificationPreferences.parse(row?.settings ?? {});
}

/** A user's preferences and the locale their times are written in (users.locale): what deciding and delivering need. */
export type NotificationSettings = { preferences: NotificationPreferences; locale: SupportedLocale };

/** Both in one read (the user's row, their preferences' row if any), defaults filled in. */
export async function getNotificationSettings(db: DbOrTx, userId: string): Promise<NotificationSettings> {
  const [row] = await db
    .select({ settings: notificationPreferences.settings, locale: users.locale })
    .from(users)
    .leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
    .where(eq(users.id, userId));
  return { preferences: ZNotificationPreferences.parse(row?.settings ?? {}), locale: supportedLocaleOr(row?.locale) };
}

/** Applies a validated change (categories one at a time, the rest as given); returns the preferences now in force. */
export async function updateNotificationPreferences(db: DbOrTx, userId: string, patch: NotificationPreferencesPatch): Promise<NotificationPreferences> {
  const current = await getNotificationPreferences(db, userId);
  const categories = { ...current.categories };
  for (const [category, change] of Object.entries(patch.categories ?? {}) as [NotificationCategory, { channels?: NotificationChannel[]; frequency?: NotificationPreferences["categories"][NotificationCategory]["frequency"] }][]) {
    categories[category] = { ...categories[category], ...change };
  }
  // Parsed again as a whole: a channel the category cannot use is refused here, with the field named.
  const parsed = ZNotificationPreferences.safeParse({ ...current, ...patch, categories, quietHours: { ...current.quietHours, ...patch.quietHours } });
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "), refusedFieldDetails(parsed.error.issues));
  const next = parsed.data;
  await db
    .insert(notificationPreferences)
    .values({ userId, settings: next })
    .onConflictDoUpdate({ target: notificationPreferences.userId, set: { settings: next, updatedAt: new Date() } });
  return next;
}

/** One-click unsubscribe (RFC 8058): email off for one category, everything else kept. */
export async function turnOffEmailFor(db: DbOrTx, userId: string, category: NotificationCategory): Promise<NotificationPreferences> {
  const current = await getNotificationPreferences(db, userId);
  return updateNotificationPreferences(db, userId, { categories: { [category]: { channels: current.categories[category].channels.filter((channel) => channel !== "email") } } });
}
