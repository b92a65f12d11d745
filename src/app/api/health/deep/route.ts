import { createContextFromRequest } from "~/server/api/trpc";
import { getEnv } from "~/server/env";
import { deepHealthResponse } from "~/server/health/deep";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

export const GET = withBodyLimit("noBody", (request: Request) => deepHealthResponse(request, getEnv(), async () => (await createContextFromRequest(request)).user));
