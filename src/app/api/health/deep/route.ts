import { createContextFromRequest } from "~/server/api/trpc";
import { getEnv } from "~/server/env";
import { deepHealthResponse } from "~/server/health/deep";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return deepHealthResponse(request, getEnv(), async () => (await createContextFromRequest(request)).user);
}
