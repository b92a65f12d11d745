import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { supportedLocaleOr, type SupportedLocale } from "~/lib/schemas/locale";
import { ZText } from "~/lib/schemas/primitives";
import type { Db, DbOrTx } from "../db/client";
import { oauthAccounts, users } from "../db/schema";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { enabledSignInProviders } from "./options";
import type { OAuthIdentity } from "./oauth-accounts";
import { hashPassword, ZPassword } from "./password";
import { passwordTypedAgainMatches } from "./sign-in";
import { signInMethodLabels, signInMethods, type SignInMethod } from "~/lib/schemas/sign-in-methods";

/**
 * Account self-service for the signed-in user: display name, password, and the
 * ways to sign in. Every function takes the caller's own user id (from the session),
 * never an id from the request, so a user can only change their own account.
 */


export const ZDisplayName = z.object({ name: ZText.trim().min(1, "Enter a name").max(100, "Use at most 100 characters") });

/** Asked for where the account has a password; accounts without one (signing in only with a provider) leave it out. */
export const ZCurrentPassword = ZText.max(1024).optional();

/** Accounts without a password (signing in only with a provider) set one without a current password: that links the method. */
export const ZChangePassword = z.object({
  currentPassword: ZCurrentPassword,
  newPassword: ZPassword,
});

export const ZUnlinkMethod = z.object({ method: z.enum(signInMethods) });

export type AccountOverview = {
  email: string;
  name: string | null;
  /** How dates, times and numbers are written to the user (auth/locale.ts). */
  locale: SupportedLocale;
  /** Each method: linked to this account, and offered by this deployment (can be linked). */
  methods: Array<{ method: SignInMethod; linked: boolean; available: boolean }>;
};

async function linkedMethods(db: DbOrTx, userId: string, lock = false) {
  const query = db.select({ email: users.email, name: users.name, locale: users.locale, passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  const [user] = lock ? await query.for("update") : await query;
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  const providers = await db.select({ provider: oauthAccounts.provider }).from(oauthAccounts).where(eq(oauthAccounts.userId, userId));
  const linked = new Set<SignInMethod>(providers.map((row) => row.provider as SignInMethod));
  if (user.passwordHash) linked.add("password");
  return { user, linked };
}

export async function getAccountOverview(db: DbOrTx, userId: string): Promise<AccountOverview> {
  const { user, linked } = await linkedMethods(db, userId);
  const offered = enabledSignInProviders(getEnv());
  return {
    email: user.email,
    name: user.name,
    locale: supportedLocaleOr(user.locale),
    methods: signInMethods
      .map((method) => ({ method, linked: linked.has(method), available: method === "password" || offered[method] }))
      .filter((entry) => entry.linked || entry.available),
  };
}

export async function updateDisplayName(db: DbOrTx, userId: string, input: z.infer<typeof ZDisplayName>) {
  const [updated] = await db.update(users).set({ name: input.name }).where(eq(users.id, userId)).returning({ name: users.name });
  if (!updated) throw new AppError("NOT_FOUND", "This account no longer exists.");
  return updated;
}

/**
 * Sets a new password and bumps the session version, which ends every session
 * signed in before (the caller re-issues its own cookie). Device tokens are not
 * sessions: they stay, and are revoked on /settings/devices.
 */
export async function changePassword(db: Db, userId: string, input: z.infer<typeof ZChangePassword>, ip: string): Promise<{ sessionVersion: number }> {
  const [user] = await db.select({ email: users.email, passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  await assertCurrentPassword(db, user, input.currentPassword, ip);
  return setPasswordEndingSessions(db, userId, input.newPassword);
}

/**
 * An account with a password proves it before a sensitive change (password, email): a left-open
 * session alone is not enough. Wrong guesses count as failed sign-ins (passwordTypedAgainMatches).
 */
export async function assertCurrentPassword(db: Db, user: { email: string; passwordHash: string | null }, currentPassword: string | undefined, ip: string): Promise<void> {
  if (!user.passwordHash) return;
  const valid = await passwordTypedAgainMatches(db, { email: user.email, passwordHash: user.passwordHash }, currentPassword, ip);
  // BAD_REQUEST, not UNAUTHORIZED: the session is fine, a form field is wrong.
  if (!valid) throw new AppError("BAD_REQUEST", "Your current password is not correct.", { field: "currentPassword" });
}

/** The one place a password is (re)set: hash it and end every earlier session. */
export async function setPasswordEndingSessions(db: DbOrTx, userId: string, password: string): Promise<{ sessionVersion: number }> {
  const passwordHash = await hashPassword(password);
  const [updated] = await db
    .update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId))
    .returning({ sessionVersion: users.sessionVersion });
  if (!updated) throw new AppError("NOT_FOUND", "This account no longer exists.");
  return updated;
}

/** Removes a way to sign in; never the last one (the user row is locked so two unlinks cannot both pass). */
export async function unlinkSignInMethod(db: Db, userId: string, input: z.infer<typeof ZUnlinkMethod>): Promise<AccountOverview> {
  await db.transaction(async (tx) => {
    const { linked } = await linkedMethods(tx, userId, true);
    if (!linked.has(input.method)) throw new AppError("NOT_FOUND", "This sign-in method is not linked to your account.");
    if (linked.size <= 1) {
      throw new AppError("PRECONDITION_FAILED", "This is your only way to sign in. Add another one before removing it.");
    }
    if (input.method === "password") await tx.update(users).set({ passwordHash: null }).where(eq(users.id, userId));
    else await tx.delete(oauthAccounts).where(and(eq(oauthAccounts.userId, userId), eq(oauthAccounts.provider, input.method)));
  });
  return getAccountOverview(db, userId);
}

/**
 * Links a provider identity (GitHub, Google, Microsoft, LinkedIn) to the signed-in user (they started the provider's
 * sign-in from the account page). Refused when that identity already belongs to
 * another account, or the user already has one of that provider.
 */
export async function linkOAuthIdentity(db: Db, userId: string, identity: Pick<OAuthIdentity, "provider" | "providerAccountId">) {
  return db.transaction(async (tx) => {
    const [owner] = await tx
      .select({ userId: oauthAccounts.userId })
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.provider, identity.provider), eq(oauthAccounts.providerAccountId, identity.providerAccountId)));
    if (owner && owner.userId !== userId) {
      throw new AppError("CONFLICT", `This ${signInMethodLabels[identity.provider]} account already signs in to another DevPulse account.`, {
        reason: "identity_in_use",
      });
    }
    if (owner) return;
    const [other] = await tx
      .select({ id: oauthAccounts.id })
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.userId, userId), eq(oauthAccounts.provider, identity.provider)));
    if (other) {
      throw new AppError("CONFLICT", `Another ${signInMethodLabels[identity.provider]} account is already linked. Remove it first.`, {
        reason: "provider_already_linked",
      });
    }
    await tx.insert(oauthAccounts).values({ userId, provider: identity.provider, providerAccountId: identity.providerAccountId });
  });
}
