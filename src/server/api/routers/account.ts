import {
  changePassword,
  getAccountOverview,
  unlinkSignInMethod,
  updateDisplayName,
  ZChangePassword,
  ZDisplayName,
  ZUnlinkMethod,
} from "../../auth/account";
import { updateUserLocale, ZLocaleChange } from "../../auth/locale";
import { confirmEmailChange, requestEmailChange, ZEmailChangeConfirm, ZEmailChangeRequest } from "../../auth/email-change";
import { requestPasswordReset, resetPassword, ZPasswordReset, ZPasswordResetRequest } from "../../auth/password-reset";
import { clearSignInLocks } from "../../auth/sign-in";
import { getEnv } from "../../env";
import { browserSessionProcedure, createTRPCRouter, publicProcedure, rateLimited } from "../trpc";

/**
 * The account page and password reset. Changes act on `ctx.user` only, and only
 * from a browser session: a desktop device token cannot change the account.
 */

export const accountRouter = createTRPCRouter({
  /** The account page: email, name, locale, and each sign-in method (linked, available). */
  get: browserSessionProcedure.query(({ ctx }) => getAccountOverview(ctx.db, ctx.user.id)),

  updateName: browserSessionProcedure.input(ZDisplayName).mutation(({ ctx, input }) => updateDisplayName(ctx.db, ctx.user.id, input)),

  /** The locale the user's emails write dates, times and numbers in (one of SUPPORTED_LOCALES; anything else is a 400). */
  updateLocale: browserSessionProcedure.input(ZLocaleChange).mutation(({ ctx, input }) => updateUserLocale(ctx.db, ctx.user.id, input)),

  /** Ends every other session; this browser's cookie is re-issued so it stays signed in. */
  changePassword: browserSessionProcedure.input(ZChangePassword).mutation(async ({ ctx, input }) => {
    const { sessionVersion } = await changePassword(ctx.db, ctx.user.id, input, ctx.ip);
    await clearSignInLocks(ctx.db, ctx.user.email, ctx.ip);
    await ctx.renewSession?.({ sessionVersion });
    return { otherSessionsSignedOut: true };
  }),

  unlinkMethod: browserSessionProcedure.input(ZUnlinkMethod).mutation(({ ctx, input }) => unlinkSignInMethod(ctx.db, ctx.user.id, input)),

  requestEmailChange: browserSessionProcedure
    .use(rateLimited("emailChangeRequest"))
    .input(ZEmailChangeRequest)
    .mutation(({ ctx, input }) => requestEmailChange(ctx.db, getEnv(), ctx.user.id, input, ctx.ip)),

  /** Anyone holding the mailed link (it may be opened in another browser). */
  confirmEmailChange: publicProcedure.input(ZEmailChangeConfirm).mutation(async ({ ctx, input }) => {
    const changed = await confirmEmailChange(ctx.db, getEnv(), input);
    if (ctx.user?.id === changed.userId) await ctx.renewSession?.({ email: changed.email });
    return { email: changed.email };
  }),

  /** Anyone: always the same answer, whether or not the address has an account. */
  requestPasswordReset: publicProcedure.use(rateLimited("passwordResetRequest")).input(ZPasswordResetRequest).mutation(async ({ ctx, input }) => {
    await requestPasswordReset(ctx.db, getEnv(), input);
    return { sent: true as const };
  }),

  resetPassword: publicProcedure.input(ZPasswordReset).mutation(async ({ ctx, input }) => {
    const { email } = await resetPassword(ctx.db, input);
    await clearSignInLocks(ctx.db, email, ctx.ip);
    return { email };
  }),
});
