/**
 * Next decodes a route's path parameters before any route code runs, and answers a
 * malformed percent-encoding there (`/api/webhooks/%E0%A4%A`, `/api/trpc/%`) with a
 * bare 500. The proxy (src/proxy.ts) sees the raw path first: this refuses such a
 * path as the client error it is.
 */
export function refuseUndecodablePath(url: string): Response | null {
  const { pathname } = new URL(url);
  if (!pathname.includes("%")) return null;
  try {
    decodeURIComponent(pathname);
    return null;
  } catch {
    return Response.json({ error: "Malformed percent-encoding in the URL path: encode each byte as %XX (UTF-8)." }, { status: 400 });
  }
}
