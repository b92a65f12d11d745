import NextAuth from "next-auth";
import { getSessionUser } from "~/server/auth/accounts";
import { getAuthOptionsFor } from "~/server/auth/options";
import { parseCookieHeader, readSessionCookie } from "~/server/auth/session";
import { getDb } from "~/server/db/client";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per request (lazily, cached) so `next build` needs no secret or database.
const handler = async (req: Request, context: RouteContext) => {
  const action = (await context.params).nextauth?.[0];
  // A provider callback from a signed-in browser links that provider to the account (account page).
  const claims = action === "callback" ? await readSessionCookie(parseCookieHeader(req.headers.get("cookie"))) : null;
  const signedIn = claims ? await getSessionUser(await getDb(), claims) : undefined;
  return NextAuth(req as never, context as never, getAuthOptionsFor({ linkToUserId: signedIn?.id }));
};

export { handler as GET, handler as POST };
