import { RateLimiterRes } from "rate-limiter-flexible";
import type { NotificationChannel } from "~/lib/notifications/catalog";
import type { Db } from "../db/client";
import type { Env } from "../env";
import type { PointsLimiter } from "../security/leased-limiter";
import { rateLimiterFor } from "../security/limiter-store";

/**
 * Send limits for the channels that leave the app (a digest counts once): per user and channel
 * a short burst limit and an hourly one, and one global limit per channel that protects the
 * providers and our sending reputation. Kept where every instance sees them, in the store
 * every limit uses (security/limiter-store.ts: Redis, the database, or memory on PGlite).
 * A refused send is never dropped: the delivery is held until the limiter allows it.
 */

export type SendLimit = { points: number; durationSeconds: number };
/**
 * `urgent`: urgent messages (a new device, the deletion notice) have their own per-user allowance,
 * so ordinary traffic that used up `burst` never holds a security notice back, while a flood of
 * urgent ones (a script signing in 30 devices) is still gathered rather than sent one by one.
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

/** Replaces the limits (tests use second-long windows; the benchmark measures batching with generous ones). */
export function setNotificationSendLimits(next: Partial<Record<LimitedChannel, ChannelLimits>> | null) {
  limits = next ? { ...DEFAULT_LIMITS, ...next } : DEFAULT_LIMITS;
}

function limiterFor(db: Db, env: Pick<Env, "REDIS_URL">, name: string, limit: SendLimit): PointsLimiter {
  // The limit's size is part of the key: changed limits count afresh rather than reading counters kept under other rules.
  return rateLimiterFor(db, env, { keyPrefix: `notify:${name}:${limit.points}/${limit.durationSeconds}`, points: limit.points, durationSeconds: limit.durationSeconds });
}

/**
 * Takes one send from the user's allowances (burst and hourly; the urgent one for an urgent
 * message) and the channel's global one. Null: go ahead. A date: refused, try again then.
 */
export async function takeSendSlot(db: Db, env: Pick<Env, "REDIS_URL">, userId: string, channel: LimitedChannel, { urgent = false, now = Date.now() }: { urgent?: boolean; now?: number } = {}): Promise<Date | null> {
  const spec = limits[channel];
  type Check = [name: string, limit: SendLimit, key: string];
  const own: Check[] = urgent
    ? [[`${channel}:urgent`, spec.urgent, userId]]
    : [
        [`${channel}:burst`, spec.burst, userId],
        [`${channel}:user`, spec.perUser, userId],
      ];
  const checks: Check[] = [...own, [`${channel}:global`, spec.global, "all"]];
  let retryAt: number | null = null;
  for (const [name, limit, key] of checks) {
    try {
      await limiterFor(db, env, name, limit).consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // Stop at the first refusal: the other allowances are not spent on a send that waits.
      retryAt = now + Math.max(rejection.msBeforeNext, 1000);
      break;
    }
  }
  return retryAt === null ? null : new Date(retryAt);
}
