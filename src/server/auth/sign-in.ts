import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { loginAttempts, users } from "../db/schema";
import { AppError } from "../errors";
import { assertWithinRateLimit, recordRateLimitFailure, resetRateLimit } from "../security/rate-limits";
import { ZEmail } from "./accounts";
import { hashPassword, isHashedAtCurrentCost, spendPasswordCheckTime, verifyPassword } from "./password";

/**
 * Email + password sign-in, limited as rate-limiter-flexible's login recipe does
 * (security/rate-limits.ts): consecutive failures per account *and address* lock that
 * pair for LOGIN_LOCKOUT_MINUTES, so someone guessing from elsewhere cannot lock the
 * owner out; failures per account per day stop a guessing attack spread over many
 * addresses; failures per address stop spraying across accounts. Counters live in the
 * rate-limit store every limit uses (security/limiter-store.ts), so they hold across instances.
 */

export type SignInResult = { id: string; email: string; name: string | null; sessionVersion: number };

export async function signInWithPassword(
  db: Db,
  input: { email: unknown; password: unknown; ip: string },
): Promise<SignInResult> {
  const parsedEmail = ZEmail.safeParse(input.email);
  const password = typeof input.password === "string" ? input.password : "";
  if (!parsedEmail.success || password.length === 0 || password.length > 1024) {
    throw new AppError("BAD_REQUEST", "Enter your email address and password.");
  }
  const email = parsedEmail.data;
  let user: { id: string; email: string; name: string | null; sessionVersion: number; passwordHash: string | null } | undefined;
  const valid = await checkedAgainstSignInLimits(db, email, input.ip, { perAddress: true }, async () => {
    [user] = await db
      .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash, sessionVersion: users.sessionVersion })
      .from(users)
      .where(eq(users.email, email));
    let matches = false;
    if (user?.passwordHash) matches = await verifyPassword(password, user.passwordHash);
    else await spendPasswordCheckTime(password);
    await db.insert(loginAttempts).values({ email, ip: input.ip, succeeded: matches });
    return matches;
  });
  if (!valid || !user?.passwordHash) throw new AppError("UNAUTHORIZED", "Wrong email or password.");
  await rehashIfBelowCost(db, user.id, password, user.passwordHash);
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}

/**
 * A password stored at an earlier cost is hashed again at SCRYPT_COST once its owner signs in: the only moment
 * the server has the password. Only if the hash is still the one checked, so a password changed meanwhile stays.
 */
async function rehashIfBelowCost(db: Db, userId: string, password: string, storedHash: string): Promise<void> {
  if (isHashedAtCurrentCost(storedHash)) return;
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(and(eq(users.id, userId), eq(users.passwordHash, storedHash)));
}

/**
 * A password check under the sign-in limits (see the top of this file): refused before the
 * password is tried once a limit is reached, so a locked key cannot keep guessing; a failure
 * counts against the account (per address, and per day), and signing in also against the
 * address (spraying across accounts); success clears this address's consecutive failures.
 */
async function checkedAgainstSignInLimits(db: Db, email: string, ip: string, options: { perAddress: boolean }, check: () => Promise<boolean>): Promise<boolean> {
  await assertWithinRateLimit(db, "signInFailuresByEmailAndIp", email, ip);
  await assertWithinRateLimit(db, "signInFailuresByEmail", email);
  if (options.perAddress) await assertWithinRateLimit(db, "signInFailuresByIp", ip);
  if (await check()) {
    await resetRateLimit(db, "signInFailuresByEmailAndIp", email, ip);
    return true;
  }
  await recordRateLimitFailure(db, "signInFailuresByEmailAndIp", email, ip);
  await recordRateLimitFailure(db, "signInFailuresByEmail", email);
  if (options.perAddress) await recordRateLimitFailure(db, "signInFailuresByIp", ip);
  return false;
}

/**
 * The password typed again by someone already signed in, before a sensitive change (the password
 * or email, deleting or anonymizing the account): its failures count against the same per-account
 * limits as signing in, or a left-open session could guess the password at the API's call rate.
 * No password typed is simply wrong (nothing to count).
 */
export async function passwordTypedAgainMatches(db: Db, account: { email: string; passwordHash: string }, password: string | undefined, ip: string): Promise<boolean> {
  if (!password) return false;
  return checkedAgainstSignInLimits(db, account.email, ip, { perAddress: false }, () => verifyPassword(password, account.passwordHash));
}

/**
 * A new password lifts the account's sign-in locks for the address it was set from: the
 * owner proved control (the old password, or the mailed link), so the daily count and
 * this address's consecutive failures start again. An attacker's address stays locked.
 */
export async function clearSignInLocks(db: Db, email: string, ip: string): Promise<void> {
  await resetRateLimit(db, "signInFailuresByEmailAndIp", email, ip);
  await resetRateLimit(db, "signInFailuresByEmail", email);
}

