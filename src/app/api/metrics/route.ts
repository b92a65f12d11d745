import { getEnv } from "~/server/env";
import { metricsResponse } from "~/server/metrics/endpoint";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

export const GET = withBodyLimit("noBody", (request: Request) => metricsResponse(request, getEnv()));
