import { unsubscribeGet, unsubscribePost } from "~/server/email/link-pages";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** GET: the confirmation page (changes nothing: mail scanners open links). */
export async function GET(request: Request) {
  const limited = await rateLimitRoute(request, "emailLink"); if (limited) return limited;
  return unsubscribeGet(request);
}

/** POST: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the page's button: email off for the token's category. */
export async function POST(request: Request) {
  const limited = await rateLimitRoute(request, "emailLink"); if (limited) return limited;
  return unsubscribePost(request);
}
