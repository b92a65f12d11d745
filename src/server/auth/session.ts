import { cache } from "react";
import { encode, getToken } from "next-auth/jwt";
import { getSessionUser, type PublicUser } from "./accounts";
import { getAuthOptions, getAuthSecret } from "./options";
import { getDb } from "../db/client";

export type SessionClaims = { userId: string; sessionVersion: number };

/** Decodes next-auth's session cookie (JWT strategy). Never looks at Authorization headers. */
export async function readSessionCookie(cookies: Record<string, string>): Promise<SessionClaims | null> {
  getAuthOptions(); // sets NEXTAUTH_URL, which decides the (secure) cookie name
  const token = await getToken({ req: { cookies, headers: {} } as never, secret: getAuthSecret() });
  if (!token?.sub) return null;
  return { userId: token.sub, sessionVersion: token.sv ?? 0 };
}

/** next-auth's session cookie name: the `__Secure-` one whenever the app is served over https (as getToken decides). */
function sessionCookieName(): { name: string; secure: boolean } {
  getAuthOptions();
  const secure = process.env.NEXTAUTH_URL?.startsWith("https://") ?? Boolean(process.env.VERCEL);
  return { name: `${secure ? "__Secure-" : ""}next-auth.session-token`, secure };
}

/**
 * The Set-Cookie value that carries the caller's current session on with new
 * claims, e.g. after a password change bumped the session version: that ends every
 * other session while this browser stays signed in. Returns null when the request
 * had no valid session cookie. Same name, flags and lifetime as next-auth's own.
 */
export async function renewedSessionCookie(
  cookies: Record<string, string>,
  changes: { sessionVersion: number; email?: string; name?: string | null },
): Promise<string | null> {
  const options = getAuthOptions();
  const token = await getToken({ req: { cookies, headers: {} } as never, secret: getAuthSecret() });
  if (!token?.sub) return null;
  const maxAge = options.session?.maxAge ?? 30 * 24 * 60 * 60;
  const { iat: _iat, exp: _exp, jti: _jti, ...claims } = token;
  const jwt = await encode({
    token: { ...claims, sv: changes.sessionVersion, ...(changes.email ? { email: changes.email } : {}), ...(changes.name !== undefined ? { name: changes.name } : {}) },
    secret: getAuthSecret(),
    maxAge,
  });
  const { name, secure } = sessionCookieName();
  const expires = new Date(Date.now() + maxAge * 1000).toUTCString();
  return `${name}=${jwt}; Path=/; Expires=${expires}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

export function parseCookieHeader(header: string | null | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header?.split(";") ?? []) {
    const index = part.indexOf("=");
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

/**
 * For server components and route handlers: the signed-in user, or undefined.
 * Cached per request, so a layout and its page share one cookie decode and query.
 */
export const getCurrentUser = cache(async (): Promise<PublicUser | undefined> => {
  const { cookies } = await import("next/headers");
  const jar = await cookies();
  const claims = await readSessionCookie(Object.fromEntries(jar.getAll().map((c) => [c.name, c.value])));
  if (!claims) return undefined;
  return getSessionUser(await getDb(), claims);
});
