/**
 * Cross-site request refusal (CSRF): the one rule, for tRPC (api/trpc.ts, every procedure's
 * context) and for route handlers that act on the session cookie (Pusher channel auth).
 *
 * A browser attaches the session cookie to requests other sites make it send (a form on
 * another site posting here), so an unsafe request may act as the user only when it comes
 * from our own pages. Browsers say where a request comes from, and nothing else does:
 *  - `Sec-Fetch-Site` (every current browser, to https and localhost): `same-origin`, or
 *    `none` (typed in, a bookmark), is allowed; `same-site` and `cross-site` are refused;
 *  - otherwise `Origin` (sent on every cross-origin POST, also over plain http): it must be
 *    APP_URL's origin, or name the host the request was sent to (a deployment reached on its
 *    LAN address over http before APP_URL was set; a cross-site request always names the
 *    other site, whose cookies are not ours);
 *  - neither header: not a browser (the desktop app, the CLI, curl), so no ambient cookie
 *    of a victim can be involved; allowed.
 * Safe methods (GET, HEAD, OPTIONS) change nothing and are not checked.
 *
 * Exempt, because a cookie is not what authenticates them:
 *  - requests with `Authorization: Bearer <device token>` (the caller holds the credential);
 *  - provider and email webhooks and /api/inngest (each verifies a signature);
 *  - OAuth callbacks (GET, bound to the user by the single-use `state`);
 *  - /api/auth (next-auth checks its own double-submit CSRF token on every POST);
 *  - the email link pages' POSTs (the token in the link authenticates; RFC 8058 one-click
 *    unsubscribe comes from the mail provider's servers).
 */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why this request must be refused as cross-site, or null when it may act with the
 * session cookie. Callers exempt bearer-authenticated requests before asking.
 */
export function crossSiteRefusal(request: Pick<Request, "method" | "headers">, appUrl: string): string | null {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return null;
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite) {
    return fetchSite === "same-origin" || fetchSite === "none"
      ? null
      : `Cross-site request refused: this action must come from DevPulse Cloud's own pages (the browser says it came from a ${fetchSite} page). Desktop apps and scripts authenticate with a device token instead.`;
  }
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  if (origin === new URL(appUrl).origin || originNamesHost(origin, request.headers.get("host"))) return null;
  return `Cross-site request refused: this action must come from DevPulse Cloud's own pages (Origin ${origin.slice(0, 200)} is not ${new URL(appUrl).origin}). Desktop apps and scripts authenticate with a device token instead.`;
}

function originNamesHost(origin: string, host: string | null): boolean {
  if (!host || origin === "null") return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
