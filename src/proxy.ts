import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "~/server/env";
import { refuseUndecodablePath } from "~/server/http/undecodable-path";
import { newNonce, pageSecurityHeaders } from "~/server/security/page-headers";

/** The signed-in areas (the signed-in layout validates the session itself). */
const SIGNED_IN_AREA = /^\/(dashboard|device)$|^\/(settings|conflicts|integrations|privacy)(\/|$)/;

/**
 * Runs before every page (and before any path with a percent sign, /api included). Next 16
 * runs the proxy in the Node.js runtime, so it reads the environment through env.ts like the
 * rest of the server.
 *  1. Refuses paths Next cannot decode (see refuseUndecodablePath).
 *  2. Leaves /api alone: route handlers set their own headers, and a proxy in front of them
 *     would make Next buffer their bodies (cut at proxyClientMaxBodySize).
 *  3. Sends visitors of the signed-in area without a session cookie to sign-in, remembering
 *     where they were going (e.g. /device?code=…): only a cheap presence check.
 *  4. Gives the page its security headers with a fresh nonce (server/security/page-headers.ts):
 *     the CSP goes on the response, and on the request too, where Next finds the nonce for its
 *     own scripts; `x-nonce` carries it to what renders a script itself (the /docs reference).
 */
export function proxy(request: NextRequest) {
  const refused = refuseUndecodablePath(request.url);
  if (refused) return refused;
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith("/api/")) return NextResponse.next();
  if (SIGNED_IN_AREA.test(pathname) && !hasSessionCookie(request)) {
    const signIn = new URL("/sign-in", request.url);
    signIn.searchParams.set("callbackUrl", `${pathname}${search}`);
    return NextResponse.redirect(signIn);
  }
  const nonce = newNonce();
  const headers = pageSecurityHeaders(nonce, getEnv());
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", headers["content-security-policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function hasSessionCookie(request: NextRequest): boolean {
  return request.cookies.getAll().some((cookie) => /(^|\.)next-auth\.session-token(\.\d+)?$/.test(cookie.name));
}

export const config = {
  // Every page; and any path with a percent sign, so the proxy sees it before Next decodes it.
  matcher: ["/((?!api/|_next/static/|_next/image|favicon.ico).*)", "/(.*%.*)"],
};
