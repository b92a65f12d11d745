import { unsubscribeGet, unsubscribePost } from "~/server/email/link-pages";

export const dynamic = "force-dynamic";

/** GET: the confirmation page (changes nothing: mail scanners open links). */
export function GET(request: Request) {
  return unsubscribeGet(request);
}

/** POST: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the page's button: email off for the token's category. */
export function POST(request: Request) {
  return unsubscribePost(request);
}
