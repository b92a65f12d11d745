import { and, desc, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { devices } from "../db/schema";

/** The user's active devices with their last sync (never their tokens). */
export async function listSyncDevices(db: DbOrTx, userId: string) {
  return db
    .select({ id: devices.id, name: devices.name, lastSyncAt: devices.lastSyncAt, lastUsedAt: devices.lastUsedAt, createdAt: devices.createdAt })
    .from(devices)
    .where(and(eq(devices.userId, userId), isNull(devices.revokedAt)))
    .orderBy(desc(devices.lastSyncAt), desc(devices.createdAt));
}
