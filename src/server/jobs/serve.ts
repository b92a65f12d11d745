import type { Inngest } from "inngest";
import { serve } from "inngest/next";
import type { Job } from "./define-job";
import { jobFunctions } from "./functions";

/** Inngest's HTTP endpoint for our functions: GET introspection, PUT registration, POST invocation. */
export function createInngestEndpoint(client: Inngest, jobs: readonly Job[] = jobFunctions) {
  return serve({ client, servePath: "/api/inngest", functions: jobs.map((job) => job.toInngestFunction(client)) });
}
