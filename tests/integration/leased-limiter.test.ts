import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { afterAll, describe, expect, it } from "vitest";
import { LeasedLimiter } from "~/server/security/leased-limiter";

/**
 * Leases over a real shared store (Redis), as two server instances hold them: the store is written
 * once per lease, and together the instances never let more through than the limit.
 */

const redis = new Redis("redis://127.0.0.1:6379");
afterAll(() => redis.disconnect());

const sharedStore = (points: number) => new RateLimiterRedis({ storeClient: redis, keyPrefix: `test-lease-${randomUUID()}`, points, duration: 60 });

/** Calls until the first refusal (at most `max`): how many were allowed. */
async function callUntilRefused(limiter: LeasedLimiter, key: string, max = 100): Promise<number> {
  for (let allowed = 0; allowed < max; allowed++) {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      expect(rejection).toBeInstanceOf(RateLimiterRes);
      expect((rejection as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
      return allowed;
    }
  }
  return max;
}

describe("a leased limiter", () => {
  it("writes the shared counter once per lease, and allows exactly the limit", async () => {
    const store = sharedStore(25);
    const leased = new LeasedLimiter(store, 10);
    for (let call = 0; call < 10; call++) await leased.consume("device-1");
    expect((await store.get("device-1"))?.consumedPoints).toBe(10);
    await leased.consume("device-1");
    expect((await store.get("device-1"))?.consumedPoints).toBe(20);
    // 11 spent, 9 held; the third lease finds only 5 left before it, and they are still allowed.
    expect(await callUntilRefused(leased, "device-1")).toBe(14);
    // Another caller has its own allowance.
    expect(await callUntilRefused(leased, "device-2")).toBe(25);
  });

  it("two instances on one store never allow more than the limit together; points one holds stay its own", async () => {
    const store = sharedStore(25);
    const [first, second] = [new LeasedLimiter(store, 10), new LeasedLimiter(store, 10)];
    for (let call = 0; call < 3; call++) await first.consume("device");
    // The second instance gets what the first has not leased: 15 of 25.
    expect(await callUntilRefused(second, "device")).toBe(15);
    // The first still spends the 7 it holds, then is refused too: 25 in all.
    expect(await callUntilRefused(first, "device")).toBe(7);
  });

  it("interleaved calls from three instances: exactly the limit allowed when every lease is spent", async () => {
    const store = sharedStore(100);
    const instances = [1, 2, 3].map(() => new LeasedLimiter(store, 7));
    const outcomes = await Promise.all(
      Array.from({ length: 150 }, (_, call) =>
        instances[call % 3]!.consume("device").then(
          () => "allowed",
          () => "refused",
        ),
      ),
    );
    const allowed = outcomes.filter((outcome) => outcome === "allowed").length;
    expect(allowed).toBeLessThanOrEqual(100);
    // Whatever any instance still holds unspent is the only shortfall.
    const stillHeld = (await Promise.all(instances.map((instance) => callUntilRefused(instance, "device")))).reduce((sum, n) => sum + n, 0);
    expect(allowed + stillHeld).toBe(100);
  });

  it("a block or a reset also drops the points an instance holds", async () => {
    const store = sharedStore(25);
    const leased = new LeasedLimiter(store, 10);
    await leased.consume("device");
    await leased.block("device", 30);
    await expect(leased.consume("device")).rejects.toBeInstanceOf(RateLimiterRes);
    await leased.delete("device");
    expect(await callUntilRefused(leased, "device")).toBe(25);
  });
});
