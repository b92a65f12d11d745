import { NextResponse, type NextRequest } from "next/server";

/**
 * Sends visitors without a session cookie to sign-in, remembering where they were
 * going (e.g. /device?code=…). Only a cheap presence check: the signed-in layout
 * validates the session itself.
 */
export function proxy(request: NextRequest) {
  const hasSession = request.cookies.getAll().some((cookie) => /(^|\.)next-auth\.session-token(\.\d+)?$/.test(cookie.name));
  if (hasSession) return NextResponse.next();
  const signIn = new URL("/sign-in", request.url);
  signIn.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.redirect(signIn);
}

export const config = {
  matcher: ["/dashboard", "/device", "/settings/:path*", "/conflicts/:path*", "/integrations/:path*", "/privacy/:path*"],
};
