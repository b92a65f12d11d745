import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { users } from "../db/schema";

/** Inactivity is counted in months: recording use once an hour per user and process is plenty, and keeps writes off every request. */
const RECORD_EVERY_MS = 60 * 60 * 1000;
const MAX_REMEMBERED = 50_000;
const recordedAt = new Map<string, number>();

/** Records that the user used the service (any signed-in API call), which also cancels an inactivity warning. */
export async function markActive(db: DbOrTx, userId: string, now = Date.now()): Promise<void> {
  if ((recordedAt.get(userId) ?? -Infinity) > now - RECORD_EVERY_MS) return;
  if (recordedAt.size >= MAX_REMEMBERED) recordedAt.clear();
  recordedAt.set(userId, now);
  await db.update(users).set({ lastActiveAt: new Date(now), inactivityWarnedAt: null }).where(eq(users.id, userId));
}
