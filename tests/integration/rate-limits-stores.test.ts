import { randomInt, randomUUID } from "node:crypto";
import { eq, like } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { POST as authPOST } from "~/app/api/auth/[...nextauth]/route";
import { POST as webhookPOST } from "~/app/api/webhooks/[provider]/route";
import { POST as trpcPOST } from "~/app/api/trpc/[trpc]/route";
import { getDb } from "~/server/db/client";
import { rateLimits, users } from "~/server/db/schema";
import { setRateLimits } from "~/server/security/rate-limits";
import { anonymousCaller, callerFor, connectDevice, errorOf, signedUpUser, TEST_PASSWORD, uniqueEmail } from "../support/callers";
import { useEnv, withEnv } from "../support/env";
import { TEST_BASE_URL } from "../support/http";
import { tcpRelay } from "../support/tcp-relay";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * The request limits on each store they can live in: the deployment's own (memory on embedded
 * PGlite, the `rate_limits` table on a Postgres server) and Redis. Limits are made small for the
 * test (setRateLimits), under a prefix of this run's own, so runs sharing one Redis never meet.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const onPostgres = Boolean(workerDatabaseUrl());

/**
 * An address of a range for tests (198.18.0.0/15) no other test uses, so its counters start at
 * zero; `other` than the given ones (the range once was 254 addresses, and two draws could meet).
 */
const freshIp = (...other: string[]): string => {
  const ip = `198.19.${randomInt(256)}.${randomInt(1, 255)}`;
  return other.includes(ip) ? freshIp(...other) : ip;
};

