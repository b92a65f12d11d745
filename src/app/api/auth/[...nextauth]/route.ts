import { type AuthRouteContext, handleAuthRoute } from "~/server/auth/auth-route";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

const handler = withBodyLimit("auth", (request: Request, context: AuthRouteContext) => handleAuthRoute(request, context));

export { handler as GET, handler as POST };
