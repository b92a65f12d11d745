import { providerCompany } from "../providers";

/** The ways to sign in to an account, in the order the account page lists them (isomorphic: server and UI). */
export const signInMethods = ["password", "github", "google"] as const;
export type SignInMethod = (typeof signInMethods)[number];
export type OAuthSignInMethod = Exclude<SignInMethod, "password">;

export const signInMethodLabels: Record<SignInMethod, string> = {
  password: "Email and password",
  github: providerCompany("github"),
  google: providerCompany("google"),
};
