import { z } from "zod";
import { ZText } from "~/lib/schemas/primitives";
import { getEnv } from "../../env";
import { jobModeOf } from "../../jobs/client";
import { DEFAULT_RETRIES } from "../../jobs/define-job";
import { jobFunctions } from "../../jobs/functions";
import { listJobRuns, retryJobRun } from "../../jobs/runs";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const jobsById = new Map(jobFunctions.map((job) => [job.id, job.config]));

/** Attempts a run gets in all: the first one and the job's retries (a job since removed gets the default). */
const maxAttemptsOf = (functionId: string) => (jobsById.get(functionId)?.retries ?? DEFAULT_RETRIES) + 1;

/** Run ids are Inngest's ULIDs or the embedded engine's UUIDs. */
const ZRunId = ZText.trim().min(1, "Not a run id").max(200, "Not a run id");

export const jobsRouter = createTRPCRouter({
  /** Signed in: the latest runs of the caller's own background jobs and where each stands. */
  runs: protectedProcedure.query(async ({ ctx }) => {
    const runs = await listJobRuns(ctx.db, ctx.user.id, 50);
    return {
      engine: jobModeOf(getEnv()),
      runs: runs.map((run) => ({ ...run, name: jobsById.get(run.functionId)?.name ?? run.functionId, maxAttempts: maxAttemptsOf(run.functionId) })),
    };
  }),

  /** Signed in: run one of the caller's own failed runs again (another user's run is NOT_FOUND; an unfinished or completed one CONFLICT). */
  retry: protectedProcedure
    .input(z.object({ runId: ZRunId }))
    .mutation(({ ctx, input }) => retryJobRun(ctx.db, { runId: input.runId, userId: ctx.user.id })),
});
