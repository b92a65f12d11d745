import { beforeAll, describe, expect, it } from "vitest";
import { GET as healthGET } from "~/app/api/health/route";
import { POST as pusherAuth } from "~/app/api/pusher/auth/route";
import { GET as trpcGET, POST as trpcPOST } from "~/app/api/trpc/[trpc]/route";
import { DELETE as restDELETE, POST as restPOST } from "~/app/api/v1/[...path]/route";
import { POST as webhookPOST } from "~/app/api/webhooks/[provider]/route";
import { userChannel } from "~/lib/realtime/channels";
import { transformer } from "~/lib/transformer";
import { getDb } from "~/server/db/client";
import { parseEnv } from "~/server/env";
import { switchPusherTransport } from "~/server/realtime/pusher";
import { ZApiError } from "~/server/openapi/document";
import { BODY_LIMITS } from "~/server/security/body-limits";
import { SYNC_LIMITS, ZPushInput } from "~/server/sync/schemas";
import { connectDevice, sessionCookieFor, signedUpUser } from "../support/callers";
import { TEST_BASE_URL } from "../support/http";

const BASE = TEST_BASE_URL;
const EVIL = "https://evil.example";
/** What a browser adds to a request another site makes it send. */
const crossSite = { origin: EVIL, "sec-fetch-site": "cross-site" };
/** What a browser adds to a request from our own pages. */
const sameOrigin = { origin: BASE, "sec-fetch-site": "same-origin" };

// The database opens (and migrates) once per run: not inside the first test's time.
beforeAll(async () => {
  await getDb();
});

type TrpcAnswer = { status: number; message?: string; code?: string; httpStatus?: number; data?: unknown };

