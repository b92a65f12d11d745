import { RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "../db/client";
import { getEnv, type Env } from "../env";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { rateLimiterFor } from "./limiter-store";

/**
 * Named rate limits: one line each in `limitSpecs`, then one call where the action
 * happens (`consumeRateLimit(db, "register", ctx.ip)`), or a tRPC procedure's
 * `.use(rateLimited("register"))`.
 *
 * Storage: the deployment's rate-limit store (limiter-store.ts: Redis, the `rate_limits`
 * table on a Postgres server, memory on embedded PGlite), so every instance shares the counters.
 *
 * Keys are SHA-256 digests of the limit's parts (an email, an address): the table holds
 * counters and expiry times, never an email or address in clear.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type LimitSpec = {
  /** Attempts allowed per key in the window. */
  points: number;
  windowSeconds: number;
  /** When the attempt that uses the points up is counted, lock the key this long (rather than to the window's end). */
  lockSeconds?: number;
  /** The refusal's first sentence; "Try again in …" follows. */
  refusal: string;
};

function limitSpecs(env: Env) {
  return {
    // Sign-in, as rate-limiter-flexible's login recipe: consecutive failures per account
    // *and address* (a success resets them), so an attacker elsewhere cannot lock the owner
    // out; a slower daily count per account, which a distributed attack cannot dodge by
    // changing address; and failures per address across accounts (password spraying).
    // The recipe counts consecutive failures over 90 days; a day is enough here, since the
    // count starts again after each lock anyway, and no counter outlives a day.
    signInFailuresByEmailAndIp: {
      points: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      windowSeconds: DAY,
      lockSeconds: env.LOGIN_LOCKOUT_MINUTES * MINUTE,
      refusal: "Too many failed sign-in attempts for this account.",
    },
    signInFailuresByEmail: { points: env.LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_DAY, windowSeconds: DAY, refusal: "Too many failed sign-in attempts for this account today." },
    signInFailuresByIp: { points: env.LOGIN_MAX_FAILURES_PER_IP, windowSeconds: env.LOGIN_LOCKOUT_MINUTES * MINUTE, refusal: "Too many failed sign-in attempts from your network." },
    /** New accounts per address: generous for a shared office address, but no bulk sign-ups. */
    register: { points: 20, windowSeconds: HOUR, refusal: "Too many new accounts from your network." },
    /** RFC 8628 device authorizations started per address: each holds a user code for 15 minutes. */
    deviceAuthorizationStart: { points: 30, windowSeconds: HOUR, refusal: "Too many device sign-ins started from your network." },
    /** Reset links mailed per address: each one sends mail to whatever address was typed. */
    passwordResetRequest: { points: 10, windowSeconds: HOUR, refusal: "Too many password reset requests from your network." },
    /** Confirmation links mailed per account: each one sends mail to the typed address. */
    emailChangeRequest: { points: 10, windowSeconds: HOUR, refusal: "Too many email change requests for this account." },
  } satisfies Record<string, LimitSpec>;
}

export type RateLimitName = keyof ReturnType<typeof limitSpecs>;

function limiterFor(db: Db, name: RateLimitName) {
  const spec: LimitSpec = limitSpecs(getEnv())[name];
  const limiter = rateLimiterFor(db, getEnv(), { keyPrefix: name, points: spec.points, durationSeconds: spec.windowSeconds });
  return { limiter, spec };
}

const keyOf = (parts: string[]) => sha256Hex(parts.join("\n"));

function describeWait(seconds: number): string {
  const [amount, unit] = seconds < 90 ? [seconds, "second"] : seconds < 2 * HOUR ? [Math.ceil(seconds / MINUTE), "minute"] : [Math.ceil(seconds / HOUR), "hour"];
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

function refusal(name: RateLimitName, spec: LimitSpec, msBeforeNext: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError("TOO_MANY_REQUESTS", `${spec.refusal} Try again in ${describeWait(retryAfterSeconds)}.`, { limit: name, retryAfterSeconds });
}

/** Counts one attempt and refuses it (TOO_MANY_REQUESTS) once the limit is used up: for actions such as signing up. */
export async function consumeRateLimit(db: Db, name: RateLimitName, ...key: string[]): Promise<void> {
  const { limiter, spec } = limiterFor(db, name);
  try {
    await limiter.consume(keyOf(key));
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw refusal(name, spec, rejection.msBeforeNext);
    throw rejection;
  }
}

/** Refuses when the limit is used up, without counting: checked before a password is tried. */
export async function assertWithinRateLimit(db: Db, name: RateLimitName, ...key: string[]): Promise<void> {
  const { limiter, spec } = limiterFor(db, name);
  const state = await limiter.get(keyOf(key));
  // The memory store answers a lapsed counter until its timer removes it: a wait of zero or less is no wait.
  if (state && state.remainingPoints <= 0 && state.msBeforeNext > 0) throw refusal(name, spec, state.msBeforeNext);
}

/** Counts one failure; the one that uses the limit up locks the key for the limit's `lockSeconds`. */
export async function recordRateLimitFailure(db: Db, name: RateLimitName, ...key: string[]): Promise<void> {
  const { limiter, spec } = limiterFor(db, name);
  const rlKey = keyOf(key);
  let state: RateLimiterRes;
  try {
    state = await limiter.consume(rlKey);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return; // already used up: the next check refuses
    throw rejection;
  }
  if (state.remainingPoints <= 0 && spec.lockSeconds) await limiter.block(rlKey, spec.lockSeconds);
}

/** Forgets a key's count, e.g. consecutive sign-in failures after a success. */
export async function resetRateLimit(db: Db, name: RateLimitName, ...key: string[]): Promise<void> {
  await limiterFor(db, name).limiter.delete(keyOf(key));
}
