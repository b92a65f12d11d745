import { ZPrivacySettingsPatch } from "~/lib/schemas/privacy";
import { listProcessing, ZProcessingLogQuery } from "../../privacy/processing-log";
import { getPrivacySettings, updatePrivacySettings } from "../../privacy/settings";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const privacyRouter = createTRPCRouter({
  /** Signed in: the privacy settings in force (defaults filled in). */
  settings: protectedProcedure.query(({ ctx }) => getPrivacySettings(ctx.db, ctx.user.id)),

  /** Signed in: change any subset of the settings; enforced by the server from the next request on. */
  updateSettings: protectedProcedure.input(ZPrivacySettingsPatch).mutation(({ ctx, input }) => updatePrivacySettings(ctx.db, ctx.user.id, input)),

  /** Signed in: what was done with the caller's data, why and on what legal basis; newest first. */
  processingLog: protectedProcedure.input(ZProcessingLogQuery).query(({ ctx, input }) => listProcessing(ctx.db, ctx.user.id, input)),
});
