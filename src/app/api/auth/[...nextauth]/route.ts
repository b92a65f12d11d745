import NextAuth from "next-auth";
import { getAuthOptions } from "~/server/auth/options";
import { guardAuthRequest } from "~/server/auth/route-guard";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per request (lazily, cached) so `next build` needs no secret or database.
// The guard answers requests next-auth would fail on with a 500 (see route-guard.ts).
const handler = async (req: Request, context: RouteContext) =>
  (await guardAuthRequest(req, (await context.params).nextauth ?? [])) ?? NextAuth(req as never, context as never, getAuthOptions());

export { handler as GET, handler as POST };
