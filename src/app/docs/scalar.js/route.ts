import { readScalarBundle } from "~/server/openapi/scalar";

export const dynamic = "force-dynamic";

/** The Scalar reference's script for /docs, served by this deployment (see docs/route.ts). */
export async function GET() {
  return new Response(new Uint8Array(await readScalarBundle()), {
    headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" },
  });
}
