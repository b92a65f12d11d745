import { cache } from "react";
import { getToken } from "next-auth/jwt";
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
