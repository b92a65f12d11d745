import { NextResponse, type NextRequest } from "next/server";
import { refuseUndecodablePath } from "~/server/http/undecodable-path";

/** The signed-in areas: the same paths as the page entries of `config.matcher` below (which must be literal). */
const SIGNED_IN_AREA = /^\/(dashboard|device)$|^\/(settings|conflicts|integrations|privacy)(\/|$)/;

/**
 * Refuses paths Next cannot decode (see refuseUndecodablePath), then sends visitors
 * of the signed-in area without a session cookie to sign-in, remembering where they
 * were going (e.g. /device?code=…). Only a cheap presence check: the signed-in layout
 * validates the session itself.
 */
export function proxy(request: NextRequest) {
  const refused = refuseUndecodablePath(request.url);
  if (refused) return refused;
  if (!SIGNED_IN_AREA.test(request.nextUrl.pathname)) return NextResponse.next();
  const hasSession = request.cookies.getAll().some((cookie) => /(^|\.)next-auth\.session-token(\.\d+)?$/.test(cookie.name));
  if (hasSession) return NextResponse.next();
  const signIn = new URL("/sign-in", request.url);
  signIn.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.redirect(signIn);
}

export const config = {
  // The last entry: any path with a percent sign, so the proxy sees it before Next decodes it (nothing else pays for the proxy).
  matcher: ["/dashboard", "/device", "/settings/:path*", "/conflicts/:path*", "/integrations/:path*", "/privacy/:path*", "/(.*%.*)"],
};
