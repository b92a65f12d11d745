import NextAuth from "next-auth";
import { getDb } from "../db/client";
import { getSessionUser } from "./accounts";
import { getAuthOptionsFor } from "./options";
import { guardAuthRequest } from "./route-guard";
import { parseCookieHeader, readSessionCookie } from "./session";

export type AuthRouteContext = { params: Promise<{ nextauth: string[] }> };

/**
 * Everything under /api/auth: the guard first (it answers what next-auth would fail on with
 * a 500), then next-auth with options built for this request (lazily, so `next build` needs
 * no secret or database).
 */
export async function handleAuthRoute(request: Request, context: AuthRouteContext): Promise<Response> {
  const segments = (await context.params).nextauth ?? [];
  const refused = await guardAuthRequest(request, segments);
  if (refused) return refused;
  const linkToUserId = segments[0] === "callback" ? await signedInUserId(request) : undefined;
  return NextAuth(request as never, context as never, getAuthOptionsFor({ linkToUserId }));
}

/** A provider callback from a signed-in browser links that provider to its account (the account page). */
async function signedInUserId(request: Request): Promise<string | undefined> {
  const claims = await readSessionCookie(parseCookieHeader(request.headers.get("cookie")));
  return claims ? (await getSessionUser(await getDb(), claims))?.id : undefined;
}
