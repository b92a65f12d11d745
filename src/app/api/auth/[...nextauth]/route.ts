import { type AuthRouteContext, handleAuthRoute } from "~/server/auth/auth-route";

export const dynamic = "force-dynamic";

const handler = (request: Request, context: AuthRouteContext) => handleAuthRoute(request, context);

export { handler as GET, handler as POST };
