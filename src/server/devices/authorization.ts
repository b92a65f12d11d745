import { and, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { summarize } from "~/lib/realtime/events";
import { ZText } from "~/lib/schemas/primitives";
import type { Db, DbOrTx } from "../db/client";
import { deviceAuthorizations, devices } from "../db/schema";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { notifySafely } from "../notifications/notify";
import { publishSafely } from "../realtime/publisher";
import {
  formatUserCode,
  generateDeviceCode,
  generateDeviceToken,
  generateUserCode,
  normalizeUserCode,
  USER_CODE_LENGTH,
} from "./tokens";

/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628) for the desktop app: the device
 * shows a user code, the signed-in user approves it on /device, the device polls
 * with its device code and receives a device token exactly once.
 */

export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
const SLOW_DOWN_STEP_SECONDS = 5;

export const ZDeviceName = ZText.trim().min(1, "Give the device a name").max(80, "Use at most 80 characters");
export const ZUserCode = ZText
  .max(32)
  .transform(normalizeUserCode)
  .refine((code) => code.length === USER_CODE_LENGTH, `Enter the ${USER_CODE_LENGTH}-letter code shown on your device`);
export const ZDeviceCode = ZText.min(20).max(128);

/** RFC 8628 §3.5 error codes, surfaced to clients as `data.oauthError`. */
export type DeviceFlowError = "authorization_pending" | "slow_down" | "access_denied" | "expired_token" | "invalid_grant";

function deviceFlowError(error: DeviceFlowError, message: string, extra: Record<string, number> = {}): AppError {
  const code = error === "slow_down" ? "TOO_MANY_REQUESTS" : "BAD_REQUEST";
  return new AppError(code, message, { oauthError: error, ...extra });
}

/** RFC 8628 §3.2's answer, in camelCase: show `userCode` and `verificationUri`, poll every `interval` seconds. */
export const ZDeviceAuthorizationStart = z.object({
  /** Secret to the device: poll with it. */
  deviceCode: z.string(),
  /** What the person types on /device, like "BCDF-GHJK". */
  userCode: z.string(),
  verificationUri: z.string(),
  /** The same page with the code filled in (for a QR code or a link). */
  verificationUriComplete: z.string(),
  /** Seconds to wait between polls. */
  interval: z.number().int(),
  /** Seconds until the codes expire. */
  expiresIn: z.number().int(),
});

/** The device token (send it as `Authorization: Bearer <token>`; it is shown this once) and the new device's id. */
export const ZDeviceToken = z.object({ token: z.string(), deviceId: z.string() });

export async function startDeviceAuthorization(db: DbOrTx, input: { deviceName: string }, verificationBaseUrl: string) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const deviceCode = generateDeviceCode();
    const userCode = generateUserCode();
    const [row] = await db
      .insert(deviceAuthorizations)
      .values({
        deviceCodeHash: sha256Hex(deviceCode),
        userCode,
        deviceName: input.deviceName,
        intervalSeconds: DEFAULT_POLL_INTERVAL_SECONDS,
        expiresAt: new Date(Date.now() + DEVICE_CODE_TTL_SECONDS * 1000),
      })
      .onConflictDoNothing()
      .returning({ id: deviceAuthorizations.id });
    if (!row) continue; // a user code collision among live requests: draw again
    const verificationUri = `${verificationBaseUrl}/device`;
    return {
      deviceCode,
      userCode: formatUserCode(userCode),
      verificationUri,
      verificationUriComplete: `${verificationUri}?code=${formatUserCode(userCode)}`,
      interval: DEFAULT_POLL_INTERVAL_SECONDS,
      expiresIn: DEVICE_CODE_TTL_SECONDS,
    };
  }
  throw new Error("Could not allocate a unique user code");
}

type PollOutcome =
  | { kind: "token"; token: string; deviceId: string; userId: string; deviceName: string }
  | { kind: "error"; error: AppError };

