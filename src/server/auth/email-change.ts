import { and, eq, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { AppError } from "../errors";
import { logger } from "../logger";
import { randomUUID } from "node:crypto";
import { canDeliverMail, deliverEmail } from "../email/send";
import { liftSuppression } from "../email/suppression";
import type { Env } from "../env";
import { assertCurrentPassword, ZCurrentPassword } from "./account";
import { ZEmail } from "./accounts";
import { issueAccountToken, redeemAccountToken, ZAccountToken } from "./account-tokens";

/**
 * Changing the account's email: a single-use link (an hour) goes to the new
 * address, and the change applies only when it is followed, so nobody can move an
 * account to an address they do not read.
 */

export const ZEmailChangeRequest = z.object({
  newEmail: ZEmail,
  /** Required when the account has a password: a left-open session alone cannot move the account. */
  currentPassword: ZCurrentPassword,
});
export const ZEmailChangeConfirm = z.object({ token: ZAccountToken });


const emailTaken = () => new AppError("CONFLICT", "Another account already uses this email address.");

export async function requestEmailChange(db: Db, env: Env, userId: string, input: z.infer<typeof ZEmailChangeRequest>, ip: string) {
  const [user] = await db.select({ email: users.email, passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  // The change waits for a mailed link: where no mail can go, say so instead of waiting forever.
  if (!canDeliverMail(env)) {
    throw new AppError("PRECONDITION_FAILED", "This server cannot send mail (no SMTP_URL is configured), so your email address cannot be confirmed. Ask the operator to configure mail.");
  }
  await assertCurrentPassword(db, user, input.currentPassword, ip);
  if (input.newEmail === user.email) throw new AppError("BAD_REQUEST", "This is already your email address.", { field: "newEmail" });
  const [taken] = await db.select({ id: users.id }).from(users).where(and(eq(users.email, input.newEmail), ne(users.id, userId)));
  if (taken) throw emailTaken();

  const token = await issueAccountToken(db, { userId, purpose: "email_change", newEmail: input.newEmail });
  await deliverEmail(db, env, {
    userId,
    to: input.newEmail,
    idempotencyKey: `email-change:${randomUUID()}`,
    template: "emailChangeConfirm",
    variables: { newEmail: input.newEmail, oldEmail: user.email, link: `${env.appUrl}/confirm-email?token=${token}` },
    // Confirming is what lifts a suppression, so the confirmation itself must get through.
    ignoreSuppression: true,
  });
  return { pendingEmail: input.newEmail };
}

/**
 * Follows the confirmation link: the account's email becomes the confirmed address,
 * and the old address is told, so a change its owner did not make does not go unnoticed.
 */
export async function confirmEmailChange(db: Db, env: Env, input: z.infer<typeof ZEmailChangeConfirm>): Promise<{ userId: string; email: string }> {
  const changed = await db.transaction(async (tx) => {
    const redeemed = await redeemAccountToken(tx, "email_change", input.token);
    if (!redeemed?.newEmail) {
      throw new AppError("BAD_REQUEST", "This confirmation link is not valid: it was already used, or it expired. Ask for a new one.");
    }
    const [taken] = await tx.select({ id: users.id }).from(users).where(and(eq(users.email, redeemed.newEmail), ne(users.id, redeemed.userId)));
    if (taken) throw emailTaken();
    const [before] = await tx.select({ email: users.email }).from(users).where(eq(users.id, redeemed.userId)).for("update");
    await tx.update(users).set({ email: redeemed.newEmail }).where(eq(users.id, redeemed.userId));
    // Following the link proved the address receives mail: a bounce recorded for it no longer holds.
    await liftSuppression(tx, redeemed.newEmail);
    return { userId: redeemed.userId, email: redeemed.newEmail, previousEmail: before!.email };
  });
  try {
    await deliverEmail(db, env, { userId: changed.userId, to: changed.previousEmail, idempotencyKey: `email-changed:${randomUUID()}`, template: "emailChangedNotice", variables: { newEmail: changed.email } });
  } catch (error) {
    // The change is made; a notice that fails to send must not undo or hide it.
    logger.error("could not send the email-change notice to the old address", { error });
  }
  return { userId: changed.userId, email: changed.email };
}
