import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDevPulseClient, rateLimitWaitOf, type DevPulseClient } from "~/client";
import { setRateLimits } from "~/server/security/rate-limits";
import { connectDevice, errorOf, signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";

/** The SDK over real HTTP against a refused call: it waits the server's Retry-After and calls again, within bounds. */

/** A desktop device; each test counts its calls afresh, under a key prefix of its own. */
let client: DevPulseClient;
beforeAll(async () => {
  const { caller } = await signedUpUser("limited-device");
  const { token } = await connectDevice(caller, "Throttled laptop");
  client = createDevPulseClient({ url: TEST_BASE_URL, token, fetch: routeFetch() });
});
afterEach(() => setRateLimits(null));

describe("the SDK and rate limits", () => {
  it("waits out a short refusal and sends the same call again, so a long sync slows down instead of failing", async () => {
    setRateLimits({ calls: { points: 2, windowSeconds: 2 } }, { keyPrefix: `test-${randomUUID()}:` });
    await client.auth.me.query();
    await client.auth.me.query();
    const startedAt = Date.now();
    await expect(client.auth.me.query()).resolves.toMatchObject({ device: { name: "Throttled laptop" } });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900); // the rest of the 2-second window, rounded up to a whole second
  });

  it("hands a longer wait to the caller as TOO_MANY_REQUESTS with the wait", async () => {
    setRateLimits({ calls: { points: 1, windowSeconds: 3600 } }, { keyPrefix: `test-${randomUUID()}:` });
    await client.auth.me.query();
    const startedAt = Date.now();
    const refused = await errorOf(() => client.auth.me.query());
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(refused.message).toMatch(/^Too many requests\. Try again in 60 minutes\.$/);
    expect(rateLimitWaitOf(refused)).toBeGreaterThan(3500);
  });
});
