import { randomUUID } from "node:crypto";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { GET as authGET, POST as authPOST } from "~/app/api/auth/[...nextauth]/route";
import { GET as inngestGET, POST as inngestPOST, PUT as inngestPUT } from "~/app/api/inngest/route";
import { GET as exportGET } from "~/app/api/privacy/exports/[id]/route";
import { POST as trpcPOST } from "~/app/api/trpc/[trpc]/route";
import { POST as webhookPOST } from "~/app/api/webhooks/[provider]/route";
import { KDF_MIN_ITERATIONS } from "~/lib/crypto/keys";
import { DATE_RANGE, INT4_MAX, ZDate, ZRevision, ZText } from "~/lib/schemas/primitives";
import { proxy } from "~/proxy";
import { appRouter } from "~/server/api/root";
import { getDb } from "~/server/db/client";
import { deviceAuthorizations, syncKeys, syncPushes, syncRecords, users, webhookDeliveries } from "~/server/db/schema";
import { sha256Hex } from "~/server/hash";
import { NextRequest } from "next/server";
import { startAppServer } from "../support/app-server";
import { anonymousCaller, errorOf, sessionCookieFor, signedUpUser, TEST_PASSWORD, uniqueEmail } from "../support/callers";
import { userWithDevices } from "../support/sync";

// Issue 14, "Bad input that reaches the database as a 500": each class of hostile
// input is a 400 (or 404/405) with nothing stored. Procedures through createCaller,
// route handlers over real HTTP; the production server's own decoding is in
// e2e/hostile-input.spec.ts.

// The first open migrates a fresh database: slow on a busy machine.
beforeAll(() => getDb(), 120_000);

const NUL = "\u0000";
const NUL_MESSAGE = /may not contain NUL/;

async function expectBadRequest(call: () => Promise<unknown>, message?: RegExp) {
  const error = await errorOf(call);
  expect(error.code).toBe("BAD_REQUEST");
  if (message) expect(error.message).toMatch(message);
  return error;
}

const keyBundle = (overrides: { salt?: string; wrappedKey?: string } = {}) => ({
  params: { kdf: "PBKDF2-HMAC-SHA256" as const, iterations: KDF_MIN_ITERATIONS, salt: overrides.salt ?? "c2FsdHNhbHRzYWx0c2FsdA", version: 1 as const },
  wrappedKey: overrides.wrappedKey ?? "d3JhcHBlZC1rZXktYnl0ZXM",
  keyCheck: "a2V5LWNoZWNrLWJ5dGVz",
});

// ───────────────────── the shared schemas, on their own ─────────────────────

describe("the shared input schemas", () => {
  it("ZText refuses NUL and unpaired surrogates, and keeps every other character (emoji included)", () => {
    for (const bad of [NUL, `a${NUL}b`, "\ud800", "x\udc00"]) expect(ZText.safeParse(bad).success).toBe(false);
    for (const good of ["", "plain", "tab\tand newline\n", "😀 ünïcödé", "\u0001"]) expect(ZText.parse(good)).toBe(good);
  });

  it("ZRevision holds exactly what an integer column holds", async () => {
    expect(ZRevision.parse(INT4_MAX)).toBe(INT4_MAX);
    for (const bad of [INT4_MAX + 1, 0, -1, 1.5, Number.MAX_SAFE_INTEGER]) expect(ZRevision.safeParse(bad).success).toBe(false);
    const db = await getDb();
    await expect(db.execute(sql`select ${INT4_MAX}::integer as n`)).resolves.toBeDefined();
    await expect(db.execute(sql`select ${INT4_MAX + 1}::integer as n`)).rejects.toThrow();
  });

  it("ZDate's range, a day beyond either end, is a date the database stores; outside it is refused", async () => {
    const db = await getDb();
    const day = 86_400_000;
    for (const edge of [new Date(DATE_RANGE.min.getTime() - day), new Date(DATE_RANGE.max.getTime() + day)]) {
      await expect(db.execute(sql`select ${edge.toISOString()}::timestamptz as t`)).resolves.toBeDefined();
    }
    expect(ZDate.parse(DATE_RANGE.min.toISOString())).toEqual(DATE_RANGE.min);
    expect(ZDate.parse(DATE_RANGE.max)).toEqual(DATE_RANGE.max);
    for (const bad of ["0000-01-01T00:00:00Z", new Date(8.64e15), new Date(-8.64e15), new Date(DATE_RANGE.max.getTime() + 1), "not a date"]) {
      expect(ZDate.safeParse(bad).success).toBe(false);
    }
  });
});

