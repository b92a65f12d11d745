import NextAuth from "next-auth";
import { getAuthOptions } from "~/server/auth/options";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per request (lazily, cached) so `next build` needs no secret or database.
const handler = (req: Request, context: RouteContext) => NextAuth(req as never, context as never, getAuthOptions());

export { handler as GET, handler as POST };
