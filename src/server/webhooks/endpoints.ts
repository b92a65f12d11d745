import { randomUUID } from "node:crypto";
import { and, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { notificationKind, WEBHOOK_NOTIFICATION_KINDS, type NotificationKind } from "~/lib/notifications/catalog";
import { ZText } from "~/lib/schemas/primitives";
import type { DbOrTx } from "../db/client";
import { webhookEndpoints } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { resealedUnlessUnreadable, sealedUnderOldKey, type Keyring } from "../integrations/token-vault";
import { checkWebhookUrl } from "./address-guard";
import { WEBHOOK_LIMITS } from "./policy";
import { generateSigningSecret, openSigningSecret, resealSigningSecret, sealSigningSecret } from "./signing";

/**
 * The user's webhook endpoints. Every function takes the user's id and touches only their rows:
 * another user's endpoint id is "not found", never "forbidden", so ids leak nothing. The signing
 * secret leaves this module twice only: in the answer to create and to rotateSecret.
 */

const ZKinds = z
  .array(notificationKind)
  .min(1, "Choose at least one kind of notification")
  .max(WEBHOOK_NOTIFICATION_KINDS.length)
  .refine((kinds) => kinds.every((kind) => WEBHOOK_NOTIFICATION_KINDS.includes(kind)), "One of these kinds is never sent to webhooks")
  .transform((kinds) => [...new Set(kinds)]);

export const ZWebhookEndpointInput = z.object({
  url: ZText.trim().min(1, "Enter the endpoint's URL").max(WEBHOOK_LIMITS.urlLength),
  description: ZText.trim().max(WEBHOOK_LIMITS.descriptionLength).default(""),
  kinds: ZKinds,
});
export const ZWebhookEndpointPatch = z.object({
  id: z.uuid("Not an endpoint id"),
  url: ZWebhookEndpointInput.shape.url.optional(),
  description: ZText.trim().max(WEBHOOK_LIMITS.descriptionLength).optional(),
  kinds: ZKinds.optional(),
  enabled: z.boolean().optional(),
});
export const ZEndpointId = z.object({ id: z.uuid("Not an endpoint id") });

/** The columns a user sees: never `secret` or `previousSecret`. */
const visible = {
  id: webhookEndpoints.id,
  url: webhookEndpoints.url,
  description: webhookEndpoints.description,
  kinds: webhookEndpoints.kinds,
  enabled: webhookEndpoints.enabled,
  disabledReason: webhookEndpoints.disabledReason,
  disabledAt: webhookEndpoints.disabledAt,
  consecutiveFailures: webhookEndpoints.consecutiveFailures,
  failingSince: webhookEndpoints.failingSince,
  previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt,
  createdAt: webhookEndpoints.createdAt,
};

/** `previousSecretExpiresAt`: while a rotation's old secret still signs (its grace period not over), else null. */
function shown<T extends { kinds: string[]; previousSecretExpiresAt: Date | null }>(row: T, now = new Date()) {
  const rotating = row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? row.previousSecretExpiresAt : null;
  const rest: Omit<T, "kinds" | "previousSecretExpiresAt"> = row;
  return { ...rest, kinds: row.kinds as NotificationKind[], previousSecretExpiresAt: rotating };
}

export async function listEndpoints(db: DbOrTx, userId: string) {
  const rows = await db.select(visible).from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).orderBy(desc(webhookEndpoints.createdAt));
  return rows.map((row) => shown(row));
}

/** The endpoint if it is the user's; NOT_FOUND otherwise (another user's id included). */
export async function ownedEndpoint(db: DbOrTx, userId: string, id: string) {
  const [row] = await db
    .select(visible)
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)));
  if (!row) throw new AppError("NOT_FOUND", "No such webhook endpoint");
  return shown(row);
}

export async function createEndpoint(db: DbOrTx, env: Env, userId: string, input: z.output<typeof ZWebhookEndpointInput>) {
  const { url } = await checkWebhookUrl(input.url, { allowPrivate: env.ALLOW_PRIVATE_WEBHOOKS });
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId));
  if (total >= WEBHOOK_LIMITS.endpointsPerUser) throw new AppError("BAD_REQUEST", `You can have up to ${WEBHOOK_LIMITS.endpointsPerUser} webhook endpoints: remove one first`);
  const id = randomUUID();
  const secret = generateSigningSecret();
  const [row] = await db
    .insert(webhookEndpoints)
    .values({ id, userId, url: url.toString(), description: input.description, kinds: input.kinds, secret: sealSigningSecret(secret, userId, id) })
    .returning(visible);
  return { endpoint: shown(row!), secret };
}

