import { providerCompany } from "../providers";

/** The ways to sign in to an account, in the order the account page and the sign-in page list them (isomorphic: server and UI). */
export const signInMethods = ["password", "github", "google", "microsoft", "linkedin"] as const;
export type SignInMethod = (typeof signInMethods)[number];

/**
 * The providers a person signs in with: next-auth's provider ids and `oauth_accounts.provider`.
 * Where the company is also an integration (GitHub, Google, Microsoft) the id is the provider
 * catalog's, as `providerCompany` names it; the sign-in identity and the integration stay apart
 * (oauth_accounts vs integrations). LinkedIn is sign-in only, so it is not in the catalog.
 */
export type OAuthSignInMethod = Exclude<SignInMethod, "password">;
export const oauthSignInMethods = signInMethods.filter((method): method is OAuthSignInMethod => method !== "password");

export function isOAuthSignInMethod(value: string): value is OAuthSignInMethod {
  return (oauthSignInMethods as readonly string[]).includes(value);
}

export const signInMethodLabels: Record<SignInMethod, string> = {
  password: "Email and password",
  github: providerCompany("github"),
  google: providerCompany("google"),
  microsoft: providerCompany("microsoft"),
  linkedin: "LinkedIn",
};
