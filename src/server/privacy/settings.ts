import { eq } from "drizzle-orm";
import { ZPrivacySettings, type PrivacySettings, type PrivacySettingsPatch } from "~/lib/schemas/privacy";
import type { DbOrTx } from "../db/client";
import { privacySettings } from "../db/schema";
import { AppError } from "../errors";
import { recordProcessing } from "./processing-log";
import { applyCalendarPrivacy } from "../calendar/cache";
import { calendarSyncRequests } from "../calendar/calendars";
import { jobs } from "../jobs/send";

/** The user's settings, defaults filled in (a missing row is all defaults). */
export async function getPrivacySettings(db: DbOrTx, userId: string): Promise<PrivacySettings> {
  const [row] = await db.select({ settings: privacySettings.settings }).from(privacySettings).where(eq(privacySettings.userId, userId));
  return privacySettingsFrom(row?.settings);
}

/** Settings as stored (or no row: undefined/null), with defaults filled in, for callers that read the row in a larger query. */
export function privacySettingsFrom(stored: unknown): PrivacySettings {
  return ZPrivacySettings.parse(stored ?? {});
}

function merge(current: PrivacySettings, patch: PrivacySettingsPatch): PrivacySettings {
  const integrations = { ...current.integrations };
  for (const [provider, change] of Object.entries(patch.integrations ?? {})) {
    const key = provider as keyof typeof integrations;
    integrations[key] = { ...(integrations[key] ?? ZPrivacySettings.shape.integrations.unwrap().valueType.parse({})), ...change };
  }
  return ZPrivacySettings.parse({
    enableCloudSync: patch.enableCloudSync ?? current.enableCloudSync,
    collections: { ...current.collections, ...patch.collections },
    integrations,
    statusSharing: { ...current.statusSharing, ...patch.statusSharing },
    calendar: { ...current.calendar, ...patch.calendar },
    retentionPolicy: { ...current.retentionPolicy, ...patch.retentionPolicy },
  });
}

export async function writePrivacySettings(db: DbOrTx, userId: string, settings: PrivacySettings) {
  await db
    .insert(privacySettings)
    .values({ userId, settings })
    .onConflictDoUpdate({ target: privacySettings.userId, set: { settings, updatedAt: new Date() } });
}

/**
 * Applies a validated change and records it in the processing log; returns the
 * settings now in force. Cloud sync and an integration's `enabled` are switched
 * by a consent decision (privacy.recordConsent), never here.
 */
export async function updatePrivacySettings(db: DbOrTx, userId: string, patch: PrivacySettingsPatch): Promise<PrivacySettings> {
  if (patch.enableCloudSync !== undefined || Object.values(patch.integrations ?? {}).some((change) => change?.enabled !== undefined)) {
    throw new AppError("BAD_REQUEST", "Cloud sync and integrations are switched on or off by giving or withdrawing consent (privacy.recordConsent).");
  }
  const current = await getPrivacySettings(db, userId);
  const next = merge(current, patch);
  await writePrivacySettings(db, userId, next);
  // Withheld now means gone now, not at the next sync; allowed now means read again in full.
  if (patch.calendar && (await applyCalendarPrivacy(db, userId, current.calendar, next.calendar))) await jobs.send(await calendarSyncRequests(db, userId));
  await recordProcessing(db, userId, {
    activity: "settings_change",
    purpose: "Apply the privacy settings you chose",
    legalBasis: "consent",
    details: { changed: Object.keys(patch) },
  });
  return next;
}
