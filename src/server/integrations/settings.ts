import type { DbOrTx } from "../db/client";
import { updatePrivacySettings } from "../privacy/settings";
import { requireIntegration } from "./connections";
import type { RegisteredProviderId } from "./registry";

/** The hourly sync switch: one setting, the privacy settings' integrations.<provider>.autoSync. */
export async function setAutoSync(db: DbOrTx, userId: string, provider: RegisteredProviderId, autoSync: boolean) {
  await requireIntegration(db, userId, provider);
  const settings = await updatePrivacySettings(db, userId, { integrations: { [provider]: { autoSync } } });
  return { provider, autoSync: settings.integrations[provider]?.autoSync ?? autoSync };
}
