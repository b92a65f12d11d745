import { readScalarBundle } from "~/server/openapi/scalar";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/** The Scalar reference's script for /docs, served by this deployment (see docs/route.ts). */
const SCRIPT_HEADERS = { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" };

export const GET = withBodyLimit("noBody", async () => new Response(await readScalarBundle(), { headers: SCRIPT_HEADERS }));
