import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { oauthAccounts, users } from "../db/schema";
import { AppError } from "../errors";
import { signInMethodLabels, type OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";

export type OAuthIdentity = {
  provider: OAuthSignInMethod;
  providerAccountId: string;
  email: string | null | undefined;
  /** Only a provider-verified email may be linked to an existing account. */
  emailVerified: boolean;
  name?: string | null;
  image?: string | null;
};

/**
 * Finds the user linked to a provider identity, links it, or creates a new user. An identity
 * joins an existing account (same email) only when the provider verified the address; each
 * provider's rule for that is beside it in providers/.
 */
export async function resolveOAuthUser(db: Db, identity: OAuthIdentity): Promise<{ id: string; sessionVersion: number }> {
  return db.transaction(async (tx) => {
    const [linked] = await tx
      .select({ id: users.id, sessionVersion: users.sessionVersion })
      .from(oauthAccounts)
      .innerJoin(users, eq(users.id, oauthAccounts.userId))
      .where(and(eq(oauthAccounts.provider, identity.provider), eq(oauthAccounts.providerAccountId, identity.providerAccountId)));
    if (linked) return linked;

    const email = identity.email?.trim().toLowerCase();
    if (!email) throw new AppError("BAD_REQUEST", `Your ${signInMethodLabels[identity.provider]} account has no email address we can use.`);

    const [existing] = await tx
      .select({ id: users.id, sessionVersion: users.sessionVersion })
      .from(users)
      .where(eq(users.email, email));
    if (existing && !identity.emailVerified) {
      throw new AppError("CONFLICT", "An account with this email already exists. Sign in with your password.");
    }
    const user =
      existing ??
      (await tx
        .insert(users)
        .values({ email, name: identity.name ?? null, image: identity.image ?? null })
        .returning({ id: users.id, sessionVersion: users.sessionVersion }))[0]!;
    await tx.insert(oauthAccounts).values({ userId: user.id, provider: identity.provider, providerAccountId: identity.providerAccountId });
    return user;
  });
}
