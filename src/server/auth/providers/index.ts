import type { Provider } from "next-auth/providers/index";
import { oauthSignInMethods, type OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import type { Env } from "../../env";
import type { ProfileIdentity, ProviderProfile } from "./claims";
import { clientCredentials, type SignInClient } from "./facts";
import { gitHubIdentity, gitHubSignIn } from "./github";
import { googleIdentity, googleSignIn } from "./google";
import { linkedInIdentity, linkedInSignIn } from "./linkedin";
import { microsoftIdentity, microsoftSignIn } from "./microsoft";

export type { ProfileIdentity } from "./claims";

type SignInProvider = {
  /** The app's client at the provider, or undefined when this deployment does not offer it. */
  client: (env: Env) => SignInClient | undefined;
  /** next-auth's provider, whose id is the sign-in method. */
  nextAuthProvider: (env: Env, client: SignInClient) => Provider;
  /** What we keep of the profile next-auth hands the callbacks (id_token claims, or GitHub's user). */
  identity: (profile: ProviderProfile) => ProfileIdentity;
};

/** Every way to sign in with another account, one line each (a missing one is a type error). */
const SIGN_IN_PROVIDERS: Record<OAuthSignInMethod, SignInProvider> = {
  github: { client: (env) => clientCredentials(env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET), nextAuthProvider: gitHubSignIn, identity: gitHubIdentity },
  google: { client: (env) => clientCredentials(env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET), nextAuthProvider: googleSignIn, identity: googleIdentity },
  microsoft: { client: (env) => clientCredentials(env.MICROSOFT_CLIENT_ID, env.MICROSOFT_CLIENT_SECRET), nextAuthProvider: microsoftSignIn, identity: microsoftIdentity },
  linkedin: { client: (env) => clientCredentials(env.LINKEDIN_CLIENT_ID, env.LINKEDIN_CLIENT_SECRET), nextAuthProvider: linkedInSignIn, identity: linkedInIdentity },
};

/** The providers this deployment offers, in the sign-in page's order. */
export function offeredSignInMethods(env: Env): OAuthSignInMethod[] {
  return oauthSignInMethods.filter((method) => SIGN_IN_PROVIDERS[method].client(env));
}

/** next-auth's providers for the offered methods. */
export function nextAuthSignInProviders(env: Env): Provider[] {
  return offeredSignInMethods(env).map((method) => {
    const provider = SIGN_IN_PROVIDERS[method];
    return provider.nextAuthProvider(env, provider.client(env)!);
  });
}

export function identityFromProfile(method: OAuthSignInMethod, profile: unknown): ProfileIdentity {
  return SIGN_IN_PROVIDERS[method].identity(profile && typeof profile === "object" ? (profile as ProviderProfile) : {});
}
