import { describe, expect, it } from "vitest";
import { transformer } from "~/lib/transformer";
import { getDb, isEmbeddedDatabase, postgresClientOf } from "~/server/db/client";
import { answerPull } from "~/server/api/pull-answer";
import { devices, syncState } from "~/server/db/schema";
import { pullPageBytes } from "~/server/sync/pull-bytes";
import { eq } from "drizzle-orm";
import { connectDevice, sessionCookieFor } from "../support/callers";
import { handleTrpcRequest } from "~/server/api/trpc-handler";
import { routeFetch, TEST_BASE_URL } from "../support/http";
import { change, push, userWithDevices } from "../support/sync";

/**
 * `GET /api/trpc/sync.pull` is answered by server/api/pull-answer.ts with the page's bytes from
 * Postgres (sync/pull-bytes.ts), not by tRPC. It must say exactly what tRPC says for the same
 * request, so every tRPC client reads it unchanged: tRPC's fetch handler, configured as the route
 * configures it, is the reference. On PGlite the route takes the ordinary read; the answers must
 * be the same there too.
 */
const viaTrpc = handleTrpcRequest;
const viaRoute = routeFetch();

const pullUrl = (input: unknown) => `${TEST_BASE_URL}/api/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify(transformer.serialize(input)))}`;

