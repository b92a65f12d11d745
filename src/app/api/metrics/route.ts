import { getEnv } from "~/server/env";
import { metricsResponse } from "~/server/metrics/endpoint";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return metricsResponse(request, getEnv());
}
