import { eq } from "drizzle-orm";
import { issueAccountToken, redeemAccountToken, ZAccountToken } from "../auth/account-tokens";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { deliverEmail } from "./send";
import { liftSuppression, suppressionOf } from "./suppression";

/**
 * After a hard bounce the account's address gets no mail. Its owner, signed in, asks for a
 * confirmation link (the one mail that still goes to a suppressed address); following it lifts
 * the suppression. The link is a single-use account token, like the email-change link.
 */

export async function emailDeliverability(db: Db, userId: string) {
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  const suppressed = await suppressionOf(db, user.email);
  return { address: user.email, suppressed: suppressed ? { reason: suppressed.reason, since: suppressed.createdAt.toISOString() } : null };
}

export async function requestAddressConfirmation(db: Db, env: Env, userId: string): Promise<{ sentTo: string }> {
  const { address, suppressed } = await emailDeliverability(db, userId);
  if (!suppressed) throw new AppError("BAD_REQUEST", "Mail to your address is not blocked: there is nothing to confirm.");
  const token = await issueAccountToken(db, { userId, purpose: "address_confirm" });
  await deliverEmail(db, env, {
    userId,
    to: address,
    idempotencyKey: `address-confirm:${token.slice(0, 16)}`,
    template: "addressConfirm",
    variables: { address, link: `${env.appUrl}/api/email/confirm-address?token=${token}` },
    ignoreSuppression: true,
  });
  return { sentTo: address };
}

/** Follows the link (POST from its page): true when the address is confirmed and mail resumes. */
export async function confirmAddress(db: Db, token: string): Promise<boolean> {
  const parsed = ZAccountToken.safeParse(token);
  if (!parsed.success) return false;
  return db.transaction(async (tx) => {
    const redeemed = await redeemAccountToken(tx, "address_confirm", parsed.data);
    if (!redeemed) return false;
    const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, redeemed.userId));
    if (!user) return false;
    await liftSuppression(tx, user.email);
    return true;
  });
}
