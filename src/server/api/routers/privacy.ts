import { ZPrivacySettingsPatch } from "~/lib/schemas/privacy";
import { getEnv } from "../../env";
import { listExports, requestExport, ZExportInput } from "../../privacy/export";
import { jobs } from "../../jobs/send";
import { listConsents, recordConsent, ZRecordConsentInput } from "../../privacy/consents";
import { anonymizeAccount, deleteAccount, deleteCollection, ZDeleteCollectionInput, ZReauthentication } from "../../privacy/deletion";
import { listProcessing, ZProcessingLogQuery } from "../../privacy/processing-log";
import { getPrivacySettings, updatePrivacySettings } from "../../privacy/settings";
import { browserSessionProcedure, createTRPCRouter, protectedProcedure } from "../trpc";

export const privacyRouter = createTRPCRouter({
  /** Signed in: the privacy settings in force (defaults filled in). */
  settings: protectedProcedure.query(({ ctx }) => getPrivacySettings(ctx.db, ctx.user.id)),

  /** Signed in: change any subset of the settings; enforced by the server from the next request on. */
  updateSettings: protectedProcedure.input(ZPrivacySettingsPatch).mutation(({ ctx, input }) => updatePrivacySettings(ctx.db, ctx.user.id, input)),

  /** Signed in: what was done with the caller's data, why and on what legal basis; newest first. */
  processingLog: protectedProcedure.input(ZProcessingLogQuery).query(({ ctx, input }) => listProcessing(ctx.db, ctx.user.id, input)),

  /** Signed in: the consent history (append-only) and the decision in force per type, with the policy version. */
  consents: protectedProcedure.query(({ ctx }) => listConsents(ctx.db, ctx.user.id)),

  /** Signed in: ask for a copy of everything held about the caller; a job builds it and announces privacy:export_ready. */
  export: protectedProcedure.input(ZExportInput).mutation(async ({ ctx, input }) => {
    const requested = await requestExport(ctx.db, ctx.user.id, input.format);
    await jobs.send({ name: "privacy/export.requested", data: { userId: ctx.user.id, exportId: requested.exportId } });
    return requested;
  }),

  /** Signed in: the caller's recent exports, with a download link while it lasts (an hour). */
  exports: protectedProcedure.query(({ ctx }) => listExports(ctx.db, ctx.user.id)),

  /** Signed in: give or withdraw consent to cloud sync or an integration; takes effect before this answers. */
  recordConsent: protectedProcedure.input(ZRecordConsentInput).mutation(({ ctx, input }) => recordConsent(ctx.db, ctx.user.id, input)),

  /** Signed in: delete everything the server holds of one collection (offered when it is switched off). */
  deleteCollection: protectedProcedure.input(ZDeleteCollectionInput).mutation(({ ctx, input }) => deleteCollection(ctx.db, ctx.user.id, input.collection)),

  /** Signed in, re-authenticated: delete the account and every row that belongs to it. */
  deleteAccount: browserSessionProcedure.input(ZReauthentication).mutation(({ ctx, input }) => deleteAccount(ctx.db, getEnv(), ctx.user.id, input, ctx.ip)),

  /** Signed in, re-authenticated: keep only non-identifying counts, delete everything else. */
  anonymize: browserSessionProcedure.input(ZReauthentication).mutation(({ ctx, input }) => anonymizeAccount(ctx.db, getEnv(), ctx.user.id, input, ctx.ip)),
});
