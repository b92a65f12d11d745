import { confirmAddressGet, confirmAddressPost } from "~/server/email/link-pages";

export const dynamic = "force-dynamic";

/** GET: a page with a button (changes nothing). */
export function GET(request: Request) {
  return confirmAddressGet(request);
}

/** POST: redeems the single-use link and resumes mail to the address. */
export function POST(request: Request) {
  return confirmAddressPost(request);
}
