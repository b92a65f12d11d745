import { RateLimiterRes } from "rate-limiter-flexible";
import type { NotificationChannel, NotificationPriority } from "~/lib/notifications/catalog";
import type { Db } from "../db/client";
import type { Env } from "../env";
import type { PointsLimiter } from "../security/leased-limiter";
import { rateLimiterFor } from "../security/limiter-store";
import { moreImportantThan, sharedPoints } from "./priority";

/**
 * Send limits for the channels that leave the app (a digest counts once): per user and channel
 * a short burst limit and an hourly one, and one global limit per channel that protects the
 * providers and our sending reputation. Kept where every instance sees them, in the store
 * every limit uses (security/limiter-store.ts: Redis, the database, or memory on PGlite).
 * A refused send is never dropped: the delivery is held until the limiter allows it.
 *
 * Priority (priority.ts) decides how much of each allowance a message may use and who goes
 * first at the global ceiling: urgent ones have a reserve there that ordinary mail never takes,
 * low ones use at most half of any allowance and give way while more important mail waits.
 */

export type SendLimit = { points: number; durationSeconds: number };
/**
 * `urgent`: urgent messages (a new device, the deletion notice) have their own per-user allowance,
 * so ordinary traffic that used up `burst` never holds a security notice back, while a flood of
 * urgent ones (a script signing in 30 devices) is still gathered rather than sent one by one.
 * They still count against `global` (it protects the providers), where a tenth is kept for them.
 */
export type ChannelLimits = { burst: SendLimit; perUser: SendLimit; global: SendLimit; urgent: SendLimit };
export type LimitedChannel = Exclude<NotificationChannel, "inApp">;

const DEFAULT_LIMITS: Record<LimitedChannel, ChannelLimits> = {
  // Mail: a burst of 5 a minute and 30 an hour per user is far above what batching leaves
  // (a digest per window), yet stops a producer bug from flooding an inbox.
  email: { burst: { points: 5, durationSeconds: 60 }, perUser: { points: 30, durationSeconds: 3600 }, global: { points: 600, durationSeconds: 60 }, urgent: { points: 10, durationSeconds: 60 } },
  webhook: { burst: { points: 20, durationSeconds: 60 }, perUser: { points: 300, durationSeconds: 3600 }, global: { points: 3000, durationSeconds: 60 }, urgent: { points: 30, durationSeconds: 60 } },
  desktop: { burst: { points: 10, durationSeconds: 60 }, perUser: { points: 120, durationSeconds: 3600 }, global: { points: 20_000, durationSeconds: 60 }, urgent: { points: 20, durationSeconds: 60 } },
};

let limits: Record<LimitedChannel, ChannelLimits> = DEFAULT_LIMITS;
let keyPrefix = "";

/**
 * Replaces the limits (tests use second-long windows; the benchmark measures batching with generous ones).
 * `keyPrefix` puts the counters under a prefix of their own, so a test's global ceiling starts at zero
 * however many other tests (or other runs sharing one Redis) sent before it.
 */
export function setNotificationSendLimits(next: Partial<Record<LimitedChannel, ChannelLimits>> | null, options: { keyPrefix?: string } = {}) {
  limits = next ? { ...DEFAULT_LIMITS, ...next } : DEFAULT_LIMITS;
  keyPrefix = next ? (options.keyPrefix ?? "") : "";
}

function limiterFor(db: Db, env: Pick<Env, "REDIS_URL">, name: string, limit: SendLimit): PointsLimiter {
  // The limit's size is part of the key: changed limits count afresh rather than reading counters kept under other rules.
  return rateLimiterFor(db, env, { keyPrefix: `${keyPrefix}notify:${name}:${limit.points}/${limit.durationSeconds}`, points: limit.points, durationSeconds: limit.durationSeconds });
}

/**
 * Marks, per channel, which priorities have a message waiting at the global ceiling: set when
 * the ceiling refuses one, for the rest of that window and the next (the window it is released
 * in). Less important messages give way while a mark is up, so a backlog drains most important
 * first even though each user's delivery retries on its own: the job that wakes first does not
 * decide who goes first.
 */
const waitingMarks = (db: Db, env: Pick<Env, "REDIS_URL">, channel: LimitedChannel) => limiterFor(db, env, `${channel}:waiting`, { points: 1, durationSeconds: limits[channel].global.durationSeconds });

/**
 * Takes one send from the user's allowances (burst and hourly; the urgent one for an urgent
 * message) and the channel's global one, as much of each as the message's priority may use
 * (priority.ts). Null: go ahead. A date: refused, try again then.
 */
export async function takeSendSlot(
  db: Db,
  env: Pick<Env, "REDIS_URL">,
  userId: string,
  channel: LimitedChannel,
  { priority = "normal", now = Date.now() }: { priority?: NotificationPriority; now?: number } = {},
): Promise<Date | null> {
  const spec = limits[channel];
  // On the next whole second, at least a second away: sends refused in one window (each a few
  // milliseconds later than the one before) are due together, and go as one message.
  const retryAt = (msBeforeNext: number) => new Date(Math.ceil((now + Math.max(msBeforeNext, 1000)) / 1000) * 1000);
  // Read before anything is taken: a message that gives way spends none of its allowances.
  const marks = waitingMarks(db, env, channel);
  for (const before of moreImportantThan(priority)) {
    const mark = await marks.get(before);
    if (mark && mark.consumedPoints > 0 && mark.msBeforeNext > 0) return retryAt(mark.msBeforeNext);
  }

  type Check = { name: string; limit: SendLimit; key: string; global?: boolean };
  const own: Check[] =
    priority === "urgent"
      ? [{ name: `${channel}:urgent`, limit: spec.urgent, key: userId }]
      : [
          { name: `${channel}:burst`, limit: spec.burst, key: userId },
          { name: `${channel}:user`, limit: spec.perUser, key: userId },
        ];
  const checks: Check[] = [...own, { name: `${channel}:global`, limit: spec.global, key: "all", global: true }];
  for (const { name, limit, key, global = false } of checks) {
    const share = sharedPoints(priority, limit.points, { urgentReserve: global });
    const refused = await take(limiterFor(db, env, name, limit), key, share);
    if (refused === null) continue;
    // Stop at the first refusal: the other allowances are not spent on a send that waits.
    if (global && priority !== "low") await marks.block(priority, Math.ceil(refused / 1000) + spec.global.durationSeconds);
    return retryAt(refused);
  }
  return null;
}

/** Takes a point while no more than `share` are used: null, or the milliseconds until the window ends. */
async function take(limiter: PointsLimiter, key: string, share: number): Promise<number | null> {
  if (share < limiter.points) {
    // A read, then the take: two concurrent sends may both pass a share's edge by one; the whole limit is exact.
    const used = await limiter.get(key);
    if (used && used.consumedPoints >= share) return used.msBeforeNext;
  }
  try {
    await limiter.consume(key);
    return null;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return rejection.msBeforeNext;
  }
}
