import type { Inngest } from "inngest";
import { serve } from "inngest/next";
import { getEnv } from "../env";
import type { Job } from "./define-job";
import { getInngestClient, jobModeOf } from "./client";
import { jobFunctions } from "./functions";

/** Inngest's HTTP endpoint for our functions: GET introspection, PUT registration, POST invocation. */
export function createInngestEndpoint(client: Inngest, jobs: readonly Job[] = jobFunctions) {
  return serve({ client, servePath: "/api/inngest", functions: jobs.map((job) => job.toInngestFunction(client)) });
}

type Endpoint = ReturnType<typeof createInngestEndpoint>;
/** What Next passes a route handler; the three methods take the same. */
export type InngestRouteArgs = Parameters<Endpoint["GET"]>;
/** Made for one Inngest client, and again when the client is (getInngestClient: the environment was re-read). */
let served: { client: Inngest; endpoint: Endpoint } | undefined;

/**
 * The /api/inngest route. Without Inngest configured, jobs run in-process and there
 * is nothing to serve: say so with a 404 instead of letting the SDK answer every
 * request with a 500 ("no signing key"). Built on first request, so `next build`
 * never reads the environment.
 */
export function serveInngest(method: "GET" | "POST" | "PUT", ...args: InngestRouteArgs) {
  if (jobModeOf(getEnv()) !== "inngest") {
    return Response.json(
      { error: "Inngest is not configured on this server: background jobs run in-process. Set INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY to serve /api/inngest." },
      { status: 404 },
    );
  }
  const client = getInngestClient();
  if (served?.client !== client) served = { client, endpoint: createInngestEndpoint(client) };
  return served.endpoint[method](...args);
}
