import { getOpenApiDocument } from "~/server/openapi/document";

export const dynamic = "force-dynamic";

/** The OpenAPI 3.1 document of the REST API (/api/v1); /docs renders it. */
export function GET() {
  return Response.json(getOpenApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}
