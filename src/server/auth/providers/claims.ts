/**
 * Reading what a provider says about a person (id_token claims, or GitHub's user) without
 * trusting its shape: next-auth hands the profile over untyped.
 */
export type ProviderProfile = Record<string, unknown>;

/** What sign-in keeps of a provider's profile. */
export type ProfileIdentity = {
  email: string | undefined;
  name: string | undefined;
  image: string | undefined;
};

export function stringClaim(profile: ProviderProfile, name: string): string | undefined {
  const value = profile[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
