import { getEnv } from "../../env";
import { jobModeOf } from "../../jobs/client";
import { jobFunctions } from "../../jobs/functions";
import { listJobRuns } from "../../jobs/runs";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const jobNames = new Map(jobFunctions.map((job) => [job.id, job.config.name]));

export const jobsRouter = createTRPCRouter({
  /** Signed in: the latest runs of the caller's own background jobs and how they ended. */
  runs: protectedProcedure.query(async ({ ctx }) => {
    const runs = await listJobRuns(ctx.db, ctx.user.id, 50);
    return {
      engine: jobModeOf(getEnv()),
      runs: runs.map((run) => ({ ...run, name: jobNames.get(run.functionId) ?? run.functionId })),
    };
  }),
});