async function mutate(path: string, input: unknown, headers: Record<string, string>): Promise<TrpcAnswer> {
  const response = await trpcPOST(
    new Request(`${BASE}/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(transformer.serialize(input)) }),
  );
  return answerOf(response);
}

async function answerOf(response: Response): Promise<TrpcAnswer> {
  const body = (await response.json()) as { result?: { data: { json: unknown } }; error?: { json: { message: string; data: { code: string; httpStatus: number } } } };
  return { status: response.status, data: body.result?.data.json, message: body.error?.json.message, code: body.error?.json.data.code, httpStatus: body.error?.json.data.httpStatus };
}

async function accountName(cookie: string) {
  const response = await trpcGET(new Request(`${BASE}/api/trpc/account.get`, { headers: { cookie, ...crossSite } }));
  return ((await answerOf(response)).data as { name: string }).name;
}

describe("cross-site requests (CSRF) on cookie-authenticated tRPC mutations", () => {
  it("refuses a mutation another site makes the signed-in browser send, with 403 and a clear message; it changes nothing", async () => {
    const { user } = await signedUpUser("csrf-victim");
    const cookie = await sessionCookieFor(user);
    const refused = await mutate("account.updateName", { name: "Mallory" }, { cookie, ...crossSite });
    expect(refused).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(refused.message).toMatch(/^Cross-site request refused: this action must come from DevPulse Cloud's own pages/);
    // A query is only read, and another site cannot read the answer (no CORS): not refused.
    expect(await accountName(cookie)).toBe("csrf-victim");

    const ok = await mutate("account.updateName", { name: "Ada" }, { cookie, ...sameOrigin });
    expect(ok.status).toBe(200);
    expect(await accountName(cookie)).toBe("Ada");
  });

  it("judges by Origin where the browser sends no Sec-Fetch-Site (plain http), and refuses same-site pages too", async () => {
    const { user } = await signedUpUser("csrf-origin");
    const cookie = await sessionCookieFor(user);
    expect((await mutate("account.updateName", { name: "A" }, { cookie, origin: EVIL })).status).toBe(403);
    expect((await mutate("account.updateName", { name: "B" }, { cookie, origin: "null" })).status).toBe(403);
    expect((await mutate("account.updateName", { name: "C" }, { cookie, origin: "http://localhost:3000.evil.example" })).status).toBe(403);
    expect((await mutate("account.updateName", { name: "D" }, { cookie, origin: "http://app.localhost:3000", "sec-fetch-site": "same-site" })).status).toBe(403);
    expect(await accountName(cookie)).toBe("csrf-origin");

    expect((await mutate("account.updateName", { name: "APP_URL's origin" }, { cookie, origin: BASE })).status).toBe(200);
    // Reached on a LAN address over http before APP_URL was set: the Origin names the host the request went to.
    expect((await mutate("account.updateName", { name: "LAN" }, { cookie, origin: "http://192.168.1.20:3000", host: "192.168.1.20:3000" })).status).toBe(200);
    // Typed in or bookmarked, and clients that are not browsers (no Origin, no Sec-Fetch-Site).
    expect((await mutate("account.updateName", { name: "typed" }, { cookie, "sec-fetch-site": "none" })).status).toBe(200);
    expect((await mutate("account.updateName", { name: "script" }, { cookie })).status).toBe(200);
    expect(await accountName(cookie)).toBe("script");
  });

  it("exempts requests authenticated by a device token: they carry their own credential", async () => {
    const { user, caller } = await signedUpUser("csrf-bearer");
    const device = await connectDevice(caller, "Laptop");
    const answer = await mutate("notifications.markAllRead", undefined, { authorization: `Bearer ${device.token}`, ...crossSite });
    expect(answer.status).toBe(200);
    // The same request on the cookie is refused.
    expect((await mutate("notifications.markAllRead", undefined, { cookie: await sessionCookieFor(user), ...crossSite })).status).toBe(403);
  });

  it("refuses the same on the REST door (/api/v1), which takes the session cookie too", async () => {
    const { user } = await signedUpUser("csrf-rest");
    const cookie = await sessionCookieFor(user);
    const deleteAll = (headers: Record<string, string>) => restDELETE(new Request(`${BASE}/api/v1/sync/data?confirm=DELETE`, { method: "DELETE", headers: { cookie, ...headers } }));
    const refused = await deleteAll(crossSite);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/^Cross-site request refused/);
    const allowed = await deleteAll(sameOrigin);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ deletedRecords: 0 });
  });

  it("refuses a cross-site Pusher channel authorisation on the session cookie", async () => {
    const restore = switchPusherTransport(parseEnv({ PUSHER_APP_ID: "1", PUSHER_KEY: "key", PUSHER_SECRET: "secret-of-the-test-app", PUSHER_HOST: "127.0.0.1", PUSHER_PORT: "1", PUSHER_USE_TLS: "false" }));
    try {
      const { user } = await signedUpUser("csrf-pusher");
      const cookie = await sessionCookieFor(user);
      const authorize = (headers: Record<string, string>) =>
        pusherAuth(
          new Request(`${BASE}/api/pusher/auth`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
            body: new URLSearchParams({ socket_id: "123.456", channel_name: userChannel(user.id) }).toString(),
          }),
        );
      const refused = await authorize(crossSite);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toMatch(/^Cross-site request refused/);
      const allowed = await authorize(sameOrigin);
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as { auth: string }).auth).toMatch(/^key:/);
    } finally {
      restore();
    }
  });
});

/** A body of `total` bytes that counts how much of it the server pulled. */
function countedBody(total: number, chunkSize = 64 * 1024) {
  const counter = { pulled: 0 };
  const chunk = new Uint8Array(chunkSize).fill(0x20);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        const next = chunk.subarray(0, Math.min(chunkSize, total - counter.pulled));
        counter.pulled += next.byteLength;
        controller.enqueue(next);
      },
    },
    // Nothing is produced until someone reads.
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

const MiB = 1024 * 1024;

describe("request body limits (413)", () => {
  it("refuses a tRPC call whose declared size is over the limit before reading any of it, in tRPC's error shape", async () => {
    const { user } = await signedUpUser("too-large");
    const { stream, counter } = countedBody(BODY_LIMITS.trpc.bytes + 1);
    const response = await trpcPOST(
      new Request(`${BASE}/api/trpc/sync.push`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(BODY_LIMITS.trpc.bytes + 1), cookie: await sessionCookieFor(user), ...sameOrigin },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    const answer = await answerOf(response);
    expect(answer).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE", httpStatus: 413 });
    expect(answer.message).toBe(`Request body too large: this endpoint takes at most 10 MiB (${10 * MiB} bytes).`);
    expect(counter.pulled).toBe(0);
  });

  it("stops reading a chunked tRPC body (no declared size) once it passes the limit", async () => {
    const { user } = await signedUpUser("too-large-chunked");
    const { stream, counter } = countedBody(64 * MiB);
    const response = await trpcPOST(
      new Request(`${BASE}/api/trpc/sync.push`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: await sessionCookieFor(user), ...sameOrigin },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(await answerOf(response)).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect(counter.pulled).toBeGreaterThan(BODY_LIMITS.trpc.bytes);
    expect(counter.pulled).toBeLessThan(BODY_LIMITS.trpc.bytes + MiB);
  });

  it("refuses a REST upload over the limit in the API's documented error shape, declared or chunked, before reading it all", async () => {
    const { caller } = await signedUpUser("too-large-rest");
    const device = await connectDevice(caller, "REST laptop");
    const upload = async (size: number, declared: boolean) => {
      const { stream, counter } = countedBody(size);
      const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${device.token}` };
      if (declared) headers["content-length"] = String(size);
      const response = await restPOST(new Request(`${BASE}/api/v1/sync/upload`, { method: "POST", headers, body: stream, duplex: "half" } as RequestInit));
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, pulled: counter.pulled };
    };
    const declared = await upload(BODY_LIMITS.rest.bytes + 1, true);
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: `Request body too large: this endpoint takes at most 10 MiB (${10 * MiB} bytes).` });
    expect(ZApiError.safeParse(declared.body).success).toBe(true);
    expect(declared.pulled).toBe(0);
    const chunked = await upload(64 * MiB, false);
    expect(chunked.status).toBe(413);
    expect(chunked.body).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(chunked.pulled).toBeLessThan(BODY_LIMITS.rest.bytes + MiB);
  });

  it("lets the largest valid push through: the limit is above what sync.push accepts", async () => {
    const { user } = await signedUpUser("largest-push");
    const perChange = Math.floor(SYNC_LIMITS.maxBatchCiphertextBytes / SYNC_LIMITS.maxChangesPerPush);
    const input = {
      idempotencyKey: "k".repeat(128),
      deviceId: crypto.randomUUID(),
      changes: Array.from({ length: SYNC_LIMITS.maxChangesPerPush }, (_, index) => ({
        collection: "activities",
        id: `${index}`.padStart(128, "r"),
        baseRevision: 2_147_483_647,
        ciphertext: "c".repeat(perChange),
        checksum: "f".repeat(64),
        schemaVersion: 10_000,
        deleted: false,
        keyId: 1_000_000,
      })),
    };
    expect(ZPushInput.safeParse(input).success).toBe(true);
    const body = JSON.stringify(transformer.serialize(input));
    expect(body.length).toBeLessThan(BODY_LIMITS.trpc.bytes);
    const answer = await answerOf(
      await trpcPOST(
        new Request(`${BASE}/api/trpc/sync.push`, {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), cookie: await sessionCookieFor(user), ...sameOrigin },
          body,
        }),
      ),
    );
    // Read and judged on its merits (this device is not the user's), not refused for its size.
    expect(answer.status).not.toBe(413);
    expect(answer.code).not.toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 413 with a JSON error on route handlers: a chunked webhook is cut at 1 MiB, a body on a GET-only route is refused", async () => {
    const { stream, counter } = countedBody(16 * MiB);
    const webhook = await webhookPOST(new Request(`${BASE}/api/webhooks/github`, { method: "POST", headers: { "x-github-hook-id": "1" }, body: stream, duplex: "half" } as RequestInit), {
      params: Promise.resolve({ provider: "github" }),
    });
    expect(webhook.status).toBe(413);
    expect(await webhook.json()).toEqual({ error: `Request body too large: this endpoint takes at most 1 MiB (${MiB} bytes).` });
    expect(counter.pulled).toBeLessThan(2 * MiB);

    const declared = await pusherAuth(new Request(`${BASE}/api/pusher/auth`, { method: "POST", headers: { "content-length": "5000" }, body: "x".repeat(5000) }));
    expect(declared.status).toBe(413);

    const health = await healthGET(new Request(`${BASE}/api/health`, { method: "GET", headers: { "content-length": "3" } }));
    expect(health.status).toBe(413);
    expect(await health.json()).toEqual({ error: "Request body not allowed: this endpoint takes no body." });
  });
});
