import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { loginAttempts, users } from "../db/schema";
import { AppError } from "../errors";
import { assertWithinRateLimit, recordRateLimitFailure, resetRateLimit } from "../security/rate-limits";
import { ZEmail } from "./accounts";
import { spendPasswordCheckTime, verifyPassword } from "./password";

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
  const ip = input.ip;
  // Refused before the password is tried, so a locked key cannot keep guessing.
  await assertWithinRateLimit(db, "signInFailuresByEmailAndIp", email, ip);
  await assertWithinRateLimit(db, "signInFailuresByEmail", email);
  await assertWithinRateLimit(db, "signInFailuresByIp", ip);

  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash, sessionVersion: users.sessionVersion })
    .from(users)
    .where(eq(users.email, email));

  let valid = false;
  if (user?.passwordHash) valid = await verifyPassword(password, user.passwordHash);
  else await spendPasswordCheckTime(password);

  await db.insert(loginAttempts).values({ email, ip, succeeded: valid });
  if (!valid || !user) {
    await recordRateLimitFailure(db, "signInFailuresByEmailAndIp", email, ip);
    await recordRateLimitFailure(db, "signInFailuresByEmail", email);
    await recordRateLimitFailure(db, "signInFailuresByIp", ip);
    throw new AppError("UNAUTHORIZED", "Wrong email or password.");
  }
  await resetRateLimit(db, "signInFailuresByEmailAndIp", email, ip);
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}

/**
 * The password typed again by someone already signed in, before a sensitive change (the password
 * or email, deleting or anonymizing the account): its failures count against the same per-account
 * limits as signing in, or a left-open session could guess the password at the API's call rate.
 */
export async function verifyPasswordAgain(db: Db, account: { email: string; passwordHash: string }, password: string, ip: string): Promise<boolean> {
  await assertWithinRateLimit(db, "signInFailuresByEmailAndIp", account.email, ip);
  await assertWithinRateLimit(db, "signInFailuresByEmail", account.email);
  const valid = await verifyPassword(password, account.passwordHash);
  if (valid) {
    await resetRateLimit(db, "signInFailuresByEmailAndIp", account.email, ip);
  } else {
    await recordRateLimitFailure(db, "signInFailuresByEmailAndIp", account.email, ip);
    await recordRateLimitFailure(db, "signInFailuresByEmail", account.email);
  }
  return valid;
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

