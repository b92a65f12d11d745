import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { oauthAccounts, users } from "../db/schema";
import { AppError } from "../errors";
import { signInMethodLabels, type OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";

export type OAuthIdentity = {
  provider: OAuthSignInMethod;
  providerAccountId: string;
  email: string | null | undefined;
  name?: string | null;
  image?: string | null;
};

/** next-auth's error code for a sign-in whose email has an account this identity is not linked to. */
export const OAUTH_ACCOUNT_NOT_LINKED = "OAuthAccountNotLinked";

/** What the sign-in page says for OAUTH_ACCOUNT_NOT_LINKED; the account page's "Link <provider>" is the way to connect it. */
export function accountNotLinkedMessage(provider: OAuthSignInMethod | undefined): string {
  const method = provider ? signInMethodLabels[provider] : "this sign-in method";
  return `An account with this email already exists. Sign in the way you did before, then connect ${method} from your account page.`;
}

/**
 * Finds the user linked to a provider identity, or creates a new user for it. An identity never
 * joins an existing account by email, even one the provider verified: nothing proves that the
 * account's owner (a password sign-up, another provider's sign-in) controls that address, so
 * whoever created it first would share the account with the address's real owner. Linking is
 * done by the signed-in owner on the account page (linkOAuthIdentity).
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

    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (existing) throw new AppError("CONFLICT", accountNotLinkedMessage(identity.provider), { reason: OAUTH_ACCOUNT_NOT_LINKED });

    const [created] = await tx
      .insert(users)
      .values({ email, name: identity.name ?? null, image: identity.image ?? null })
      .returning({ id: users.id, sessionVersion: users.sessionVersion });
    await tx.insert(oauthAccounts).values({ userId: created!.id, provider: identity.provider, providerAccountId: identity.providerAccountId });
    return created!;
  });
}
