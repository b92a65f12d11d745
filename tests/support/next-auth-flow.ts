import NextAuth from "next-auth";
import { buildAuthOptions, getAuthSecret } from "~/server/auth/options";
import { readSessionCookie, type SessionClaims } from "~/server/auth/session";
import { getEnv } from "~/server/env";

/**
 * A browser going through "Sign in with <provider>" against next-auth itself, with the
 * options the app builds (buildAuthOptions) and a provider double answering: the sign-in
 * POST (CSRF token, state/PKCE/nonce cookies), the provider's authorization page (the
 * double must auto-approve), and the callback with the browser's cookies.
 *
 * next-auth's App Router handler reads next/headers, which only exists inside a Next
 * request; its API-route form takes the same request as plain data, so the flow runs
 * through that form of the same handler.
 */

type Answer = { status: number; location: string | null; body: unknown };

class CookieJar {
  private cookies = new Map<string, string>();
  take(setCookie: string[]): void {
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index).trim();
      const value = decodeURIComponent(pair!.slice(index + 1).trim());
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]!) < Date.now()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  all(): Record<string, string> {
    return Object.fromEntries(this.cookies);
  }
}

async function nextAuth(
  request: { method: "GET" | "POST"; action: string; provider?: string; query?: Record<string, string>; body?: Record<string, string> },
  jar: CookieJar,
  linkToUserId: string | undefined,
): Promise<Answer> {
  const env = getEnv();
  // This file's APP_URL, not the first one a file before it in this worker set (files share modules and process.env).
  process.env.NEXTAUTH_URL = env.appUrl;
  const headers: Record<string, string | string[]> = {};
  let status = 200;
  let body: unknown;
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
    setHeader(name: string, value: string | string[]) {
      headers[name.toLowerCase()] = value;
      return res;
    },
    end: () => res,
    send(value: unknown) {
      body = value;
      return res;
    },
    json(value: unknown) {
      body = value;
      return res;
    },
  };
  const req = {
    method: request.method,
    query: { nextauth: [request.action, ...(request.provider ? [request.provider] : [])], ...request.query },
    body: request.body ?? {},
    cookies: jar.all(),
    headers: { host: new URL(env.appUrl).host },
  };
  await NextAuth(req as never, res as never, buildAuthOptions(env, getAuthSecret(), linkToUserId));
  const setCookie = headers["set-cookie"];
  jar.take(Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []);
  const location = headers.location;
  return { status, location: typeof location === "string" ? location : null, body };
}

export type SignInOutcome = {
  /** Where next-auth sent the browser at the end: the callbackUrl, or /sign-in?error=… */
  location: URL;
  /** The session the browser now holds, or null (refused). */
  session: SessionClaims | null;
  /** The provider's authorization URL the browser was sent to (its query: scope, state, nonce…). */
  authorizationUrl: URL;
};

/**
 * Clicks "Continue with <provider>" and follows every redirect as a browser would. With
 * `linkToUserId`, the browser is signed in already (the account page's "Link").
 */
export async function signInThroughProvider(provider: string, options: { callbackUrl?: string; linkToUserId?: string } = {}): Promise<SignInOutcome> {
  const jar = new CookieJar();
  const base = getEnv().appUrl;
  const csrf = await nextAuth({ method: "GET", action: "csrf" }, jar, options.linkToUserId);
  const { csrfToken } = csrf.body as { csrfToken: string };
  const started = await nextAuth({ method: "POST", action: "signin", provider, body: { csrfToken, callbackUrl: options.callbackUrl ?? `${base}/dashboard` } }, jar, options.linkToUserId);
  if (started.status !== 302 || !started.location) throw new Error(`next-auth did not start ${provider} sign-in: ${started.status} ${JSON.stringify(started.body)}`);
  const authorizationUrl = new URL(started.location);
  if (authorizationUrl.origin === new URL(base).origin) throw new Error(`next-auth refused to start ${provider} sign-in: ${started.location}`);

  const consent = await fetch(authorizationUrl, { redirect: "manual" });
  const back = consent.headers.get("location");
  if (consent.status !== 302 || !back) throw new Error(`the ${provider} double did not redirect back (${consent.status}): ${(await consent.text()).slice(0, 300)}`);
  const callback = new URL(back);
  const finished = await nextAuth(
    { method: "GET", action: "callback", provider, query: Object.fromEntries(callback.searchParams) },
    jar,
    options.linkToUserId,
  );
  if (!finished.location) throw new Error(`next-auth answered the ${provider} callback with ${finished.status}, no redirect`);
  return { location: new URL(finished.location, base), session: await readSessionCookie(jar.all()), authorizationUrl };
}
