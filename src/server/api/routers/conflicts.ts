import { z } from "zod";
import { getConflict, listConflicts, ZListConflictsInput } from "../../conflicts/queries";
import { resolveConflict, ZResolveConflictInput } from "../../conflicts/resolve";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const conflictsRouter = createTRPCRouter({
  /** Signed in: the user's conflicts, newest first, paginated. */
  list: protectedProcedure.input(ZListConflictsInput).query(({ ctx, input }) => listConflicts(ctx.db, ctx.user.id, input)),

  /** Signed in: one of the user's conflicts with base, local and remote ciphertexts. */
  get: protectedProcedure.input(z.object({ id: z.uuid("Not a conflict id") })).query(({ ctx, input }) => getConflict(ctx.db, ctx.user.id, input.id)),

  /** Signed in: resolve one of the user's open conflicts by strategy (refused if the record moved on). */
  resolve: protectedProcedure
    .input(ZResolveConflictInput)
    .mutation(({ ctx, input }) => resolveConflict(ctx.db, ctx.user.id, input, ctx.device?.id ?? null)),
});
