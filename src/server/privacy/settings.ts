import { eq } from "drizzle-orm";
import { ZPrivacySettings, type PrivacySettings, type PrivacySettingsPatch } from "~/lib/schemas/privacy";
import type { DbOrTx } from "../db/client";
import { privacySettings } from "../db/schema";
import { recordProcessing } from "./processing-log";

/** The user's settings, defaults filled in (a missing row is all defaults). */
export async function getPrivacySettings(db: DbOrTx, userId: string): Promise<PrivacySettings> {
  const [row] = await db.select({ settings: privacySettings.settings }).from(privacySettings).where(eq(privacySettings.userId, userId));
  return ZPrivacySettings.parse(row?.settings ?? {});
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
    retentionPolicy: { ...current.retentionPolicy, ...patch.retentionPolicy },
  });
}

/** Applies a validated change and records it in the processing log; returns the settings now in force. */
export async function updatePrivacySettings(db: DbOrTx, userId: string, patch: PrivacySettingsPatch): Promise<PrivacySettings> {
  const next = merge(await getPrivacySettings(db, userId), patch);
  await db
    .insert(privacySettings)
    .values({ userId, settings: next })
    .onConflictDoUpdate({ target: privacySettings.userId, set: { settings: next, updatedAt: new Date() } });
  await recordProcessing(db, userId, {
    activity: "settings_change",
    purpose: "Apply the privacy settings you chose",
    legalBasis: "consent",
    details: { changed: Object.keys(patch) },
  });
  return next;
}
