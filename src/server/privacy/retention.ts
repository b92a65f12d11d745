import type { DbOrTx } from "../db/client";
import { getPrivacySettings } from "./settings";

/** How many days of sync history the server keeps for the user (their retention policy). */
export async function cloudRetentionDays(db: DbOrTx, userId: string): Promise<number> {
  return (await getPrivacySettings(db, userId)).retentionPolicy.cloudRetentionDays;
}
