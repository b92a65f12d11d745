import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "../db/client";
import { getEnv, type Env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { readOrCreateLocalSecret } from "../secrets/local-secret";
import { isOAuthSignInMethod, oauthSignInMethods, type OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import { linkOAuthIdentity } from "./account";
import { OAUTH_ACCOUNT_NOT_LINKED, resolveOAuthUser } from "./oauth-accounts";
import { identityFromProfile, nextAuthSignInProviders, offeredSignInMethods } from "./providers";
import { clientIpFrom } from "../http/client-address";
import { signInWithPassword } from "./sign-in";

/** next-auth error codes a client's request causes (logged as warnings, without the request's details). */
const CLIENT_CAUSED_AUTH_ERRORS = new Set(["JWT_SESSION_ERROR"]);

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name?: string | null; image?: string | null };
  }
  interface User {
    sessionVersion?: number;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    /** Session version at sign-in; a bump on the user row ends this session. */
    sv?: number;
  }
}

export function getAuthSecret(): string {
  return getEnv().NEXTAUTH_SECRET ?? readOrCreateLocalSecret("auth-secret", "NEXTAUTH_SECRET");
}

type OfferedSignIns = { credentials: true } & Record<OAuthSignInMethod, boolean>;

/** Which sign-in methods this deployment offers (a provider switches on with its client id and secret). */
export function enabledSignInProviders(env: Env = getEnv()): OfferedSignIns {
  const offered = new Set(offeredSignInMethods(env));
  return { credentials: true, ...Object.fromEntries(oauthSignInMethods.map((method) => [method, offered.has(method)])) } as OfferedSignIns;
}

let cached: NextAuthOptions | undefined;

export function getAuthOptions(): NextAuthOptions {
  if (cached) return cached;
  const env = getEnv();
  // next-auth v4 reads its base URL from this variable at request time.
  process.env.NEXTAUTH_URL ??= env.appUrl;
  cached = buildAuthOptions(env, getAuthSecret());
  return cached;
}

/**
 * The options for one next-auth request. `linkToUserId`: the request comes from a
 * signed-in browser, so a provider's callback links that identity to this user
 * (the account page's "Link") instead of signing in as someone.
 */
export function getAuthOptionsFor(request: { linkToUserId?: string }): NextAuthOptions {
  if (!request.linkToUserId) return getAuthOptions();
  const env = getEnv();
  process.env.NEXTAUTH_URL ??= env.appUrl;
  return buildAuthOptions(env, getAuthSecret(), request.linkToUserId);
}

export function buildAuthOptions(env: Env, secret: string, linkToUserId?: string): NextAuthOptions {

  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        try {
          const user = await signInWithPassword(await getDb(), {
            email: credentials?.email,
            password: credentials?.password,
            ip: clientIpFrom((req.headers ?? {}) as Record<string, string>),
          });
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        } catch (error) {
          // next-auth passes an Error's message to the client as `error`: only our own, clear messages.
          if (error instanceof AppError) throw new Error(error.message);
          logger.error("sign-in failed", { error });
          throw new Error("Sign-in is unavailable right now. Try again shortly.");
        }
      },
    }),
  ];
  providers.push(...nextAuthSignInProviders(env));

  return {
    secret,
    providers,
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    logger: {
      // A session cookie that does not decrypt is the client's (forged, or from before a secret change): it is
      // treated as signed out, and is no failure of ours to page anyone about.
      error: (code, metadata) => (CLIENT_CAUSED_AUTH_ERRORS.has(code) ? logger.warn(`next-auth: ${code}`) : logger.error(`next-auth: ${code}`, { metadata })),
      warn: (code) => logger.warn(`next-auth: ${code}`),
      debug: () => {},
    },
    callbacks: {
      async signIn({ account, profile }) {
        if (!account || account.provider === "credentials") return true;
        if (!isOAuthSignInMethod(account.provider)) return "/sign-in?error=OAuthSignin";
        const provider = account.provider;
        if (linkToUserId) {
          // Already signed in: the user is adding this provider on the account page. Link it and go
          // back there; returning a URL ends next-auth's flow, so the current session stays as it is.
          try {
            await linkOAuthIdentity(await getDb(), linkToUserId, { provider, providerAccountId: account.providerAccountId });
            return `/settings/account?linked=${encodeURIComponent(provider)}`;
          } catch (error) {
            // A reason code, not a message: the page must not echo text from its URL.
            if (error instanceof AppError) return `/settings/account?linkError=${encodeURIComponent(String(error.details?.reason ?? "failed"))}&provider=${encodeURIComponent(provider)}`;
            throw error;
          }
        }
        try {
          const identity = identityFromProfile(provider, profile);
          await resolveOAuthUser(await getDb(), { provider, providerAccountId: account.providerAccountId, ...identity });
          return true;
        } catch (error) {
          // next-auth's code and the provider, not a message: the sign-in page words it and names the provider.
          if (error instanceof AppError && error.details?.reason === OAUTH_ACCOUNT_NOT_LINKED) {
            return `/sign-in?error=${OAUTH_ACCOUNT_NOT_LINKED}&provider=${encodeURIComponent(provider)}`;
          }
          if (error instanceof AppError) return `/sign-in?error=${encodeURIComponent(error.message)}`;
          throw error;
        }
      },
      async jwt({ token, user, account, profile }) {
        if (account && isOAuthSignInMethod(account.provider)) {
          // signIn() above found or created the user; this finds it by the identity.
          const resolved = await resolveOAuthUser(await getDb(), {
            provider: account.provider,
            providerAccountId: account.providerAccountId,
            email: profile?.email,
          });
          token.sub = resolved.id;
          token.sv = resolved.sessionVersion;
        } else if (user) {
          token.sub = user.id;
          token.sv = user.sessionVersion ?? 0;
        }
        return token;
      },
      async session({ session, token }) {
        if (token.sub) session.user = { ...session.user, id: token.sub, email: token.email ?? session.user?.email ?? "" };
        return session;
      },
    },
  };
}
