import { type AuthRouteContext, handleAuthRoute } from "~/server/auth/auth-route";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

const handler = withBodyLimit("auth", async (request: Request, context: AuthRouteContext) => (await rateLimitRoute(request, "signIn")) ?? handleAuthRoute(request, context));

export { handler as GET, handler as POST };
