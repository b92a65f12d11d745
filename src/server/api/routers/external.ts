import { z } from "zod";
import { ZCorrelationInput } from "~/lib/correlation/schemas";
import { correlateWithCachedCommits, listCachedCommits, listCachedRepositories, ZCommitsQuery } from "../../integrations/external-data";
import { ZCachedCommit, ZCachedRepository } from "../../integrations/schemas";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const externalRouter = createTRPCRouter({
  /** Signed in: repositories the connected accounts can access, with permission level (from the last sync). */
  repositories: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/external/repositories", protect: true, tags: ["External data"], summary: "Repositories of the connected git accounts" } })
    .input(z.object({ provider: z.enum(["github", "gitlab"]).optional() }).default({}))
    .output(z.array(ZCachedRepository))
    .query(({ ctx, input }) => listCachedRepositories(ctx.db, ctx.user.id, input.provider)),

  /** Signed in: the connected identities' commits in a time range, with additions, deletions and files. */
  commits: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/external/commits", protect: true, tags: ["External data"], summary: "Your commits in a time range" } })
    .input(ZCommitsQuery)
    .output(z.array(ZCachedCommit))
    .query(({ ctx, input }) => listCachedCommits(ctx.db, ctx.user.id, input)),

  /**
   * Signed in: correlate activity periods (decrypted on the client, sent in the request,
   * never stored) with the user's cached commits in their time range.
   */
  correlate: protectedProcedure
    .input(ZCorrelationInput.omit({ commits: true }))
    .mutation(({ ctx, input }) => correlateWithCachedCommits(ctx.db, ctx.user.id, input)),
});
