import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { GET as healthGET } from "~/app/api/health/route";
import { GET, POST } from "~/app/api/trpc/[trpc]/route";
import { authorizeDevice, createDevPulseClient, deviceFlowErrorOf } from "~/client";
import { getAuthSecret } from "~/server/auth/options";
import { getDb, openDatabase } from "~/server/db/client";
import { users } from "~/server/db/schema";
import { healthResponse } from "~/server/health/check-health";
import { signedUpUser } from "../support/callers";
import { routeFetch, TEST_BASE_URL } from "../support/http";

const BASE = TEST_BASE_URL;

async function rawTrpc(path: string, headers: Record<string, string>) {
  const response = await GET(new Request(`${BASE}/api/trpc/${path}`, { headers }));
  const body = (await response.json()) as { result?: { data: { json: unknown } }; error?: { json: { message: string; data: { code: string } } } };
  return { status: response.status, body: { result: body.result?.data.json, error: body.error?.json } };
}

describe("tRPC over HTTP with the typed client", () => {
  it("runs the device flow from a plain Node client and answers auth.me with the device token", async () => {
    const { user, caller } = await signedUpUser("http");
    const anonymous = createDevPulseClient({ url: BASE, fetch: routeFetch() });
    const { token } = await authorizeDevice(anonymous, {
      deviceName: "CLI test device",
      sleep: async () => {}, // the server's interval is honoured by slow_down below
      onPrompt: async ({ userCode, verificationUri }) => {
        expect(verificationUri).toBe(`${BASE}/device`);
        await caller.devices.approveAuthorization({ userCode });
      },
    });
    const client = createDevPulseClient({ url: BASE, token, fetch: routeFetch() });
    await expect(client.auth.me.query()).resolves.toMatchObject({ id: user.id, email: user.email, device: { name: "CLI test device" } });
  });

  it("surfaces RFC 8628 errors to clients as data.details.oauthError", async () => {
    const client = createDevPulseClient({ url: BASE, fetch: routeFetch() });
    const started = await client.devices.startAuthorization.mutate({ deviceName: "Pending" });
    const error = await client.devices.pollAuthorization.mutate({ deviceCode: started.deviceCode }).catch((e: unknown) => e);
    expect(deviceFlowErrorOf(error)).toBe("authorization_pending");
    expect((error as { data: { httpStatus: number } }).data.httpStatus).toBe(400);
  });

  it("refuses malformed, unknown and revoked bearer tokens with 401 and a clear message", async () => {
    const malformed = await rawTrpc("auth.me", { authorization: "Token abc" });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error?.message).toMatch(/Malformed Authorization header/);

    const shape = await rawTrpc("auth.me", { authorization: "Bearer not-a-device-token" });
    expect(shape.status).toBe(401);
    expect(shape.body.error?.message).toMatch(/Malformed device token/);

    const unknown = await rawTrpc("auth.me", { authorization: `Bearer dp_${"A".repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.message).toMatch(/not valid or was revoked/);

    // even public procedures refuse a bad credential rather than silently ignoring it
    const publicCall = await rawTrpc("auth.providers", { authorization: "Bearer nope" });
    expect(publicCall.status).toBe(401);
  });

  it("answers a rate-limited call with 429, Retry-After and the wait, keyed on the address the nearest proxy saw", async () => {
    const start = (forwardedFor: string) =>
      POST(
        new Request(`${BASE}/api/trpc/devices.startAuthorization`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
          body: JSON.stringify({ json: { deviceName: "Flood" } }),
        }),
      );
    // The client writes what it likes before the last hop; only the proxy's hop counts.
    for (let i = 0; i < 30; i++) expect((await start(`10.9.8.${i}, 198.51.100.40`)).status).toBe(200);
    const refused = await start("10.9.8.200, 198.51.100.40");
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    const body = (await refused.json()) as { error: { json: { message: string; data: { code: string; details: Record<string, unknown> } } } };
    expect(body.error.json.message).toMatch(/^Too many device sign-ins started from your network\. Try again in \d+ minutes\.$/);
    expect(body.error.json.data).toMatchObject({ code: "TOO_MANY_REQUESTS", details: { limit: "deviceAuthorizationStart", retryAfterSeconds: retryAfter } });
    expect((await start("198.51.100.41")).status).toBe(200);
  });

  it("returns flattened zod errors for bad input with 400", async () => {
    const response = await POST(
      new Request(`${BASE}/api/trpc/auth.register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { email: "nope", password: "short" } }),
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { json: { data: { zodError: { fieldErrors: Record<string, string[]> } } } } };
    expect(body.error.json.data.zodError.fieldErrors.email).toEqual(["Enter a valid email address"]);
    expect(body.error.json.data.zodError.fieldErrors.password?.[0]).toMatch(/at least 10/);
  });

  it("accepts the next-auth session cookie, and refuses it once the session version changes", async () => {
    const { user } = await signedUpUser("cookie");
    const jwt = await encode({ token: { sub: user.id, email: user.email, sv: 0 }, secret: getAuthSecret() });
    const cookie = `next-auth.session-token=${jwt}`;
    const ok = await rawTrpc("auth.me", { cookie });
    expect(ok.status).toBe(200);
    expect(ok.body.result).toMatchObject({ id: user.id, email: user.email });

    const forged = await rawTrpc("auth.me", { cookie: `next-auth.session-token=${jwt.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);

    await (await getDb()).update(users).set({ sessionVersion: 1 }).where(eq(users.id, user.id));
    const ended = await rawTrpc("auth.me", { cookie });
    expect(ended.status).toBe(401);
  });
});

describe("GET /api/health", () => {
  it("answers ok when the database answers", async () => {
    const response = await healthGET(new Request(`${BASE}/api/health`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", db: "ok" });
  });

  it("answers 503 with a reason when the database is down", async () => {
    const unreachable = await openDatabase({ driver: "postgres", url: "postgres://postgres@127.0.0.1:1/nothing" });
    try {
      const response = await healthResponse(async () => unreachable.db);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; db: string; reason: string };
      expect(body).toMatchObject({ status: "error", db: "error" });
      expect(body.reason).toMatch(/database unreachable: .*ECONNREFUSED/);
    } finally {
      await unreachable.close();
    }
  });
});