/** Status, headers (but the date) and body bytes of one answer. */
async function answer(send: (request: Request) => Promise<Response>, url: string, authorization: string, extraHeaders: Record<string, string> = {}) {
  const response = await send(new Request(url, { headers: { ...(authorization ? { authorization } : {}), ...extraHeaders } }));
  const headers = [...response.headers].filter(([name]) => name !== "date");
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function expectSameAnswers(url: string, authorization: string) {
  const reference = await answer(viaTrpc, url, authorization);
  const ours = await answer(viaRoute, url, authorization);
  expect(ours.status).toBe(reference.status);
  expect(ours.headers).toEqual(reference.headers);
  expect(ours.body.toString("utf8")).toBe(reference.body.toString("utf8"));
  return reference;
}

/** A user with records in two collections, tombstones among them, and a third device that reads. */
async function userWithHistory(label: string) {
  const account = await userWithDevices(label);
  await push(account.laptop, [change("p-1", null, "first"), change("p-2", null, "second"), change("a-1", null, "activity", { collection: "activities" })]);
  await push(account.laptop, [change("p-1", 1, "", { deleted: true }), change("p-3", null, "é ünïcode ✓ 🚀 \u2028")]);
  await push(account.desktop, [change("s-1", null, "setting", { collection: "settings", schemaVersion: 7 })]);
  const reader = await connectDevice(account.caller, "reader");
  return { ...account, readerId: reader.deviceId, authorization: `Bearer ${reader.token}` };
}

describe("GET /api/trpc/sync.pull, as tRPC's own handler answers it", () => {
  it("sends the same status, headers and bytes for full pages, the last page, an empty page, tombstones and a collection filter", { timeout: 60_000 }, async () => {
    const { authorization } = await userWithHistory("pull-bytes");
    const inputs = [{}, { cursor: 0, limit: 2 }, { cursor: 2, limit: 2 }, { cursor: 4, limit: 1000 }, { cursor: 6, limit: 5 }, { cursor: 0, collections: ["activities", "settings"] }, { cursor: 1, limit: 1, collections: ["projects"] }];
    for (const input of inputs) {
      const reference = await expectSameAnswers(pullUrl(input), authorization);
      expect(reference.status, JSON.stringify(input)).toBe(200);
    }
    // A cursor past the end of the sequence (6) is refused the same way by both.
    expect((await expectSameAnswers(pullUrl({ cursor: 99, limit: 5 }), authorization)).status).toBe(410);
    // The pages are what they claim: the tombstone has no ciphertext, the unicode text arrived whole.
    const all = JSON.parse((await answer(viaRoute, pullUrl({}), authorization)).body.toString("utf8")) as { result: { data: { json: { changes: Array<{ id: string; deleted: boolean; ciphertext: string | null }>; hasMore: boolean } } } };
    const changes = all.result.data.json.changes;
    expect(changes.map((entry) => entry.id)).toEqual(["p-2", "a-1", "p-1", "p-3", "s-1"]);
    expect(changes.find((entry) => entry.id === "p-1")).toMatchObject({ deleted: true, ciphertext: null });
    expect(changes.find((entry) => entry.id === "p-3")?.ciphertext).toBe("opaque:é ünïcode ✓ 🚀 \u2028");
  });

  /** Each alone on its page (seq 7, 8, 9), so each check is the one that decides. */
  const ESCAPED = [change("q-1", null, 'a "quoted" word'), change("q-2", null, "line\nbreak\ttab\u0001\u0002"), change("q-3", null, "back\\slash")];

  it("a page holding text that JSON escapes (a quote, a control byte, a backslash) is answered the ordinary way, with the same bytes", async () => {
    const { laptop, authorization } = await userWithHistory("pull-bytes-escaped");
    await push(laptop, ESCAPED);
    for (const input of [{ cursor: 0 }, { cursor: 5, limit: 1 }, { cursor: 6, limit: 1 }, { cursor: 7, limit: 1 }, { cursor: 8, limit: 1 }]) await expectSameAnswers(pullUrl(input), authorization);
  });

  it("refusals and batches are tRPC's own: no credentials, a bad token, bad input, unreadable input, a cursor past retention, a batch", async () => {
    const { user, authorization } = await userWithHistory("pull-bytes-refused");
    // Retention deleted up to seq 3: a pull from an older cursor must resync (410).
    await (await getDb()).update(syncState).set({ trimmedSeq: 3 }).where(eq(syncState.userId, user.id));
    expect((await expectSameAnswers(pullUrl({ cursor: 1 }), authorization)).status).toBe(410);
    for (const [url, credentials] of [
      [pullUrl({}), ""],
      [pullUrl({}), "Bearer not-a-token"],
      [pullUrl({ cursor: -1 }), authorization],
      [pullUrl({ limit: 100_000 }), authorization],
      [`${TEST_BASE_URL}/api/trpc/sync.pull?input=%7Bnot-json`, authorization],
    ] as const) {
      const reference = await expectSameAnswers(url, credentials);
      expect(reference.status, url).toBeGreaterThanOrEqual(400);
    }
    // A signed-in browser (session cookie) reads the same as a device.
    const cookie = await sessionCookieFor(user);
    const page = await answer(viaRoute, pullUrl({ cursor: 3 }), "", { cookie });
    expect(page.status).toBe(200);
    expect(page.body.toString("utf8")).toBe((await answer(viaTrpc, pullUrl({ cursor: 3 }), "", { cookie })).body.toString("utf8"));
    const batch = `${TEST_BASE_URL}/api/trpc/sync.pull,sync.pull?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: transformer.serialize({ cursor: 3, limit: 1 }), 1: transformer.serialize({ cursor: 4 }) }))}`;
    expect((await expectSameAnswers(batch, authorization)).status).toBe(200);
  });

  it.runIf(process.env.TEST_DATABASE_URL)("on Postgres the route answers clean pages from the bytes, and a field JSON would escape is never copied", async () => {
    const db = await getDb();
    expect(isEmbeddedDatabase(db)).toBe(false);
    const sql = postgresClientOf(db)!;
    const { user, laptop, authorization } = await userWithHistory("pull-bytes-direct");
    const clean = await pullPageBytes(sql, user.id, { cursor: 0, limit: 3 });
    expect(clean).not.toBeNull();
    expect(clean!.hasMore).toBe(true);
    expect(JSON.parse(clean!.body.toString("utf8")).result.data.json.cursor).toBe(4);
    // What the route sends for a clean page is those bytes, not the ordinary path's string.
    const routed = await answerPull(new Request(pullUrl({ cursor: 0, limit: 3 }), { headers: { authorization } }));
    expect(Buffer.isBuffer(routed?.body)).toBe(true);
    expect(routed!.body).toEqual(clean!.body);

    await push(laptop, ESCAPED);
    for (const cursor of [6, 7, 8]) expect(await pullPageBytes(sql, user.id, { cursor, limit: 1 }), `seq ${cursor + 1}`).toBeNull();
  });

  it("a device has synced once it has read to the end through the route, not on every page", async () => {
    const { readerId, authorization } = await userWithHistory("pull-bytes-synced");
    const lastSyncAt = async () => (await (await getDb()).select({ at: devices.lastSyncAt }).from(devices).where(eq(devices.id, readerId)))[0]!.at;
    expect(await lastSyncAt()).toBeNull();
    expect((await answer(viaRoute, pullUrl({ cursor: 0, limit: 2 }), authorization)).status).toBe(200);
    expect(await lastSyncAt()).toBeNull();
    expect((await answer(viaRoute, pullUrl({ cursor: 3 }), authorization)).status).toBe(200);
    expect(await lastSyncAt()).toBeInstanceOf(Date);
  });
});
