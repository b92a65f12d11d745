import type { OAuthConfig } from "next-auth/providers/oauth";
import type { Env } from "../../env";
import { signInMethodLabels } from "~/lib/schemas/sign-in-methods";
import { type ProfileIdentity, type ProviderProfile, stringClaim } from "./claims";
import { baseUrl, LINKEDIN_SIGN_IN, scopeParam, type SignInClient } from "./facts";

type LinkedInClaims = { sub: string; email?: string; name?: string; picture?: string };

/**
 * "Sign in with LinkedIn using OpenID Connect". next-auth 4's LinkedIn provider is the retired
 * r_liteprofile API, so this is a plain OIDC client on LinkedIn's discovery document below
 * LINKEDIN_OAUTH_URL. LinkedIn echoes no nonce and offers PKCE to native apps only: state is
 * the check. The id_token is verified by openid-client against the discovered issuer and keys.
 */
export function linkedInSignIn(env: Env, { clientId, clientSecret }: SignInClient): OAuthConfig<LinkedInClaims> {
  return {
    id: "linkedin",
    name: signInMethodLabels.linkedin,
    type: "oauth",
    clientId,
    clientSecret,
    wellKnown: `${baseUrl(env.LINKEDIN_OAUTH_URL)}${LINKEDIN_SIGN_IN.discoveryPath}`,
    authorization: { params: { scope: scopeParam.linkedin } },
    client: { token_endpoint_auth_method: LINKEDIN_SIGN_IN.tokenEndpointAuthMethod },
    idToken: true,
    checks: ["state"],
    profile: (claims) => ({ id: claims.sub, name: claims.name ?? null, email: claims.email ?? null, image: claims.picture ?? null }),
  };
}

/** LinkedIn's id_token claims. */
export function linkedInIdentity(profile: ProviderProfile): ProfileIdentity {
  return { email: stringClaim(profile, "email"), name: stringClaim(profile, "name"), image: stringClaim(profile, "picture") };
}
