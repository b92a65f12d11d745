import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { NOTIFICATION_CATEGORIES, NOTIFICATION_CATEGORY_LABELS, type NotificationCategory } from "~/lib/notifications/catalog";
import type { DbOrTx } from "../db/client";
import { users } from "../db/schema";
import type { Env } from "../env";
import { constantTimeEqual } from "../integrations/webhooks";
import { turnOffEmailFor } from "../notifications/preferences";
import { derivedSecret } from "../secrets/derived";

/**
 * RFC 8058 one-click unsubscribe. The link carries a signed, expiring token naming the user and
 * the category, so a POST to it turns email off for that category without signing in; nothing
 * else (the user id alone, another category) can be forged from it. The key is derived from
 * the server's secrets for this purpose only.
 */

/** Long enough for a mail read weeks later; a link older than this asks the reader to sign in instead. */
export const UNSUBSCRIBE_TOKEN_TTL_MS = 90 * 24 * 60 * 60 * 1000;

const ZPayload = z.object({ u: z.uuid(), c: z.enum(NOTIFICATION_CATEGORIES), e: z.number().int() }).strict();
type UnsubscribeEnv = Pick<Env, "WEBHOOK_SECRET" | "appUrl">;

const sign = (env: UnsubscribeEnv, payload: string) => createHmac("sha256", derivedSecret(env, "devpulse-email-unsubscribe")).update(payload).digest("base64url");

export function createUnsubscribeToken(env: UnsubscribeEnv, userId: string, category: NotificationCategory, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ u: userId, c: category, e: Math.floor((now + UNSUBSCRIBE_TOKEN_TTL_MS) / 1000) })).toString("base64url");
  return `${payload}.${sign(env, payload)}`;
}

export const unsubscribeUrl = (env: UnsubscribeEnv, userId: string, category: NotificationCategory) => `${env.appUrl}/api/email/unsubscribe?token=${createUnsubscribeToken(env, userId, category)}`;

type UnsubscribeCheck = { ok: true; userId: string; category: NotificationCategory } | { ok: false; reason: "invalid" | "expired" };

/** Verifies the signature (constant time) before reading anything, then the expiry. */
export function verifyUnsubscribeToken(env: UnsubscribeEnv, token: string, now = Date.now()): UnsubscribeCheck {
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length > 0 || token.length > 500) return { ok: false, reason: "invalid" };
  if (!constantTimeEqual(signature, sign(env, payload))) return { ok: false, reason: "invalid" };
  let parsed: z.infer<typeof ZPayload>;
  try {
    parsed = ZPayload.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (parsed.e * 1000 < now) return { ok: false, reason: "expired" };
  return { ok: true, userId: parsed.u, category: parsed.c };
}

type UnsubscribeOutcome = { ok: true; categoryLabel: string } | { ok: false; reason: "invalid" | "expired" };

/** The POST: email off for the token's category (other channels and categories untouched). */
export async function unsubscribeWithToken(db: DbOrTx, env: UnsubscribeEnv, token: string): Promise<UnsubscribeOutcome> {
  const check = verifyUnsubscribeToken(env, token);
  if (!check.ok) return check;
  // An account deleted since the mail was sent gets no more mail anyway: nothing to change.
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, check.userId));
  if (user) await turnOffEmailFor(db, check.userId, check.category);
  return { ok: true, categoryLabel: NOTIFICATION_CATEGORY_LABELS[check.category].label };
}

/** The GET: what the link would do, without doing it (mail scanners open links). */
export function describeUnsubscribe(env: UnsubscribeEnv, token: string): UnsubscribeOutcome {
  const check = verifyUnsubscribeToken(env, token);
  return check.ok ? { ok: true, categoryLabel: NOTIFICATION_CATEGORY_LABELS[check.category].label } : check;
}
