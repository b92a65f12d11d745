import { confirmAddressGet, confirmAddressPost } from "~/server/email/link-pages";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/** GET: a page with a button (changes nothing). */
export const GET = withBodyLimit("noBody", (request: Request) => confirmAddressGet(request));

/** POST: redeems the single-use link and resumes mail to the address. */
export const POST = withBodyLimit("emailLinks", (request: Request) => confirmAddressPost(request));
