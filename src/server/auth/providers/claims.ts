/**
 * Reading what a provider says about a person (id_token claims, or GitHub's user) without
 * trusting its shape: next-auth hands the profile over untyped.
 */
export type ProviderProfile = Record<string, unknown>;

/** What sign-in keeps of a provider's profile. */
export type ProfileIdentity = {
  email: string | undefined;
  /** The provider vouches that the person controls `email`: only then may it join an existing account. */
  emailVerified: boolean;
  name: string | undefined;
  image: string | undefined;
};

export function stringClaim(profile: ProviderProfile, name: string): string | undefined {
  const value = profile[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** A boolean claim that is true: JSON true, or "true" as some providers write booleans in JWTs. */
export function claimIsTrue(profile: ProviderProfile, name: string): boolean {
  const value = profile[name];
  return value === true || value === "true";
}
