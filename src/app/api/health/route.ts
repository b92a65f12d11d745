import { getDb } from "~/server/db/client";
import { healthResponse } from "~/server/health/check-health";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

export const GET = withBodyLimit("noBody", () => healthResponse(getDb));
