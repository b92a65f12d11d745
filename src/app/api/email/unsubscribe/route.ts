import { unsubscribeGet, unsubscribePost } from "~/server/email/link-pages";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/** GET: the confirmation page (changes nothing: mail scanners open links). */
export const GET = withBodyLimit("noBody", (request: Request) => unsubscribeGet(request));

/** POST: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the page's button: email off for the token's category. */
export const POST = withBodyLimit("emailLinks", (request: Request) => unsubscribePost(request));
