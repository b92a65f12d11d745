import { z } from "zod";
import { getRecordHistory, rollbackRecord, ZRecordRef, ZRollbackInput } from "../../conflicts/history";
import { countConflicts, getConflict, listConflicts, ZConflictDetail, ZConflictPage, ZCountConflictsInput, ZListConflictsInput } from "../../conflicts/queries";
import { resolveConflict, resolveConflicts, resolveMatchingConflicts, ZResolveConflictInput, ZResolveManyInput, ZResolveMatchingInput } from "../../conflicts/resolve";
import { getMergeRules, setMergeRule, ZSetMergeRuleInput } from "../../sync/merge-rules";
import { ZResolveConflictResult } from "../../sync/schemas";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const rulesRouter = createTRPCRouter({
  /** Signed in: the conflict strategy of every collection (the user's choice or the default). */
  get: protectedProcedure.query(({ ctx }) => getMergeRules(ctx.db, ctx.user.id)),

  /** Signed in: choose the strategy for one collection. */
  set: protectedProcedure.input(ZSetMergeRuleInput).mutation(({ ctx, input }) => setMergeRule(ctx.db, ctx.user.id, input)),
});

export const conflictsRouter = createTRPCRouter({
  /** Signed in: the user's conflicts, newest first, paginated. */
  list: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/sync/conflicts", protect: true, tags: ["Sync"], summary: "List conflicts, newest first" } })
    .input(ZListConflictsInput)
    .output(ZConflictPage)
    .query(({ ctx, input }) => listConflicts(ctx.db, ctx.user.id, input)),

  /** Signed in: how many of the user's conflicts match a filter, and the newest of them (for bulk actions). */
  count: protectedProcedure.input(ZCountConflictsInput).query(({ ctx, input }) => countConflicts(ctx.db, ctx.user.id, input)),

  /** Signed in: one of the user's conflicts with base, local and remote ciphertexts. */
  get: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/sync/conflicts/{id}", protect: true, tags: ["Sync"], summary: "One conflict with its base, local and server versions (ciphertext)", errorResponses: [404] } })
    .input(z.object({ id: z.uuid("Not a conflict id: use an id from the conflicts list") }))
    .output(ZConflictDetail)
    .query(({ ctx, input }) => getConflict(ctx.db, ctx.user.id, input.id)),

  /** Signed in: resolve one of the user's open conflicts by strategy (refused if the record moved on). */
  resolve: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/sync/resolve", protect: true, tags: ["Sync"], summary: "Resolve one conflict", errorResponses: [409, 412] } })
    .input(ZResolveConflictInput)
    .output(ZResolveConflictResult)
    .mutation(({ ctx, input }) => resolveConflict(ctx.db, ctx.user.id, input, ctx.device?.id ?? null)),

  /** Signed in: keep mine / keep theirs for several of the user's conflicts at once, all or none. */
  resolveMany: protectedProcedure
    .input(ZResolveManyInput)
    .mutation(({ ctx, input }) => resolveConflicts(ctx.db, ctx.user.id, input, ctx.device?.id ?? null)),

  /**
   * Signed in: keep mine / keep theirs for every open conflict matching a filter, one
   * batch per call (call again with `after: next` until `next` is null).
   */
  resolveMatching: protectedProcedure
    .input(ZResolveMatchingInput)
    .mutation(({ ctx, input }) => resolveMatchingConflicts(ctx.db, ctx.user.id, input, ctx.device?.id ?? null)),

  /** Signed in: every kept revision of one of the user's records, newest first (ciphertext). */
  history: protectedProcedure.input(ZRecordRef).query(({ ctx, input }) => getRecordHistory(ctx.db, ctx.user.id, input)),

  /** Signed in: restore an earlier revision of one of the user's records as a new revision. */
  rollback: protectedProcedure
    .input(ZRollbackInput)
    .mutation(({ ctx, input }) => rollbackRecord(ctx.db, ctx.user.id, input, ctx.device?.id ?? null)),

  rules: rulesRouter,
});
