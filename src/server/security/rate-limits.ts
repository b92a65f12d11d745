import { RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "../db/client";
import { getEnv, type Env } from "../env";
import { AppError } from "../errors";
import { sha256Hex } from "../hash";
import { rateLimiterFor } from "./limiter-store";

/**
 * Named rate limits, as data: one line each in `limitSpecs` (points per window, and what the
 * counter is kept per), then one call where the action happens:
 * - a tRPC procedure: `.use(rateLimited("register"))` (the key comes from the caller);
 * - a route handler: its first line, `rateLimitRoute(request, "providerWebhook")` (rate-limit-http.ts);
 * - elsewhere: `consumeRateLimit(db, "register", ip)` with the key's parts.
 * Every tRPC call also takes from `requests` (the instance's ceiling) and `calls` (the caller's
 * allowance), and every limited route handler from `requests`. Over a limit, the request is
 * refused before anything runs, with TOO_MANY_REQUESTS, the wait in the message and
 * `details.retryAfterSeconds`; HTTP answers 429 with Retry-After and the RateLimit headers.
 *
 * Not limited: /api/health and /api/metrics (monitoring must answer during a flood) and
 * /api/inngest (each request is signed by the Inngest server, one per job step: a limit there
 * would throttle our own jobs, and the engine retries anyway).
 *
 * Counters live in the deployment's store (limiter-store.ts: Redis, the `rate_limits` table, or
 * memory on embedded PGlite), so they hold across instances; only the ceiling is per instance.
 * Keys are SHA-256 digests of the key's parts (an email, an address): no store holds an email or
 * address in clear.
 */

const SECOND = 1;
const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What a limit's counter is kept per. */
export type KeyKind =
  /** The client address (clientIpFrom). */
  | "ip"
  /** The device when called with a device token, else the signed-in user, else the address. */
  | "caller"
  /** The signed-in user. */
  | "account"
  /** Parts the calling code passes (an email; an email and an address). */
  | "given"
  /** One counter per server process, in memory. */
  | "instance";

type LimitSpec = {
  /** Requests (or attempts) allowed per key in the window. */
  points: number;
  windowSeconds: number;
  key: KeyKind;
  /** When the attempt that uses the points up is counted, lock the key this long (rather than to the window's end). */
  lockSeconds?: number;
  /** The refusal's first sentence; "Try again in …" follows. */
  refusal: string;
  /** For a route handler: which of its requests count (the others take only from the ceiling). */
  appliesTo?: (request: Request) => boolean;
  /** Take points from a shared store this many at a time (leased-limiter.ts): for a limit every request takes from. */
  leasePoints?: number;
};

function limitSpecs(env: Env) {
  return {
    // ── Every request ──
    /**
     * The instance's ceiling, across every caller: it guards one process's capacity, which is per
     * instance, so it is counted in memory (a shared counter would be one hot row under exactly
     * the flood it is there for, and would shrink each instance's share as instances are added).
     */
    requests: { points: 1000, windowSeconds: SECOND, key: "instance", refusal: "The server is busy." },
    /**
     * tRPC calls per device, user or (signed out) address: ten a second on average, far above the
     * app's own use. Every call takes from it, sync.push and sync.pull included, so a shared store
     * is written once per 10 calls, not once per call.
     */
    calls: { points: 600, windowSeconds: MINUTE, key: "caller", refusal: "Too many requests.", leasePoints: 10 },

    // ── Public procedures, per address ──
    /** New accounts per address: generous for a shared office address, but no bulk sign-ups. */
    register: { points: 20, windowSeconds: HOUR, key: "ip", refusal: "Too many new accounts from your network." },
    /** RFC 8628 device authorizations started per address: each holds a user code for 15 minutes. */
    deviceAuthorizationStart: { points: 30, windowSeconds: HOUR, key: "ip", refusal: "Too many device sign-ins started from your network." },
    /** Device-code polls per address: a device polls every 5 s, so ten devices signing in at once from one office. */
    deviceAuthorizationPoll: { points: 120, windowSeconds: MINUTE, key: "ip", refusal: "Too many device sign-in checks from your network." },
    /** Reset links mailed per address: each one sends mail to whatever address was typed. */
    passwordResetRequest: { points: 10, windowSeconds: HOUR, key: "ip", refusal: "Too many password reset requests from your network." },

    // ── Signed-in actions ──
    /** Confirmation links mailed per account: each one sends mail to the typed address. */
    emailChangeRequest: { points: 10, windowSeconds: HOUR, key: "account", refusal: "Too many email change requests for this account." },

    // ── Sign-in ──
    /**
     * Sign-in requests per address (/api/auth: posted forms, sign-out and provider callbacks; not
     * the session reads the pages make): each password tried costs a slow hash.
     */
    signIn: {
      points: 60,
      windowSeconds: MINUTE,
      key: "ip",
      refusal: "Too many sign-in requests from your network.",
      appliesTo: (request: Request) => request.method === "POST" || new URL(request.url).pathname.includes("/callback/"),
    },
    // Failed sign-ins, as rate-limiter-flexible's login recipe: consecutive failures per account
    // *and address* (a success resets them), so an attacker elsewhere cannot lock the owner out;
    // a slower daily count per account, which a distributed attack cannot dodge by changing
    // address; and failures per address across accounts (password spraying). The recipe counts
    // consecutive failures over 90 days; a day is enough here, since the count starts again after
    // each lock anyway, and no counter outlives a day.
    signInFailuresByEmailAndIp: {
      points: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      windowSeconds: DAY,
      key: "given",
      lockSeconds: env.LOGIN_LOCKOUT_MINUTES * MINUTE,
      refusal: "Too many failed sign-in attempts for this account.",
    },
    signInFailuresByEmail: { points: env.LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_DAY, windowSeconds: DAY, key: "given", refusal: "Too many failed sign-in attempts for this account today." },
    signInFailuresByIp: { points: env.LOGIN_MAX_FAILURES_PER_IP, windowSeconds: env.LOGIN_LOCKOUT_MINUTES * MINUTE, key: "ip", refusal: "Too many failed sign-in attempts from your network." },

    // ── Public route handlers, per address ──
    /** Provider webhooks: a busy installation sends bursts, and GitHub does not redeliver a refused one. */
    providerWebhook: { points: 1200, windowSeconds: MINUTE, key: "ip", refusal: "Too many webhook deliveries from this address." },
    /** Email providers' delivery and bounce events. */
    emailWebhook: { points: 1200, windowSeconds: MINUTE, key: "ip", refusal: "Too many webhook deliveries from this address." },
    /** Integrations' OAuth callbacks: each one exchanges a code with the provider. */
    oauthCallback: { points: 60, windowSeconds: MINUTE, key: "ip", refusal: "Too many integration sign-ins from your network." },
    /** Pusher channel authorisations: one per channel a page subscribes to. */
    pusherAuth: { points: 300, windowSeconds: MINUTE, key: "ip", refusal: "Too many realtime channel requests from your network." },
    /** The mailed confirm-address and unsubscribe links. */
    emailLink: { points: 60, windowSeconds: MINUTE, key: "ip", refusal: "Too many email link requests from your network." },
    /** Export downloads. */
    exportDownload: { points: 60, windowSeconds: MINUTE, key: "ip", refusal: "Too many downloads from your network." },
  } satisfies Record<string, LimitSpec>;
}

type Specs = ReturnType<typeof limitSpecs>;
export type RateLimitName = keyof Specs;
/** The limits kept per `kind` (route handlers take only per-address ones: they know the address, not the caller). */
export type RateLimitNameKeyedBy<Kind extends KeyKind> = { [Name in RateLimitName]: Specs[Name]["key"] extends Kind ? Name : never }[RateLimitName];

type Overrides = { limits: Partial<Record<RateLimitName, Partial<Pick<LimitSpec, "points" | "windowSeconds" | "lockSeconds" | "leasePoints">>>>; keyPrefix: string };
let overrides: Overrides = { limits: {}, keyPrefix: "" };

/**
 * Tests only: other sizes for some limits (a handful of points, windows of seconds), and a
 * prefix for every counter's key, so two test runs sharing one Redis never count each other's
 * requests. `null` restores the real limits.
 */
export function setRateLimits(limits: Overrides["limits"] | null, { keyPrefix = "" }: { keyPrefix?: string } = {}): void {
  overrides = { limits: limits ?? {}, keyPrefix: limits ? keyPrefix : "" };
}

/** The table for the current environment, built once per environment (every call reads it twice). */
const specsByEnv = new WeakMap<Env, Specs>();
function currentSpecs(): Specs {
  const env = getEnv();
  let specs = specsByEnv.get(env);
  if (!specs) specsByEnv.set(env, (specs = limitSpecs(env)));
  return specs;
}

export function rateLimitSpec(name: RateLimitName): LimitSpec {
  const override = overrides.limits[name];
  return override ? { ...currentSpecs()[name], ...override } : currentSpecs()[name];
}

function limiterFor(db: Db, name: RateLimitName) {
  const spec = rateLimitSpec(name);
  const limiter = rateLimiterFor(
    db,
    getEnv(),
    { keyPrefix: `${overrides.keyPrefix}${name}`, points: spec.points, durationSeconds: spec.windowSeconds },
    { perInstance: spec.key === "instance", lease: spec.leasePoints },
  );
  return { limiter, spec };
}

const keyOf = (parts: string[]) => sha256Hex(parts.join("\n"));

/** Who a request comes from, as far as limits go (a tRPC context is one). */
export type Requester = { ip: string; user?: { id: string } | null; device?: { id: string } | null };

/** The key parts of `name`'s counter for this requester. */
function requesterKey(name: RateLimitName, kind: KeyKind, requester: Requester): string[] {
  switch (kind) {
    case "ip":
      return [requester.ip];
    case "caller":
      if (requester.device) return ["device", requester.device.id];
      if (requester.user) return ["user", requester.user.id];
      return ["ip", requester.ip];
    case "account":
      if (!requester.user) throw new Error(`The "${name}" limit is per account: use it on signed-in procedures only.`);
      return [requester.user.id];
    case "instance":
      return ["all"];
    case "given":
      throw new Error(`The "${name}" limit is kept per parts its caller passes: use consumeRateLimit(db, "${name}", …parts).`);
  }
}

function describeWait(seconds: number): string {
  const [amount, unit] = seconds < 90 ? [seconds, "second"] : seconds < 2 * HOUR ? [Math.ceil(seconds / MINUTE), "minute"] : [Math.ceil(seconds / HOUR), "hour"];
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

/** Machine-readable: which limit refused, its size (for the RateLimit-Policy header), and the wait. */
export type RateLimitRefusalDetails = { limit: RateLimitName; retryAfterSeconds: number; quota: number; windowSeconds: number };

function refusal(name: RateLimitName, spec: LimitSpec, msBeforeNext: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const details: RateLimitRefusalDetails = { limit: name, retryAfterSeconds, quota: spec.points, windowSeconds: spec.windowSeconds };
  return new AppError("TOO_MANY_REQUESTS", `${spec.refusal} Try again in ${describeWait(retryAfterSeconds)}.`, details);
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

/** Counts one request from `requester` against `name`, keyed as the limit says (per address, caller, account…). */
export async function consumeRequestLimit(db: Db, name: RateLimitName, requester: Requester): Promise<void> {
  await consumeRateLimit(db, name, ...requesterKey(name, rateLimitSpec(name).key, requester));
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
