import { getOpenApiDocument } from "~/server/openapi/document";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/** The OpenAPI 3.1 document of the REST API (/api/v1); /docs renders it. */
export const GET = withBodyLimit("noBody", () => Response.json(getOpenApiDocument(), { headers: { "cache-control": "public, max-age=300" } }));
