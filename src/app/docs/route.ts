import { ApiReference } from "@scalar/nextjs-api-reference";
import { SCALAR_SCRIPT_PATH } from "~/server/openapi/scalar";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/** Scalar options the bundle knows but this package's types do not list yet. */
const untypedOptions = {
  // Scalar's AI chat sends the document to Scalar's servers: not from a privacy-first service.
  agent: { disabled: true },
};

/**
 * The interactive API reference (Scalar) for /api/openapi.json. Its script is served from
 * this deployment (/docs/scalar.js), never from Scalar's CDN: self-hosters may run without
 * internet, and a strict Content-Security-Policy allows only our own scripts. The proxy's
 * per-request nonce (`x-nonce`, when set) goes on the page's inline script and style.
 */
export const GET = withBodyLimit("noBody", async (request: Request) => {
  const reference = ApiReference({
    url: "/api/openapi.json",
    pageTitle: "DevPulse Cloud API reference",
    cdn: SCALAR_SCRIPT_PATH,
    nonce: request.headers.get("x-nonce") ?? undefined,
    // A short API: every operation listed at once.
    defaultOpenAllTags: true,
    // Nothing from or for Scalar's own services: fonts, telemetry, MCP, its developer toolbar.
    withDefaultFonts: false,
    telemetry: false,
    mcp: { disabled: true },
    showDeveloperTools: "never",
    authentication: { preferredSecurityScheme: "DeviceToken" },
    ...untypedOptions,
  })();
  return inEnglish(reference);
});

/** Scalar's page has no `lang` (screen readers guess the language); the reference is written in English. */
async function inEnglish(page: Response): Promise<Response> {
  const html = (await page.text()).replace(/<html(?![^>]*\blang=)/i, '<html lang="en"');
  const headers = new Headers(page.headers);
  headers.delete("content-length");
  return new Response(html, { status: page.status, headers });
}