export async function updateEndpoint(db: DbOrTx, env: Env, userId: string, patch: z.output<typeof ZWebhookEndpointPatch>) {
  const current = await ownedEndpoint(db, userId, patch.id);
  const url = patch.url === undefined ? undefined : (await checkWebhookUrl(patch.url, { allowPrivate: env.ALLOW_PRIVATE_WEBHOOKS })).url.toString();
  const switching = patch.enabled !== undefined && patch.enabled !== current.enabled;
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      ...(url !== undefined ? { url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.kinds !== undefined ? { kinds: patch.kinds } : {}),
      // Turned back on: a fresh start (the failures that turned it off are history).
      ...(switching && patch.enabled ? { enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0, failingSince: null } : {}),
      ...(switching && !patch.enabled ? { enabled: false, disabledReason: "user" as const, disabledAt: new Date() } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(webhookEndpoints.id, patch.id), eq(webhookEndpoints.userId, userId)))
    .returning(visible);
  return shown(row!);
}

export async function removeEndpoint(db: DbOrTx, userId: string, id: string) {
  const removed = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .returning({ id: webhookEndpoints.id });
  if (removed.length === 0) throw new AppError("NOT_FOUND", "No such webhook endpoint");
  return { id };
}

/**
 * A new signing secret, returned once. The current one becomes the previous one and keeps signing
 * beside it for the grace period; a rotation during a rotation drops the oldest.
 */
export async function rotateSigningSecret(db: DbOrTx, userId: string, id: string, now = new Date()) {
  const [row] = await db
    .select({ secret: webhookEndpoints.secret })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)));
  if (!row) throw new AppError("NOT_FOUND", "No such webhook endpoint");
  const secret = generateSigningSecret();
  const previousSecretExpiresAt = new Date(now.getTime() + WEBHOOK_LIMITS.previousSecretGraceMs);
  await db
    .update(webhookEndpoints)
    .set({ secret: sealSigningSecret(secret, userId, id), previousSecret: row.secret, previousSecretExpiresAt, updatedAt: now })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)));
  return { secret, previousSecretExpiresAt };
}

/** What a delivery needs from its endpoint now: where, whether it is on, and the secrets to sign with (current first). */
export async function endpointForSending(db: DbOrTx, endpointId: string, now = new Date()) {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
  if (!row) return null;
  const secrets = [openSigningSecret(row.secret, row.userId, row.id)];
  if (row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now) secrets.push(openSigningSecret(row.previousSecret, row.userId, row.id));
  return { id: row.id, userId: row.userId, url: row.url, enabled: row.enabled, failingSince: row.failingSince, secrets };
}

/**
 * `npm run keys:rotate` for signing secrets: every endpoint's secret, and its previous one while
 * that still signs, sealed again under the keyring's current key. A previous secret past its grace
 * period is dropped rather than re-sealed (it signs nothing any more). A value sealed under a key
 * missing from the ring is counted and left as it is; the user rotates that endpoint's secret.
 * A row whose secret changed meanwhile (the user rotated it) is left to its new, current value.
 */
export async function resealSigningSecrets(db: DbOrTx, keyring: Keyring, now = new Date()) {
  let resealed = 0;
  let unreadable = 0;
  for (const row of await db.select().from(webhookEndpoints)) {
    const previousSigns = row.previousSecret !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
    const stale = sealedUnderOldKey(row.secret, keyring) || (row.previousSecret !== null && (!previousSigns || sealedUnderOldKey(row.previousSecret, keyring)));
    if (!stale) continue;
    const current = (sealed: string) => (sealedUnderOldKey(sealed, keyring) ? resealSigningSecret(sealed, row.userId, row.id, keyring) : sealed);
    const done = await resealedUnlessUnreadable(() =>
      db
        .update(webhookEndpoints)
        .set({ secret: current(row.secret), previousSecret: previousSigns ? current(row.previousSecret!) : null, previousSecretExpiresAt: previousSigns ? row.previousSecretExpiresAt : null })
        .where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.secret, row.secret))),
    );
    if (done) resealed += 1;
    else unreadable += 1;
  }
  return { resealed, unreadable };
}
