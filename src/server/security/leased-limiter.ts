import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

/** The part of a rate-limiter-flexible limiter the app uses. */
export type PointsLimiter = Pick<RateLimiterAbstract, "points" | "consume" | "get" | "block" | "delete">;

type Held = { points: number; until: number };

/** Callers whose leases are remembered at once; past this, expired leases are dropped (a bound on memory, never on a limit). */
const MAX_HELD_KEYS = 10_000;

/**
 * A shared limiter (Redis or the `rate_limits` table) that this process takes points from `lease`
 * at a time and spends in memory: a per-caller allowance that every tRPC call takes from (sync.push
 * and sync.pull included) then costs one store round trip per `lease` calls, not one per call.
 *
 * The limit still holds across instances, exactly: a leased point is counted in the store when it
 * is taken, spent or not, so all instances together never let more than the limit through. The
 * price is the other way: points an instance holds unspent are not another instance's until the
 * window ends (at most `lease - 1` per caller and instance, and callers mostly stay on one).
 * A lease ends with the window it was taken in, so no point outlives its window.
 *
 * Written here because rate-limiter-flexible has no such mode: its in-memory options only cache
 * a block once a key is used up, and every allowed consume is a store write.
 */
export class LeasedLimiter implements PointsLimiter {
  readonly #held = new Map<string, Held>();

  constructor(
    private readonly store: PointsLimiter,
    private readonly lease: number,
  ) {}

  get points(): number {
    return this.store.points;
  }

  async consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    if (points !== 1) throw new Error("A leased limiter spends one point at a time.");
    const now = Date.now();
    const held = this.#held.get(String(key));
    if (held && held.points > 0 && held.until > now) {
      held.points -= 1;
      return new RateLimiterRes(held.points, held.until - now);
    }
    const { granted, msBeforeNext } = await this.#takeLease(key);
    this.#remember(String(key), { points: granted - 1, until: now + msBeforeNext }, now);
    return new RateLimiterRes(granted - 1, msBeforeNext);
  }

  /** Takes `lease` points from the store; near the limit, whatever was left before it. */
  async #takeLease(key: string | number): Promise<{ granted: number; msBeforeNext: number }> {
    try {
      const taken = await this.store.consume(key, this.lease);
      return { granted: this.lease, msBeforeNext: taken.msBeforeNext };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // A refused consume is still counted: the points that were left before it are ours to spend.
      const granted = this.store.points - (rejection.consumedPoints - this.lease);
      if (granted <= 0) throw rejection;
      return { granted, msBeforeNext: rejection.msBeforeNext };
    }
  }

  #remember(key: string, lease: Held, now: number) {
    if (this.#held.size >= MAX_HELD_KEYS) for (const [heldKey, held] of this.#held) if (held.until <= now) this.#held.delete(heldKey);
    // Concurrent calls may each have taken a lease: keep the points of both.
    const earlier = this.#held.get(key);
    this.#held.set(key, earlier && earlier.until > now ? { points: earlier.points + lease.points, until: Math.min(earlier.until, lease.until) } : lease);
  }

  get(key: string | number) {
    return this.store.get(key);
  }

  block(key: string | number, seconds: number) {
    this.#held.delete(String(key));
    return this.store.block(key, seconds);
  }

  delete(key: string | number) {
    this.#held.delete(String(key));
    return this.store.delete(key);
  }
}