/** A single tRPC mutation over HTTP, as a client sends it, with the response's status, headers and error. */
async function trpcMutation(path: string, input: unknown, headers: Record<string, string>) {
  const response = await trpcPOST(
    new Request(`${TEST_BASE_URL}/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ json: input }) }),
  );
  const body = (await response.json()) as { error?: { json: { message: string; data: { code: string; details: Record<string, unknown> | null } } } };
  return { status: response.status, headers: response.headers, error: body.error?.json };
}

const webhook = (ip: string) =>
  webhookPOST(new Request(`${TEST_BASE_URL}/api/webhooks/github`, { method: "POST", headers: { "x-forwarded-for": ip, "content-type": "application/json" }, body: "{}" }), {
    params: Promise.resolve({ provider: "github" }),
  });

/**
 * Provider webhooks from `ip` until the limit refuses: each delivery before it is refused by the
 * provider's check (400, no GitHub headers) but still counts. Returns the refusal.
 */
async function webhooksUntilRefused(ip: string, points: number) {
  for (let delivery = 0; delivery < points; delivery++) expect((await webhook(ip)).status).toBe(400);
  const refused = await webhook(ip);
  expect(refused.status).toBe(429);
  return refused;
}

function expectRateLimitHeaders(headers: Headers, limit: string, quota: number, windowSeconds: number) {
  const retryAfter = Number(headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(headers.get("ratelimit-policy")).toBe(`"${limit}";q=${quota};w=${windowSeconds}`);
  expect(headers.get("ratelimit")).toBe(`"${limit}";r=0;t=${retryAfter}`);
}

let redis: Redis | undefined;
afterAll(() => redis?.disconnect());
afterEach(() => setRateLimits(null));

describe.each([
  [onPostgres ? "the database" : "memory (embedded PGlite)", {}, onPostgres ? ("database" as const) : ("memory" as const)],
  ["Redis", { REDIS_URL }, "redis" as const],
])("rate limits kept in %s", (_name, env, store) => {
  useEnv(() => env);
  let keyPrefix: string;
  const limit = (limits: Parameters<typeof setRateLimits>[0]) => {
    keyPrefix = `test-${randomUUID()}:`;
    setRateLimits(limits, { keyPrefix });
  };

  /** The limit's counters from this test are in the store it says, and in no other. */
  async function expectCountersIn(expected: typeof store, name: string) {
    const rows = await (await getDb()).select().from(rateLimits).where(like(rateLimits.key, `${keyPrefix}${name}:%`));
    redis ??= new Redis(REDIS_URL);
    const redisKeys = await redis.keys(`${keyPrefix}${name}:*`);
    expect({ database: rows.length > 0, redis: redisKeys.length > 0 }).toEqual({ database: expected === "database", redis: expected === "redis" });
  }

  it("a public procedure answers 429 with Retry-After and the RateLimit headers after its per-address limit; another address is unaffected", async () => {
    limit({ deviceAuthorizationStart: { points: 2, windowSeconds: 60 } });
    const ip = freshIp();
    const start = (from: string) => trpcMutation("devices.startAuthorization", { deviceName: "Limited laptop" }, { "x-forwarded-for": from });
    expect((await start(ip)).status).toBe(200);
    expect((await start(ip)).status).toBe(200);

    const refused = await start(ip);
    expect(refused.status).toBe(429);
    expectRateLimitHeaders(refused.headers, "deviceAuthorizationStart", 2, 60);
    expect(refused.error).toMatchObject({
      message: expect.stringMatching(/^Too many device sign-ins started from your network\. Try again in \d+ seconds?\.$/),
      data: { code: "TOO_MANY_REQUESTS", details: { limit: "deviceAuthorizationStart", retryAfterSeconds: Number(refused.headers.get("retry-after")) } },
    });
    expect((await start(freshIp(ip))).status).toBe(200);
    await expectCountersIn(store, "deviceAuthorizationStart");
  });

  it("a route handler (provider webhooks) answers 429 with the same headers before it reads the request", async () => {
    limit({ providerWebhook: { points: 2, windowSeconds: 30 } });
    const ip = freshIp();
    const refused = await webhooksUntilRefused(ip, 2);
    expectRateLimitHeaders(refused.headers, "providerWebhook", 2, 30);
    expect(await refused.json()).toMatchObject({ error: expect.stringMatching(/^Too many webhook deliveries from this address\. Try again in \d+ seconds?\.$/) });
    expect((await webhook(freshIp(ip))).status).toBe(400);
    await expectCountersIn(store, "providerWebhook");
  });

  it("sign-in requests answer 429 with the message where next-auth's client reads it", async () => {
    limit({ signIn: { points: 1, windowSeconds: 60 } });
    const ip = freshIp();
    const signIn = () =>
      authPOST(new Request(`${TEST_BASE_URL}/api/auth/callback/credentials`, { method: "POST", headers: { "x-forwarded-for": ip, "content-type": "application/json" }, body: "{not json" }), {
        params: Promise.resolve({ nextauth: ["callback", "credentials"] }),
      });
    expect((await signIn()).status).toBe(400); // the route's own refusal of a malformed body: still a sign-in request
    const refused = await signIn();
    expect(refused.status).toBe(429);
    expectRateLimitHeaders(refused.headers, "signIn", 1, 60);
    const body = (await refused.json()) as { error: string; url: string };
    expect(body.error).toMatch(/^Too many sign-in requests from your network\. Try again in \d+ seconds?\.$/);
    expect(new URL(body.url).searchParams.get("error")).toBe(body.error);
  });

  it("a limited call is refused before the procedure runs: nothing is written", async () => {
    limit({ register: { points: 1, windowSeconds: 60 } });
    const caller = await anonymousCaller(freshIp());
    await caller.auth.register({ email: uniqueEmail("first"), password: TEST_PASSWORD });
    const email = uniqueEmail("refused");
    const refused = await errorOf(() => caller.auth.register({ email, password: TEST_PASSWORD }));
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many new accounts from your network\. Try again in \d+ seconds?\.$/) });
    expect(await (await getDb()).select({ id: users.id }).from(users).where(eq(users.email, email))).toEqual([]);
  });

  it("every call counts against the caller's own allowance: one user's use does not limit another user, nor the user's device", async () => {
    const [alice, bob] = [await signedUpUser("limit-alice"), await signedUpUser("limit-bob")];
    const laptop = await connectDevice(alice.caller, "Alice's laptop");
    limit({ calls: { points: 3, windowSeconds: 60 } });
    for (let call = 0; call < 3; call++) await alice.caller.auth.me();
    const refused = await errorOf(() => alice.caller.auth.me());
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many requests\. Try again in \d+ seconds?\.$/) });
    await expect(bob.caller.auth.me()).resolves.toMatchObject({ id: bob.user.id });
    const asLaptop = await callerFor(alice.user, { id: laptop.deviceId, name: "Alice's laptop" });
    await expect(asLaptop.auth.me()).resolves.toMatchObject({ id: alice.user.id, device: { id: laptop.deviceId } });
    await expectCountersIn(store, "calls");
  });

  it.skipIf(store === "memory")("every call takes from the caller's allowance a lease of 10 at a time: 25 calls are 3 writes to the shared store", async () => {
    const alice = await signedUpUser("lease-alice");
    limit({ calls: { points: 600, windowSeconds: 60 } });
    for (let call = 0; call < 25; call++) await alice.caller.auth.me();
    let counted: number[];
    if (store === "database") {
      counted = (await (await getDb()).select().from(rateLimits).where(like(rateLimits.key, `${keyPrefix}calls:%`))).map((row) => row.points);
    } else {
      redis ??= new Redis(REDIS_URL);
      const keys = await redis.keys(`${keyPrefix}calls:*`);
      counted = (await Promise.all(keys.map((key) => redis!.get(key)))).map(Number);
    }
    expect(counted).toEqual([30]);
  });

  it("the instance's ceiling counts every caller, in this process's memory whatever the store", async () => {
    limit({ requests: { points: 3, windowSeconds: 60 } });
    const callers = await Promise.all([1, 2, 3, 4].map(() => anonymousCaller(freshIp())));
    for (const caller of callers.slice(0, 3)) await caller.auth.providers();
    const refused = await errorOf(() => callers[3]!.auth.providers());
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^The server is busy\. Try again in \d+ seconds?\.$/) });
    // Route handlers take from the same ceiling.
    const webhookRefused = await webhook(freshIp());
    expect(webhookRefused.status).toBe(429);
    expectRateLimitHeaders(webhookRefused.headers, "requests", 3, 60);
    await expectCountersIn("memory", "requests");
  });
});

/** The test Redis behind a relay, so a test can take it away under the app (a stopped relay refuses connections as a stopped Redis does). */
async function redisRelay() {
  const relay = await tcpRelay(6379);
  return { url: `redis://127.0.0.1:${relay.port}`, stop: relay.stop };
}

describe("rate limits when Redis is unreachable", () => {
  it("a Redis that is down from the start: requests are answered, not 500, and the limits still count (in memory)", async () => {
    const dead = await redisRelay();
    await dead.stop();
    await withEnv({ REDIS_URL: dead.url }, async () => {
      setRateLimits({ providerWebhook: { points: 2, windowSeconds: 60 } }, { keyPrefix: `test-${randomUUID()}:` });
      const refused = await webhooksUntilRefused(freshIp(), 2);
      expectRateLimitHeaders(refused.headers, "providerWebhook", 2, 60);
      // tRPC calls too (every call takes from the caller's `calls` allowance, kept in Redis).
      expect((await trpcMutation("devices.startAuthorization", { deviceName: "Offline Redis" }, { "x-forwarded-for": freshIp() })).status).toBe(200);
    });
  });

  it("a Redis that goes away: counts move to memory at once, without each request waiting for a reconnection", async () => {
    const relay = await redisRelay();
    const keyPrefix = `test-${randomUUID()}:`;
    await withEnv({ REDIS_URL: relay.url }, async () => {
      setRateLimits({ providerWebhook: { points: 3, windowSeconds: 60 } }, { keyPrefix });
      const ip = freshIp();
      // The process's first request waits for its first connection, and counts in Redis.
      expect((await webhook(ip)).status).toBe(400);
      redis ??= new Redis(REDIS_URL);
      expect(await redis.keys(`${keyPrefix}providerWebhook:*`)).toHaveLength(1);

      await relay.stop();
      await new Promise((resolve) => setTimeout(resolve, 200)); // the app's client sees its connection close
      const startedAt = Date.now();
      for (let request = 0; request < 3; request++) expect((await webhook(ip)).status).toBe(400);
      // Queued for a reconnection, each would wait out retries (hundreds of ms) or the command timeout (1 s).
      expect(Date.now() - startedAt).toBeLessThan(1000);
      // Memory has its own count, from zero: the limit still holds there.
      expect((await webhook(ip)).status).toBe(429);
    });
  });
});
