import type { Env } from "../env";

/**
 * The security headers of every page, set by the proxy (src/proxy.ts) with a fresh nonce per
 * request. Headers that never change (X-Content-Type-Options, Permissions-Policy) are in
 * next.config.mjs `headers()` for every response; route handlers that serve HTML set their
 * own policy (the email link pages in server/email/link-pages.ts).
 *
 * Content-Security-Policy:
 *  - scripts: only those carrying this request's nonce, and what they load ('strict-dynamic').
 *    Next reads the nonce from the request's CSP header and puts it on its own scripts, so every
 *    page must render per request (the root layout waits for `connection()`).
 *  - styles: 'self' and 'unsafe-inline', for styles only. React's `style={…}` attributes cannot
 *    carry a nonce, and the email preview (/settings/notifications/emails) shows mail in an
 *    `iframe[sandbox]` with `srcdoc`, which inherits this policy, and mail is styled inline.
 *    A nonce in style-src would make browsers ignore 'unsafe-inline'. Injected CSS cannot run
 *    code, and React escapes what it renders.
 *  - connect: this origin (tRPC, its server-sent events) and, when configured, the Pusher
 *    hosts the browser's pusher-js connects to.
 *  - never framed (frame-ancestors 'none'), no plugins, no <base>, forms post only here.
 *  - development adds 'unsafe-eval' (React rebuilds server error stacks with eval; never in production).
 * One policy for every page, /docs included: the API reference's script is served from here
 * (/docs/scalar.js) and its inline script carries the nonce, which the proxy passes in `x-nonce`.
 * HSTS only when APP_URL is https: on http it would be ignored, and a deployment on plain
 * http (localhost, a LAN) must not tell browsers to insist on TLS.
 */

type PolicyInputs = {
  nonce: string;
  development: boolean;
  https: boolean;
  /** Extra connect-src sources: the realtime hosts (realtimeConnectSources). */
  connectSources: string[];
};

function contentSecurityPolicy({ nonce, development, https, connectSources }: PolicyInputs): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(development ? ["'unsafe-eval'"] : [])],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'", ...connectSources],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    ...(https ? { "upgrade-insecure-requests": [] } : {}),
  };
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(" "))
    .join("; ");
}

/**
 * Where the browser's pusher-js connects (src/client/realtime.ts, told by pusherConnectionFor):
 * a Pusher cluster's WebSocket host and its HTTP fallback host, or a self-hosted
 * Pusher-protocol server (Soketi) by WebSocket only. TLS is used whenever the page is https,
 * so the plain forms are added only when PUSHER_USE_TLS is off.
 */
export function realtimeConnectSources(env: Env): string[] {
  if (!env.PUSHER_APP_ID || !env.PUSHER_KEY || !env.PUSHER_SECRET) return [];
  const withPlain = (tls: string, plain: string) => (env.PUSHER_USE_TLS ? [tls] : [tls, plain]);
  if (env.PUSHER_HOST) {
    const host = `${env.PUSHER_HOST}${env.PUSHER_PORT ? `:${env.PUSHER_PORT}` : ""}`;
    return withPlain(`wss://${host}`, `ws://${host}`);
  }
  if (!env.PUSHER_CLUSTER) return [];
  return [
    ...withPlain(`wss://ws-${env.PUSHER_CLUSTER}.pusher.com`, `ws://ws-${env.PUSHER_CLUSTER}.pusher.com`),
    ...withPlain(`https://sockjs-${env.PUSHER_CLUSTER}.pusher.com`, `http://sockjs-${env.PUSHER_CLUSTER}.pusher.com`),
  ];
}

/** HSTS for two years on this host and below it; not `preload`, which commits the whole domain. */
const HSTS = "max-age=63072000; includeSubDomains";

/** Every header a page response carries from the proxy, for this request's nonce. */
export function pageSecurityHeaders(nonce: string, env: Env): Record<string, string> {
  const https = new URL(env.appUrl).protocol === "https:";
  const policy = contentSecurityPolicy({ nonce, development: env.NODE_ENV === "development", https, connectSources: realtimeConnectSources(env) });
  return {
    "content-security-policy": policy,
    // Nothing of a URL (tokens in /reset-password, codes in /device) goes to other sites, not even our origin.
    "referrer-policy": "same-origin",
    ...(https ? { "strict-transport-security": HSTS } : {}),
  };
}

/** A fresh, unguessable nonce per request: 128 random bits, base64. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
