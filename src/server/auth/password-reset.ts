import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { canDeliverMail, sendMail, type LinkMailEnv } from "../mail/mailer";
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

export async function requestPasswordReset(db: Db, env: LinkMailEnv, input: z.infer<typeof ZPasswordResetRequest>): Promise<void> {
  if (!canDeliverMail(env)) {
    logger.warn("password reset requested but no mail is configured: an operator can run `npm run user:reset-password -- <email>`");
    return;
  }
  const link = await createPasswordResetLink(db, env, input.email);
  if (!link) return;
  try {
    await sendMail(env, {
      to: input.email,
      subject: "Reset your DevPulse Cloud password",
      text: [
        "Someone (hopefully you) asked to reset the password of your DevPulse Cloud account.",
        "",
        `Choose a new password here within the next hour: ${link}`,
        "",
        "The link works once. Setting a new password signs you out everywhere else.",
        "If you did not ask for this, ignore this email: your password stays as it is.",
      ].join("\n"),
    });
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