// ─────────────── every procedure's string inputs refuse NUL ───────────────

type Def = { type: string; format?: string; [key: string]: unknown };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every string schema inside an input schema, with where it is. */
function stringSchemasIn(schema: z.ZodType, path: string, found: Array<{ path: string; schema: z.ZodType }>, seen = new Set<unknown>()) {
  if (seen.has(schema)) return found;
  seen.add(schema);
  const def = defOf(schema);
  const walk = (child: unknown, at: string) => child && stringSchemasIn(child as z.ZodType, at, found, seen);
  switch (def.type) {
    case "string":
      found.push({ path, schema });
      break;
    case "object":
      for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(child, `${path}.${key}`);
      walk(def.catchall, `${path}.*`);
      break;
    case "array":
      walk(def.element, `${path}[]`);
      break;
    case "record":
      walk(def.keyType, `${path}{key}`);
      walk(def.valueType, `${path}{}`);
      break;
    case "tuple":
      (def.items as z.ZodType[]).forEach((item, index) => walk(item, `${path}[${index}]`));
      walk(def.rest, `${path}[…]`);
      break;
    case "union":
      (def.options as z.ZodType[]).forEach((option, index) => walk(option, `${path}|${index}`));
      break;
    case "intersection":
      walk(def.left, path);
      walk(def.right, path);
      break;
    case "pipe":
      walk(def.in, path);
      walk(def.out, path);
      break;
    case "lazy":
      walk((def.getter as () => z.ZodType)(), path);
      break;
    default:
      walk(def.innerType, path); // optional, nullable, default, prefault, readonly, catch, nonoptional
  }
  return found;
}

