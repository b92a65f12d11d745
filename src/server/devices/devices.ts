import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/client";
import { devices, users } from "../db/schema";
import { AppError } from "../errors";
import type { PublicUser } from "../auth/accounts";
import { publicUserColumns } from "../auth/accounts";
import { sha256Hex } from "../hash";
import { publishSafely } from "../realtime/publisher";
import { isWellFormedDeviceToken } from "./tokens";

/** Last-used times are written at most this often per device, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The user's active devices with last use and last sync (never their tokens). */
export async function listDevices(db: DbOrTx, userId: string) {
  return db
    .select({ id: devices.id, name: devices.name, createdAt: devices.createdAt, lastUsedAt: devices.lastUsedAt, lastSyncAt: devices.lastSyncAt })
    .from(devices)
    .where(and(eq(devices.userId, userId), isNull(devices.revokedAt)))
    .orderBy(desc(devices.createdAt));
}

export async function revokeDevice(db: DbOrTx, userId: string, deviceId: string) {
  const [revoked] = await db
    .update(devices)
    .set({ revokedAt: new Date() })
    .where(and(eq(devices.id, deviceId), eq(devices.userId, userId), isNull(devices.revokedAt)))
    .returning({ id: devices.id, name: devices.name });
  // Another user's device gets the same answer as a missing one: ids reveal nothing.
  if (!revoked) throw new AppError("NOT_FOUND", "No such device (it may already be revoked).");
  await publishSafely(userId, "device:changed", { deviceId: revoked.id, change: "revoked" });
  return revoked;
}

export type DeviceIdentity = { user: PublicUser; device: { id: string; name: string } };

/** Resolves `Authorization: Bearer <device token>`; throws UNAUTHORIZED with the reason. */
export async function authenticateDeviceToken(db: Db, token: string, now = new Date()): Promise<DeviceIdentity> {
  if (!isWellFormedDeviceToken(token)) {
    throw new AppError("UNAUTHORIZED", "Malformed device token: expected `Authorization: Bearer dp_…`.");
  }
  const [row] = await db
    .select({ user: publicUserColumns, deviceId: devices.id, deviceName: devices.name, lastUsedAt: devices.lastUsedAt })
    .from(devices)
    .innerJoin(users, eq(users.id, devices.userId))
    .where(and(eq(devices.tokenHash, sha256Hex(token)), isNull(devices.revokedAt)));
  if (!row) throw new AppError("UNAUTHORIZED", "This device token is not valid or was revoked. Sign the device in again.");
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(devices).set({ lastUsedAt: now }).where(eq(devices.id, row.deviceId));
  }
  return { user: row.user, device: { id: row.deviceId, name: row.deviceName } };
}

/** Parses an Authorization header value into a bearer token; undefined when absent. */
export function bearerTokenFrom(header: string | null | undefined): string | undefined {
  if (header == null || header === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError("UNAUTHORIZED", "Malformed Authorization header: expected `Bearer <device token>`.");
  return match[1];
}
