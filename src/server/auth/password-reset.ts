import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { randomUUID } from "node:crypto";
import { canDeliverMail, deliverEmail } from "../email/send";
import { setPasswordEndingSessions } from "./account";
import { ZEmail } from "./accounts";
import { issueAccountToken, redeemAccountToken, ZAccountToken } from "./account-tokens";
import { ZPassword } from "./password";

/**
 * "Forgot password?": a single-use link, valid for an hour, mailed to the account's
 * address. The request never says whether the address has an account: the answer is
 * the same, and a mail failure is logged rather than shown.
 */

export const ZPasswordResetRequest = z.object({ email: ZEmail });
export const ZPasswordReset = z.object({ token: ZAccountToken, password: ZPassword });


export const passwordResetLink = (env: Pick<Env, "appUrl">, token: string) => `${env.appUrl}/reset-password?token=${token}`;

/** Creates a reset link for an existing account, or undefined when there is none (for the operator command). */
export async function createPasswordResetLink(db: Db, env: Pick<Env, "appUrl">, email: string): Promise<string | undefined> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, ZEmail.parse(email)));
  if (!user) return undefined;
  return passwordResetLink(env, await issueAccountToken(db, { userId: user.id, purpose: "password_reset" }));
}

export async function requestPasswordReset(db: Db, env: Env, input: z.infer<typeof ZPasswordResetRequest>): Promise<void> {
  if (!canDeliverMail(env)) {
    logger.warn("password reset requested but no mail is configured: an operator can run `npm run user:reset-password -- <email>`");
    return;
  }
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, ZEmail.parse(input.email)));
  if (!user) return;
  const link = passwordResetLink(env, await issueAccountToken(db, { userId: user.id, purpose: "password_reset" }));
  try {
    // Each request is its own message (a new link), so its own key.
    await deliverEmail(db, env, { userId: user.id, to: input.email, idempotencyKey: `password-reset:${randomUUID()}`, template: "passwordReset", variables: { link } });
  } catch (error) {
    // Never surfaced: an error only for existing addresses would tell which ones exist.
    logger.error("could not send the password reset mail", { error });
  }
}

/** Redeems the link and sets the password; every earlier session ends. */
export async function resetPassword(db: Db, input: z.infer<typeof ZPasswordReset>): Promise<{ email: string }> {
  return db.transaction(async (tx) => {
    const redeemed = await redeemAccountToken(tx, "password_reset", input.token);
    if (!redeemed) throw new AppError("BAD_REQUEST", "This reset link is not valid: it was already used, or it expired. Ask for a new one.");
    await setPasswordEndingSessions(tx, redeemed.userId, input.password);
    const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, redeemed.userId));
    return { email: user!.email };
  });
}
