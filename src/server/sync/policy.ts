import type { SyncCollection } from "~/lib/schemas/collections";
import type { PrivacySettings } from "~/lib/schemas/privacy";
import { AppError } from "../errors";

const collectionNames: Record<SyncCollection, string> = { projects: "projects", activities: "activities", focus_sessions: "focus sessions", settings: "settings" };

/**
 * The single place that decides whether the server may store a user's changes to
 * a collection: with cloud sync off, or a collection switched off in the privacy
 * settings, sync.push refuses before anything is stored. The caller reads the
 * settings (sync.push reads them in the same round trip as the records it touches).
 */
export function assertCollectionsAllowed(settings: PrivacySettings, collections: Iterable<SyncCollection>): void {
  if (!settings.enableCloudSync) {
    throw new AppError("FORBIDDEN", "Cloud sync is off because you have not agreed to it (or withdrew your consent), so nothing was stored. Turn it on at /privacy, or set your sync passphrase in the app, to sync.", { reason: "cloud_sync_off" });
  }
  const refused = [...collections].filter((collection) => !settings.collections[collection]);
  if (refused.length > 0) {
    throw new AppError(
      "FORBIDDEN",
      `Syncing ${refused.map((collection) => collectionNames[collection]).join(" and ")} is turned off in your privacy settings, so nothing of this push was stored.`,
      { reason: "collection_off", collections: refused.join(",") },
    );
  }
}
