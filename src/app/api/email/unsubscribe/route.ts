import { unsubscribeGet, unsubscribePost } from "~/server/email/link-pages";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** GET: the confirmation page (changes nothing: mail scanners open links). */
export const GET = withBodyLimit("noBody", async (request: Request) => (await rateLimitRoute(request, "emailLink")) ?? unsubscribeGet(request));

/** POST: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the page's button: email off for the token's category. */
export const POST = withBodyLimit("emailLinks", async (request: Request) => (await rateLimitRoute(request, "emailLink")) ?? unsubscribePost(request));
