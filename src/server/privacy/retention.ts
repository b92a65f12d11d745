import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { privacySettings } from "../db/schema";

/** Used when the user has not chosen: a year of history is enough to resolve any conflict a device brings back. */
export const DEFAULT_CLOUD_RETENTION_DAYS = 365;

/** How many days of sync history the server keeps for the user. */
export async function cloudRetentionDays(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ days: privacySettings.cloudRetentionDays })
    .from(privacySettings)
    .where(eq(privacySettings.userId, userId));
  return row?.days ?? DEFAULT_CLOUD_RETENTION_DAYS;
}
