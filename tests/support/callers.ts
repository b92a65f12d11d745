import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { getAuthSecret } from "~/server/auth/options";
import { createCaller } from "~/server/api/root";
import { createContextInner } from "~/server/api/trpc";
import type { PublicUser } from "~/server/auth/accounts";
import { getDb } from "~/server/db/client";
import { pollDeviceAuthorization } from "~/server/devices/authorization";

export const TEST_PASSWORD = "correct horse battery staple";

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomUUID()}@example.test`;
}

let visitors = 0;
/**
 * A new address for each visitor (198.18.0.0/15, the benchmarking range), so the many
 * sign-ups of a test run do not add up against the per-address rate limits.
 */
export function visitorIp(): string {
  visitors += 1;
  return `198.${18 + ((visitors >> 16) & 1)}.${(visitors >> 8) & 255}.${visitors & 255}`;
}

/** A caller with no credentials, as the desktop app before sign-in or a visitor (from its own address unless given one). */
export async function anonymousCaller(ip = visitorIp()) {
  return createCaller(await createContextInner({ ip }));
}

/** A caller signed in as `user` (what a valid session cookie resolves to). */
export async function callerFor(user: PublicUser, device: { id: string; name: string } | null = null) {
  return createCaller(await createContextInner({ user, device }));
}

/** Registers a fresh user through the real procedure and returns it with its caller. */
export async function signedUpUser(label = "user") {
  const email = uniqueEmail(label);
  const user = await (await anonymousCaller()).auth.register({ email, password: TEST_PASSWORD, name: label });
  return { user, email, caller: await callerFor(user) };
}

/** A fresh user who agreed to cloud sync (as setting a sync passphrase does), so their devices may push. */
export async function syncingUser(label = "user") {
  const account = await signedUpUser(label);
  await account.caller.privacy.recordConsent({ type: "cloud_sync", granted: true });
  return account;
}

/** The Cookie header a browser signed in as `user` sends (a real next-auth session JWT). */
export async function sessionCookieFor(user: PublicUser): Promise<string> {
  const jwt = await encode({ token: { sub: user.id, email: user.email, sv: 0 }, secret: getAuthSecret() });
  return `next-auth.session-token=${jwt}`;
}

/** Runs `fn` and returns the tRPC error it throws (fails the test if it does not throw). */
export async function errorOf(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    return error as { code: string; message: string; cause?: unknown };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Signs a new device in for the user behind `caller` (device grant, approved) and returns its token and id. */
export async function connectDevice(caller: Awaited<ReturnType<typeof callerFor>>, name: string) {
  const started = await (await anonymousCaller()).devices.startAuthorization({ deviceName: name });
  await caller.devices.approveAuthorization({ userCode: started.userCode });
  return pollDeviceAuthorization(await getDb(), { deviceCode: started.deviceCode });
}
