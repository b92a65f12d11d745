import { z } from "zod";
import { ZCorrelationInput } from "~/lib/correlation/schemas";
import { correlateWithCachedCommits, listCachedCommits, listCachedRepositories, ZCommitsQuery } from "../../integrations/external-data";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const externalRouter = createTRPCRouter({
  /** Signed in: repositories the connected accounts can access, with permission level (from the last sync). */
  repositories: protectedProcedure
    .input(z.object({ provider: z.enum(["github", "gitlab"]).optional() }).default({}))
    .query(({ ctx, input }) => listCachedRepositories(ctx.db, ctx.user.id, input.provider)),

  /** Signed in: the connected identities' commits in a time range, with additions, deletions and files. */
  commits: protectedProcedure.input(ZCommitsQuery).query(({ ctx, input }) => listCachedCommits(ctx.db, ctx.user.id, input)),

  /**
   * Signed in: correlate activity periods (decrypted on the client, sent in the request,
   * never stored) with the user's cached commits in their time range.
   */
  correlate: protectedProcedure
    .input(ZCorrelationInput.omit({ commits: true }))
    .mutation(({ ctx, input }) => correlateWithCachedCommits(ctx.db, ctx.user.id, input)),
});
