import { confirmAddressGet, confirmAddressPost } from "~/server/email/link-pages";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** GET: a page with a button (changes nothing). */
export async function GET(request: Request) {
  const limited = await rateLimitRoute(request, "emailLink"); if (limited) return limited;
  return confirmAddressGet(request);
}

/** POST: redeems the single-use link and resumes mail to the address. */
export async function POST(request: Request) {
  const limited = await rateLimitRoute(request, "emailLink"); if (limited) return limited;
  return confirmAddressPost(request);
}