describe("every procedure's input", () => {
  const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, { _def: { inputs: z.ZodType[] } }> } })._def.procedures);

  it("builds every free-text field on the shared text schema, so none accepts a NUL", () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const [name, procedure] of procedures) {
      for (const input of procedure._def.inputs) {
        for (const { path, schema } of stringSchemasIn(input, name, [])) {
          checked++;
          const result = schema.safeParse(`ok${NUL}ok`);
          // A format (uuid, email, date-time, url…) refuses a NUL by itself; free text must refuse it with the shared message.
          const refused = defOf(schema).format ? !result.success : result.error?.issues.some((issue) => NUL_MESSAGE.test(issue.message));
          if (!refused) offenders.push(path);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});

// ───────────────────── each class, with the reported examples ─────────────────────

describe("a NUL character in a text field", () => {
  it("devices.startAuthorization with deviceName NUL: 400, no authorization stored", async () => {
    const db = await getDb();
    const [before] = await db.select({ n: count() }).from(deviceAuthorizations);
    await expectBadRequest(async () => (await anonymousCaller()).devices.startAuthorization({ deviceName: NUL }), NUL_MESSAGE);
    const [after] = await db.select({ n: count() }).from(deviceAuthorizations);
    expect(after!.n).toBe(before!.n);
  });

  it("auth.register with a NUL name: 400, no account", async () => {
    const email = uniqueEmail("nul");
    await expectBadRequest(async () => (await anonymousCaller()).auth.register({ email, password: TEST_PASSWORD, name: `Ada${NUL}` }), NUL_MESSAGE);
    expect(await (await getDb()).select().from(users).where(eq(users.email, email))).toEqual([]);
  });

  it("sync.push with NUL in the ciphertext or the idempotency key: 400, nothing pushed", async () => {
    const { user, laptop } = await userWithDevices("nul-push");
    const ciphertext = `opaque${NUL}`;
    const change = { collection: "projects" as const, id: "p1", baseRevision: null, ciphertext, checksum: sha256Hex(ciphertext), schemaVersion: 1, deleted: false };
    await expectBadRequest(() => laptop.caller.sync.push({ idempotencyKey: randomUUID(), deviceId: laptop.id, changes: [change] }), NUL_MESSAGE);
    const clean = { ...change, ciphertext: "opaque", checksum: sha256Hex("opaque") };
    await expectBadRequest(() => laptop.caller.sync.push({ idempotencyKey: `key-${NUL}-${randomUUID()}`, deviceId: laptop.id, changes: [clean] }), NUL_MESSAGE);
    const db = await getDb();
    expect(await db.select().from(syncRecords).where(eq(syncRecords.userId, user.id))).toEqual([]);
    expect(await db.select().from(syncPushes).where(eq(syncPushes.userId, user.id))).toEqual([]);
  });

  it("sync.keys.setup with NUL in the key bundle (stored as jsonb and text): 400, no keys", async () => {
    const { user, caller } = await signedUpUser("nul-keys");
    await expectBadRequest(() => caller.sync.keys.setup(keyBundle({ salt: `c2FsdHNhbHRzYWx0c2Fs${NUL}dA` })), NUL_MESSAGE);
    await expectBadRequest(() => caller.sync.keys.setup(keyBundle({ wrappedKey: `d3JhcHBlZC1rZXktYnl0${NUL}` })), NUL_MESSAGE);
    await expectBadRequest(() => caller.sync.keys.setup(keyBundle({ salt: "c2FsdHNhbHRzYWx0c2Fs\ud800" })), /unpaired/);
    expect(await (await getDb()).select().from(syncKeys).where(eq(syncKeys.userId, user.id))).toEqual([]);
  });

  it("conflicts.resolve with NUL in the resolved value, external.commits with NUL in the repository filter: 400", async () => {
    const { caller } = await signedUpUser("nul-resolve");
    const ciphertext = `merged${NUL}`;
    await expectBadRequest(
      () => caller.conflicts.resolve({ id: randomUUID(), strategy: "manual", resolved: { ciphertext, checksum: sha256Hex(ciphertext), schemaVersion: 1 } }),
      NUL_MESSAGE,
    );
    await expectBadRequest(() => caller.external.commits({ since: new Date("2026-01-01T00:00:00Z"), repository: `acme/api${NUL}` }), NUL_MESSAGE);
  });
});

describe("integers beyond the column", () => {
  const tooBig = INT4_MAX + 1;

  it("conflicts.rollback.revision, sync.push.baseRevision and rotatePassphrase.expectedVersion above 2,147,483,647: 400", async () => {
    const { user, caller, laptop } = await userWithDevices("int4");
    await expectBadRequest(() => caller.conflicts.rollback({ collection: "projects", recordId: "p1", revision: tooBig }), /at most 2,147,483,647/);
    const change = { collection: "projects" as const, id: "p1", baseRevision: tooBig, ciphertext: "opaque", checksum: sha256Hex("opaque"), schemaVersion: 1, deleted: false };
    await expectBadRequest(() => laptop.caller.sync.push({ idempotencyKey: randomUUID(), deviceId: laptop.id, changes: [change] }), /at most 2,147,483,647/);
    await caller.sync.keys.setup(keyBundle());
    await expectBadRequest(() => caller.sync.keys.rotatePassphrase({ bundle: keyBundle(), expectedVersion: tooBig }), /at most 2,147,483,647/);
    const db = await getDb();
    expect(await db.select().from(syncRecords).where(eq(syncRecords.userId, user.id))).toEqual([]);
    expect((await db.select().from(syncKeys).where(eq(syncKeys.userId, user.id)))[0]).toMatchObject({ version: 1 });
  });
});

describe("malformed cursors", () => {
  it("conflicts.list refuses a cursor whose id is not a uuid, or whose time the database cannot hold", async () => {
    const { caller } = await signedUpUser("cursor");
    await expectBadRequest(() => caller.conflicts.list({ cursor: `${new Date().toISOString()}|not-a-uuid` }), /Invalid cursor/);
    await expectBadRequest(() => caller.conflicts.list({ cursor: `0000-01-01T00:00:00.000Z|${randomUUID()}` }), /Invalid cursor/);
    await expectBadRequest(() => caller.conflicts.list({ cursor: `${new Date().toISOString()}|${randomUUID()}|extra` }), /Invalid cursor/);
    // a well-formed cursor still pages
    await expect(caller.conflicts.list({ cursor: `${new Date().toISOString()}|${randomUUID()}` })).resolves.toMatchObject({ items: [] });
  });
});

describe("dates outside the database's range", () => {
  it("external.commits since 0000-01-01, and external.correlate with superjson dates at ±8.64e15 ms: 400", async () => {
    const { caller } = await signedUpUser("dates");
    await expectBadRequest(() => caller.external.commits({ since: "0000-01-01T00:00:00Z" as unknown as Date }), /between 1000-01-01 and 9999-01-01/);
    for (const edge of [new Date(8.64e15), new Date(-8.64e15)]) {
      await expectBadRequest(() => caller.external.correlate({ periods: [{ id: "a", start: edge }] }), /between 1000-01-01 and 9999-01-01/);
      await expectBadRequest(() => caller.external.correlate({ periods: [{ id: "a", start: new Date("2026-01-01T00:00:00Z") }], options: { now: edge } }), /between/);
    }
  });

  it("the widest window around a date at either end of the range still queries fine", async () => {
    const { caller } = await signedUpUser("date-edges");
    const wide = { beforeWindowMinutes: 24 * 60, afterWindowMinutes: 24 * 60 };
    await expect(caller.external.correlate({ periods: [{ id: "first", start: DATE_RANGE.min }], options: wide })).resolves.toMatchObject({ commits: [] });
    await expect(caller.external.correlate({ periods: [{ id: "last", start: DATE_RANGE.max }], options: wide })).resolves.toMatchObject({ commits: [] });
  });
});

// ───────────────────── route handlers over real HTTP ─────────────────────

describe("route handlers over HTTP", () => {
  let app: Awaited<ReturnType<typeof startAppServer>>;
  const nextAuthParams = (params: Promise<Record<string, string>>) => ({ params: params.then((p) => ({ nextauth: (p.nextauth ?? "").split("/") })) });
  beforeAll(async () => {
    app = await startAppServer([
      { method: "GET", path: /^\/api\/privacy\/exports\/(?<id>[^/]+)$/, handler: (request, context) => exportGET(request, context as never) },
      { method: "GET", path: /^\/api\/inngest$/, handler: (request) => inngestGET(request as never, undefined as never) },
      { method: "POST", path: /^\/api\/inngest$/, handler: (request) => inngestPOST(request as never, undefined as never) },
      { method: "PUT", path: /^\/api\/inngest$/, handler: (request) => inngestPUT(request as never, undefined as never) },
      { method: "GET", path: /^\/api\/auth\/(?<nextauth>.+)$/, handler: (request, context) => authGET(request, nextAuthParams(context.params) as never) },
      { method: "POST", path: /^\/api\/auth\/(?<nextauth>.+)$/, handler: (request, context) => authPOST(request, nextAuthParams(context.params) as never) },
      { method: "POST", path: /^\/api\/webhooks\/(?<provider>[^/]+)$/, handler: (request, context) => webhookPOST(request, context as never) },
      { method: "POST", path: /^\/api\/trpc\//, handler: (request) => trpcPOST(request) },
    ]);
  });
  afterAll(() => app.close());

  it("GET /api/privacy/exports/<36 zeros> is a 404, not a database error", async () => {
    const { user } = await signedUpUser("export-id");
    const headers = { cookie: await sessionCookieFor(user) };
    for (const id of ["000000000000000000000000000000000000", "not-a-uuid", "0".repeat(32), `${randomUUID()}x`]) {
      const response = await fetch(`${app.url}/api/privacy/exports/${id}`, { headers });
      expect(response.status, id).toBe(404);
      expect(await response.json()).toEqual({ error: "No such export for this account." });
    }
  });

  it("/api/inngest without Inngest configured answers 404 with the reason, for every method", async () => {
    for (const method of ["GET", "POST", "PUT"]) {
      const response = await fetch(`${app.url}/api/inngest`, { method, body: method === "GET" ? undefined : "{}" });
      expect(response.status, method).toBe(404);
      expect(((await response.json()) as { error: string }).error).toMatch(/Inngest is not configured on this server/);
    }
  });

  it("next-auth: a JSON content type without JSON, GET callback/credentials, a bad _log, NUL/CR/LF in values and unusable callback URLs are 4xx before the library", async () => {
    const json = { "content-type": "application/json" };
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const cases: Array<[string, RequestInit, number, RegExp]> = [
      ["/api/auth/callback/credentials", { method: "POST", headers: json, body: "not json" }, 400, /not valid JSON/],
      ["/api/auth/signin/credentials", { method: "POST", headers: json, body: "{" }, 400, /not valid JSON/],
      ["/api/auth/_log", { method: "POST", headers: json, body: "not json" }, 400, /not valid JSON/],
      ["/api/auth/callback/credentials", { method: "GET" }, 405, /posting the sign-in form/],
      ["/api/auth/_log", { method: "POST", headers: json, body: JSON.stringify({ level: "__proto__", code: "X" }) }, 400, /level/],
      ["/api/auth/_log", { method: "POST", headers: form, body: "level=nope&code=CLIENT_FETCH_ERROR" }, 400, /level/],
      ["/api/auth/error?error=%00", { method: "GET" }, 400, /NUL, CR or LF/],
      ["/api/auth/error?error=%0d%0aSet-Cookie:x", { method: "GET" }, 400, /NUL, CR or LF/],
      ["/api/auth/signin/credentials", { method: "POST", headers: form, body: "callbackUrl=%00&csrfToken=x" }, 400, /NUL, CR or LF/],
      // A callback URL next-auth cannot resolve, in the query or its cookie: its assertConfig answered 500.
      ["/api/auth/session?callbackUrl=H", { method: "GET" }, 400, /callback URL/],
      ["/api/auth/csrf?callbackUrl=%2Fok&callbackUrl=r%25", { method: "POST", headers: form, body: "" }, 400, /callback URL/],
      ["/api/auth/session", { method: "GET", headers: { cookie: "next-auth.callback-url=javascript%3Aalert(1)" } }, 400, /callback URL/],
      // Nested 30,000 deep (within the 64 KiB limit), with the NUL at the bottom: found, and no stack overflow (a 500) on the way.
      ["/api/auth/signin/credentials", { method: "POST", headers: json, body: `${"[".repeat(30_000)}"\\u0000"${"]".repeat(30_000)}` }, 400, /NUL, CR or LF/],
    ];
    for (const [path, init, status, message] of cases) {
      const response = await fetch(`${app.url}${path}`, { ...init, redirect: "manual" });
      expect(response.status, `${init.method} ${path}`).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  });

  it("a GitLab webhook whose project path holds a NUL is refused, with no delivery recorded", async () => {
    const deliveryId = randomUUID();
    const response = await fetch(`${app.url}/api/webhooks/gitlab`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gitlab-token": "t".repeat(40), "x-gitlab-event-uuid": deliveryId, "x-gitlab-event": "Push Hook" },
      body: JSON.stringify({ object_kind: "push", project: { path_with_namespace: `acme/api${NUL}` }, commits: [] }),
    });
    expect(response.status).toBe(401);
    const db = await getDb();
    expect(await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.provider, "gitlab"), sql`${webhookDeliveries.deliveryId} like ${`%${deliveryId}`}`))).toEqual([]);
  });

  it("the error formatter still answers zod errors as BAD_REQUEST with field messages", async () => {
    const response = await fetch(`${app.url}/api/trpc/devices.startAuthorization`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { deviceName: NUL } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { json: { message: string; data: { code: string; zodError: { fieldErrors: Record<string, string[]> } } } } };
    expect(body.error.json.data.code).toBe("BAD_REQUEST");
    expect(body.error.json.message).toMatch(/deviceName: Text may not contain NUL/);
    expect(body.error.json.data.zodError.fieldErrors.deviceName?.[0]).toMatch(NUL_MESSAGE);
  });
});

// ───────────────── malformed percent-encoding, in the proxy ─────────────────

describe("a path Next cannot decode", () => {
  it("is a 400 from the proxy for the reported paths, and other paths pass as before", async () => {
    for (const path of ["/api/webhooks/%E0%A4%A", "/api/trpc/%", "/conflicts/%ZZ"]) {
      const response = proxy(new NextRequest(`http://localhost:3000${path}`));
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/Malformed percent-encoding/);
    }
    expect(proxy(new NextRequest("http://localhost:3000/api/trpc/a%20b")).headers.get("x-middleware-next")).toBe("1");
    expect(proxy(new NextRequest("http://localhost:3000/conflicts/a%20b")).headers.get("location")).toMatch(/\/sign-in\?callbackUrl=/);
  });
});