export async function pollDeviceAuthorization(db: Db, input: { deviceCode: string }, now = new Date()) {
  // The outcome is decided inside the transaction but thrown after it commits, so
  // that poll bookkeeping (last poll time, slowed-down interval) is kept.
  const outcome = await db.transaction(async (tx): Promise<PollOutcome> => {
    const [request] = await tx
      .select()
      .from(deviceAuthorizations)
      .where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(input.deviceCode)))
      .for("update");
    if (!request) return { kind: "error", error: deviceFlowError("invalid_grant", "Unknown device code. Start the sign-in again on the device.") };
    if (request.status === "consumed") {
      return { kind: "error", error: deviceFlowError("invalid_grant", "This device code was already used. Start the sign-in again on the device.") };
    }
    if (request.expiresAt <= now) {
      return { kind: "error", error: deviceFlowError("expired_token", "The code expired before it was approved. Start the sign-in again on the device.") };
    }
    if (request.status === "denied") {
      return { kind: "error", error: deviceFlowError("access_denied", "The sign-in request was denied in the browser.") };
    }
    if (request.status === "pending") {
      const tooSoon = request.lastPolledAt && now.getTime() - request.lastPolledAt.getTime() < request.intervalSeconds * 1000;
      const interval = tooSoon ? request.intervalSeconds + SLOW_DOWN_STEP_SECONDS : request.intervalSeconds;
      await tx
        .update(deviceAuthorizations)
        .set({ lastPolledAt: now, intervalSeconds: interval })
        .where(eq(deviceAuthorizations.id, request.id));
      return tooSoon
        ? { kind: "error", error: deviceFlowError("slow_down", `Polling too fast: wait ${interval} seconds between polls.`, { interval, retryAfterSeconds: interval }) }
        : { kind: "error", error: deviceFlowError("authorization_pending", "Waiting for the code to be approved in the browser.", { interval }) };
    }
    // approved: issue the device token once
    const token = generateDeviceToken();
    const [device] = await tx
      .insert(devices)
      .values({ userId: request.userId!, name: request.deviceName, tokenHash: sha256Hex(token), lastUsedAt: now })
      .returning({ id: devices.id });
    await tx
      .update(deviceAuthorizations)
      .set({ status: "consumed", deviceId: device!.id, lastPolledAt: now })
      .where(eq(deviceAuthorizations.id, request.id));
    return { kind: "token", token, deviceId: device!.id, userId: request.userId!, deviceName: request.deviceName };
  });
  if (outcome.kind === "error") throw outcome.error;
  // After the commit: the user's device list and dashboard count show the new device.
  await publishSafely(outcome.userId, "device:changed", { deviceId: outcome.deviceId, change: "added" });
  // A security notice: urgent, so it goes out now on every channel, whatever the quiet hours.
  await notifySafely(db, outcome.userId, "security.device_signed_in", { deviceId: outcome.deviceId, deviceName: summarize(outcome.deviceName, 100), signedInAt: new Date().toISOString() });
  return { token: outcome.token, deviceId: outcome.deviceId };
}

/** The pending request behind a user code, or a clear reason why it cannot be acted on. */
async function findPendingRequest(db: DbOrTx, userCode: string, now: Date) {
  const [request] = await db
    .select({
      id: deviceAuthorizations.id,
      deviceName: deviceAuthorizations.deviceName,
      status: deviceAuthorizations.status,
      expiresAt: deviceAuthorizations.expiresAt,
      createdAt: deviceAuthorizations.createdAt,
    })
    .from(deviceAuthorizations)
    .where(eq(deviceAuthorizations.userCode, userCode));
  if (!request) throw new AppError("NOT_FOUND", "No sign-in request has this code. Check the code shown on your device.");
  if (request.status !== "pending") throw new AppError("CONFLICT", "This code was already used. Start the sign-in again on the device.");
  if (request.expiresAt <= now) throw new AppError("BAD_REQUEST", "This code has expired. Start the sign-in again on the device.");
  return request;
}

export async function describeDeviceAuthorization(db: DbOrTx, input: { userCode: string }, now = new Date()) {
  const request = await findPendingRequest(db, input.userCode, now);
  // requestId lets an open approval page recognise device:authorization_decided for this request.
  return { requestId: request.id, deviceName: request.deviceName, requestedAt: request.createdAt, expiresAt: request.expiresAt };
}

async function decideDeviceAuthorization(
  db: DbOrTx,
  userId: string,
  input: { userCode: string },
  status: "approved" | "denied",
  now = new Date(),
) {
  const [decided] = await db
    .update(deviceAuthorizations)
    .set({ status, userId, decidedAt: now })
    .where(
      and(
        eq(deviceAuthorizations.userCode, input.userCode),
        eq(deviceAuthorizations.status, "pending"),
        gt(deviceAuthorizations.expiresAt, now),
      ),
    )
    .returning({ id: deviceAuthorizations.id, deviceName: deviceAuthorizations.deviceName });
  if (decided) {
    // The user's other tabs showing this request stop offering a decision already made.
    await publishSafely(userId, "device:authorization_decided", { requestId: decided.id, status });
    return { deviceName: decided.deviceName, status };
  }
  await findPendingRequest(db, input.userCode, now); // throws the precise reason
  throw new AppError("CONFLICT", "This code was already used. Start the sign-in again on the device.");
}

export const approveDeviceAuthorization = (db: DbOrTx, userId: string, input: { userCode: string }, now?: Date) =>
  decideDeviceAuthorization(db, userId, input, "approved", now);

export const denyDeviceAuthorization = (db: DbOrTx, userId: string, input: { userCode: string }, now?: Date) =>
  decideDeviceAuthorization(db, userId, input, "denied", now);
