import { and, count, desc, eq, gt, min } from "drizzle-orm";
import { getEnv } from "../env";
import type { Db } from "../db/client";
import { loginAttempts, users } from "../db/schema";
import { AppError } from "../errors";
import { ZEmail } from "./accounts";
import { spendPasswordCheckTime, verifyPassword } from "./password";

/**
 * Email + password sign-in with lockout: too many failures for one account (since
 * its last success) or from one IP within the window refuse further attempts until
 * the window has passed. Attempts are stored, so limits hold across instances.
 */

export type SignInResult = { id: string; email: string; name: string | null; sessionVersion: number };

function minutesUntil(oldest: Date | null, windowMs: number): number {
  if (!oldest) return 1;
  return Math.max(1, Math.ceil((oldest.getTime() + windowMs - Date.now()) / 60_000));
}

async function assertNotLockedOut(db: Db, email: string, ip: string): Promise<void> {
  const env = getEnv();
  const windowMs = env.LOGIN_LOCKOUT_MINUTES * 60_000;
  const since = new Date(Date.now() - windowMs);

  const [lastSuccess] = await db
    .select({ at: loginAttempts.createdAt })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.email, email), eq(loginAttempts.succeeded, true)))
    .orderBy(desc(loginAttempts.createdAt))
    .limit(1);
  const accountSince = lastSuccess && lastSuccess.at > since ? lastSuccess.at : since;

  const [account] = await db
    .select({ failures: count(), oldest: min(loginAttempts.createdAt) })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.email, email), eq(loginAttempts.succeeded, false), gt(loginAttempts.createdAt, accountSince)));
  if (account && account.failures >= env.LOGIN_MAX_FAILURES_PER_ACCOUNT) {
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-in attempts for this account. Try again in ${minutesUntil(account.oldest, windowMs)} minute(s).`,
      { reason: "account_locked" },
    );
  }

  const [fromIp] = await db
    .select({ failures: count(), oldest: min(loginAttempts.createdAt) })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.ip, ip), eq(loginAttempts.succeeded, false), gt(loginAttempts.createdAt, since)));
  if (fromIp && fromIp.failures >= env.LOGIN_MAX_FAILURES_PER_IP) {
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-in attempts from your network. Try again in ${minutesUntil(fromIp.oldest, windowMs)} minute(s).`,
      { reason: "ip_locked" },
    );
  }
}

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
  await assertNotLockedOut(db, email, input.ip);

  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash, sessionVersion: users.sessionVersion })
    .from(users)
    .where(eq(users.email, email));

  let valid = false;
  if (user?.passwordHash) valid = await verifyPassword(password, user.passwordHash);
  else await spendPasswordCheckTime(password);

  await db.insert(loginAttempts).values({ email, ip: input.ip, succeeded: valid });
  if (!valid || !user) throw new AppError("UNAUTHORIZED", "Wrong email or password.");
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}

/** The client address as the nearest proxy saw it (Next.js sets x-forwarded-for when none is present). */
export function clientIpFrom(headers: Headers | Record<string, string | string[] | undefined>): string {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  };
  const forwarded = get("x-forwarded-for");
  const hops = forwarded?.split(",").map((hop) => hop.trim()).filter(Boolean) ?? [];
  return hops.at(-1) ?? get("x-real-ip") ?? "unknown";
}
