import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import { getDb } from "../db/client";
import { getEnv, type Env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { readOrCreateLocalSecret } from "../secrets/local-secret";
import type { OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import { linkOAuthIdentity } from "./account";
import { resolveOAuthUser } from "./oauth-accounts";
import { clientIpFrom, signInWithPassword } from "./sign-in";

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

/** Which sign-in methods this deployment offers (providers switch on with their client ids). */
export function enabledSignInProviders(env: Env = getEnv()) {
  return { credentials: true, github: Boolean(env.GITHUB_CLIENT_ID), google: Boolean(env.GOOGLE_CLIENT_ID) };
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
 * signed-in browser, so a GitHub/Google callback links that identity to this user
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
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) {
    providers.push(gitHubSignIn(env, env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET));
  }
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    providers.push(GoogleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET }));
  }

  return {
    secret,
    providers,
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    logger: {
      error: (code, metadata) => logger.error(`next-auth: ${code}`, { metadata }),
      warn: (code) => logger.warn(`next-auth: ${code}`),
      debug: () => {},
    },
    callbacks: {
      async signIn({ account, profile }) {
        if (!account || account.provider === "credentials") return true;
        if (linkToUserId) {
          // Already signed in: the user is adding this provider on the account page. Link it and go
          // back there; returning a URL ends next-auth's flow, so the current session stays as it is.
          try {
            await linkOAuthIdentity(await getDb(), linkToUserId, { provider: account.provider as OAuthSignInMethod, providerAccountId: account.providerAccountId });
            return `/settings/account?linked=${encodeURIComponent(account.provider)}`;
          } catch (error) {
            // A reason code, not a message: the page must not echo text from its URL.
            if (error instanceof AppError) return `/settings/account?linkError=${encodeURIComponent(String(error.details?.reason ?? "failed"))}&provider=${encodeURIComponent(account.provider)}`;
            throw error;
          }
        }
        try {
          const provider = account.provider as "github" | "google";
          const verified = provider === "google" ? (profile as { email_verified?: boolean } | undefined)?.email_verified === true : false;
          await resolveOAuthUser(await getDb(), {
            provider,
            providerAccountId: account.providerAccountId,
            email: profile?.email,
            emailVerified: verified,
            name: profile?.name,
            image: (profile as { picture?: string; avatar_url?: string } | undefined)?.picture ?? (profile as { avatar_url?: string } | undefined)?.avatar_url,
          });
          return true;
        } catch (error) {
          if (error instanceof AppError) return `/sign-in?error=${encodeURIComponent(error.message)}`;
          throw error;
        }
      },
      async jwt({ token, user, account, profile }) {
        if (account && account.provider !== "credentials") {
          const resolved = await resolveOAuthUser(await getDb(), {
            provider: account.provider as "github" | "google",
            providerAccountId: account.providerAccountId,
            email: profile?.email,
            emailVerified: false,
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

/**
 * "Sign in with GitHub" against GITHUB_BASE_URL / GITHUB_API_URL, so GitHub
 * Enterprise Server (and the sandbox) work like github.com; next-auth's provider
 * hard-codes github.com for the user and email lookups.
 */
function gitHubSignIn(env: Env, clientId: string, clientSecret: string) {
  const web = env.GITHUB_BASE_URL.replace(/\/+$/, "");
  const api = env.GITHUB_API_URL.replace(/\/+$/, "");
  return GitHubProvider({
    clientId,
    clientSecret,
    issuer: `${web}/login/oauth`,
    authorization: { url: `${web}/login/oauth/authorize`, params: { scope: "read:user user:email" } },
    token: `${web}/login/oauth/access_token`,
    userinfo: {
      url: `${api}/user`,
      async request({ tokens }: { tokens: { access_token?: string } }) {
        const headers = { authorization: `token ${tokens.access_token}`, accept: "application/vnd.github+json" };
        const profile = (await (await fetch(`${api}/user`, { headers })).json()) as { email?: string } & Record<string, unknown>;
        if (!profile.email) {
          const response = await fetch(`${api}/user/emails`, { headers });
          if (response.ok) {
            const emails = (await response.json()) as Array<{ email: string; primary: boolean; verified: boolean }>;
            profile.email = (emails.find((entry) => entry.primary) ?? emails[0])?.email;
          }
        }
        return profile;
      },
    },
  });
}
