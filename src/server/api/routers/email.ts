import { emailDeliverability, requestAddressConfirmation } from "../../email/confirm-address";
import { listEmailTemplates, previewEmail, ZEmailPreviewInput } from "../../email/preview";
import { getEnv } from "../../env";
import { createTRPCRouter, protectedProcedure, rateLimited } from "../trpc";

export const emailRouter = createTRPCRouter({
  /** Signed in: every email template (for the preview page). */
  templates: protectedProcedure.query(() => listEmailTemplates()),

  /** Signed in: one template rendered with sample data: subject, HTML and text, in the caller's locale and time zone. */
  preview: protectedProcedure.input(ZEmailPreviewInput).query(({ ctx, input }) => previewEmail(ctx.db, getEnv(), ctx.user.id, input)),

  /** Signed in: the caller's address and whether mail to it is suppressed after a bounce. */
  deliverability: protectedProcedure.query(({ ctx }) => emailDeliverability(ctx.db, ctx.user.id)),

  /** Signed in: mail a single-use link that confirms the suppressed address again. */
  confirmAddress: protectedProcedure.use(rateLimited("emailChangeRequest")).mutation(({ ctx }) => requestAddressConfirmation(ctx.db, getEnv(), ctx.user.id)),
});
