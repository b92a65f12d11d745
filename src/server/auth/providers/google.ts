import type { OAuthConfig } from "next-auth/providers/oauth";
import type { Env } from "../../env";
import { providerCompany } from "~/lib/providers";
import { type ProfileIdentity, type ProviderProfile, stringClaim } from "./claims";
import { baseUrl, GOOGLE_SIGN_IN, scopeParam, type SignInClient } from "./facts";

type GoogleClaims = { sub: string; email?: string; name?: string; picture?: string };

/**
 * "Sign in with Google" (OpenID Connect) with every endpoint from GOOGLE_OAUTH_URL,
 * GOOGLE_TOKEN_URL and GOOGLE_API_URL instead of next-auth's Google provider, which reads
 * https://accounts.google.com's discovery document whatever the configuration: so a proxy or
 * the sandbox's Google double works, and no discovery round trip precedes each sign-in.
 * The id_token is checked by openid-client: RS256 with Google's keys, issuer GOOGLE_OAUTH_URL
 * (https://accounts.google.com), audience our client id.
 */
export function googleSignIn(env: Env, { clientId, clientSecret }: SignInClient): OAuthConfig<GoogleClaims> {
  const accounts = baseUrl(env.GOOGLE_OAUTH_URL);
  const api = baseUrl(env.GOOGLE_API_URL);
  return {
    id: "google",
    name: providerCompany("google"),
    type: "oauth",
    clientId,
    clientSecret,
    issuer: accounts,
    authorization: { url: `${accounts}${GOOGLE_SIGN_IN.authorizePath}`, params: { scope: scopeParam.google } },
    token: env.GOOGLE_TOKEN_URL,
    userinfo: `${api}${GOOGLE_SIGN_IN.userinfoPath}`,
    jwks_endpoint: `${api}${GOOGLE_SIGN_IN.jwksPath}`,
    idToken: true,
    checks: ["pkce", "state"],
    profile: (claims) => ({ id: claims.sub, name: claims.name ?? null, email: claims.email ?? null, image: claims.picture ?? null }),
  };
}

/** Google's id_token claims. */
export function googleIdentity(profile: ProviderProfile): ProfileIdentity {
  return { email: stringClaim(profile, "email"), name: stringClaim(profile, "name"), image: stringClaim(profile, "picture") };
}
