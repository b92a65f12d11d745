import { confirmAddressGet, confirmAddressPost } from "~/server/email/link-pages";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** GET: a page with a button (changes nothing). */
export const GET = withBodyLimit("noBody", async (request: Request) => (await rateLimitRoute(request, "emailLink")) ?? confirmAddressGet(request));

/** POST: redeems the single-use link and resumes mail to the address. */
export const POST = withBodyLimit("emailLinks", async (request: Request) => (await rateLimitRoute(request, "emailLink")) ?? confirmAddressPost(request));
