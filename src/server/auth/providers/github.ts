import GitHubProvider from "next-auth/providers/github";
import type { Env } from "../../env";
import { type ProfileIdentity, type ProviderProfile, stringClaim } from "./claims";
import { baseUrl, GITHUB_SIGN_IN, scopeParam, type SignInClient } from "./facts";

/**
 * "Sign in with GitHub" against GITHUB_BASE_URL / GITHUB_API_URL, so GitHub
 * Enterprise Server (and the sandbox) work like github.com; next-auth's provider
 * hard-codes github.com for the user and email lookups.
 */
export function gitHubSignIn(env: Env, { clientId, clientSecret }: SignInClient) {
  const web = baseUrl(env.GITHUB_BASE_URL);
  const api = baseUrl(env.GITHUB_API_URL);
  return GitHubProvider({
    clientId,
    clientSecret,
    issuer: `${web}${GITHUB_SIGN_IN.issuerPath}`,
    authorization: { url: `${web}${GITHUB_SIGN_IN.authorizePath}`, params: { scope: scopeParam.github } },
    token: `${web}${GITHUB_SIGN_IN.tokenPath}`,
    userinfo: {
      url: `${api}${GITHUB_SIGN_IN.userPath}`,
      async request({ tokens }: { tokens: { access_token?: string } }) {
        const headers = { authorization: `token ${tokens.access_token}`, accept: "application/vnd.github+json" };
        const profile = (await (await fetch(`${api}${GITHUB_SIGN_IN.userPath}`, { headers })).json()) as { email?: string } & Record<string, unknown>;
        if (!profile.email) {
          const response = await fetch(`${api}${GITHUB_SIGN_IN.emailsPath}`, { headers });
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

/** GitHub's user. */
export function gitHubIdentity(profile: ProviderProfile): ProfileIdentity {
  return { email: stringClaim(profile, "email"), name: stringClaim(profile, "name"), image: stringClaim(profile, "avatar_url") };
}
