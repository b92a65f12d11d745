import { randomUUID } from "node:crypto";
import { sha256Hex } from "~/server/hash";
import { callerFor, connectDevice, syncingUser } from "./callers";

/**
 * Protocol-level helpers. The server never decrypts, so protocol tests use opaque
 * strings as ciphertext (with their real checksums); client tests use real encryption.
 */
export type Caller = Awaited<ReturnType<typeof callerFor>>;

export function change(id: string, baseRevision: number | null, body: string, extra: Partial<{ collection: "projects" | "activities" | "focus_sessions" | "settings"; deleted: boolean; schemaVersion: number }> = {}) {
  const deleted = extra.deleted ?? false;
  const ciphertext = deleted ? null : `opaque:${body}`;
  return {
    collection: extra.collection ?? ("projects" as const),
    id,
    baseRevision,
    ciphertext,
    checksum: ciphertext === null ? null : sha256Hex(ciphertext),
    schemaVersion: extra.schemaVersion ?? 1,
    deleted,
  };
}

/** A user who agreed to cloud sync, with two signed-in devices, each with a caller that speaks as that device. */
export async function userWithDevices(label: string) {
  const { user, caller } = await syncingUser(label);
  const laptop = await connectDevice(caller, "laptop");
  const desktop = await connectDevice(caller, "desktop");
  return {
    user,
    caller,
    laptop: { id: laptop.deviceId, caller: await callerFor(user, { id: laptop.deviceId, name: "laptop" }) },
    desktop: { id: desktop.deviceId, caller: await callerFor(user, { id: desktop.deviceId, name: "desktop" }) },
  };
}

export const push = (device: { id: string; caller: Caller }, changes: ReturnType<typeof change>[], idempotencyKey = randomUUID()) =>
  device.caller.sync.push({ idempotencyKey, deviceId: device.id, changes });


/** A well-formed envelope naming key `keyId` that no key of any user made: what a buggy client might save. The server cannot tell. */
export const foreignEnvelope = (keyId = 1) => `dp2.A256GCM.${keyId}.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA`;

/** A change of projects/`id` as a client speaking the API directly sends it: `ciphertext` (null: a deletion) with its checksum. */
export function rawChange(id: string, baseRevision: number | null, ciphertext: string | null, extra: { keyId?: number } = {}) {
  return { collection: "projects" as const, id, baseRevision, ciphertext, checksum: ciphertext && sha256Hex(ciphertext), schemaVersion: 1, deleted: ciphertext === null, ...extra };
}
