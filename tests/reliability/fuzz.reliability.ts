import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { transformer } from "~/lib/transformer";
import { getDb, isEmbeddedDatabase } from "~/server/db/client";
import { connectDevice, sessionCookieFor, syncingUser } from "../support/callers";
import { measured, scaled } from "./support/figures";
import { routerProcedures } from "./support/procedures";
import { productionServer } from "./support/production-server";
import { arbitraryOf, hostileValue } from "./support/zod-arbitrary";

/**
 * Every procedure fuzzed from its own zod input schema, and every route handler with random
 * methods, paths, headers and bodies: valid, near-valid and hostile inputs (huge strings, deep
 * nesting, prototype keys, NaN and ±Infinity through superjson, bad superjson meta, wrong
 * methods, malformed JSON, batches), sent over HTTP to the production server (the build `npm test`
 * made) on the Postgres server. Required: no 5xx, no request unanswered after 10 s, no error in the
 * server's log, and the server healthy at the end.
 */

const INPUTS = scaled(100_000, 5_000);
const HUNG_MS = 10_000;
/** Callers the requests are spread over, so the per-caller allowance (600 calls a minute) leaves most of them to the handlers. */
const USERS = 5;
const DEVICES_PER_USER = 8;

/** Every route handler file (found, not imported), as the path segments Next serves it under. */
const routes = Object.keys(import.meta.glob("/src/app/api/**/route.ts")).map((file) => ({
  file,
  segments: file.replace(/^\/src\/app/, "").replace(/\/route\.ts$/, "").split("/").filter(Boolean),
}));

const procedures = routerProcedures().map(({ path, type, inputs }) => ({ path, type, input: arbitraryOf(inputs[0]) }));

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

/**
 * A value as a tRPC client sends it (superjson), or as plain JSON where superjson's own walk
 * cannot (its recursion overflows on thousands of nesting levels): what a hostile client sends.
 */
function encoded(value: unknown): string {
  try {
    return JSON.stringify(transformer.serialize(value)) ?? "null";
  } catch {
    return JSON.stringify({ json: value }, (_, item: unknown) => (typeof item === "bigint" ? item.toString() : item)) ?? "null";
  }
}
const serializedForBatch = (value: unknown) => JSON.parse(encoded(value)) as unknown;
const segmentText = fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.uuid(), fc.constantFrom("github", "gitlab", "slack", "discord", "google", "microsoft", "resend", "postmark", "sendgrid", "credentials", "signin", "callback", "session", "csrf", "_log", "..", "%2e%2e", "%00", "a".repeat(300)));
const contentType = fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/octet-stream", "");
const body = fc.oneof(
  hostileValue.map(encoded),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("{", '{"json":', "[1,2", "null", "", "\u0000", '{"json":{},"meta":{"values":{"__proto__.polluted":["Date"]}}}', '{"json":1,"meta":{"values":["bigint"]}}', '{"json":{"a":1},"meta":{"values":{"a":[["custom","x"]]}}}', '{"json":{"a":"x"},"meta":{"values":{"a":["regexp"]}}}', '{"json":{"a":"(a+)+$"},"meta":{"values":{"a":["regexp"]}}}', "csrfToken=x&email=a%40b.c&password=p&callbackUrl=%2F"),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  // Nesting far deeper than any value a client could build (JSON text only).
  fc.integer({ min: 1_000, max: 100_000 }).map((depth) => `{"json":${"[".repeat(depth)}${"]".repeat(depth)}}`),
);

type Credentials = Record<string, string>;

/** One tRPC request: a procedure with its fuzzed input, a batch, the wrong method, or a mangled body. */
function trpcRequest(credentials: fc.Arbitrary<Credentials>) {
  const procedure = fc.constantFrom(...procedures);
  return fc.oneof(
    // As a client sends it (a subscription is left out here: answered, it stays open by design).
    fc.record({ procedure: procedure.filter((p) => p.type !== "subscription"), credentials }).chain(({ procedure: p, credentials: headers }) =>
      p.input.map((input) => {
        const url = `/api/trpc/${p.path}`;
        return p.type === "query" ? { url: `${url}?input=${encodeURIComponent(encoded(input))}`, method: "GET", headers } : { url, method: "POST", headers: { ...headers, "content-type": "application/json" }, body: encoded(input) };
      }),
    ),
    // A batch of several calls of one kind.
    fc.record({ calls: fc.array(procedure.filter((p) => p.type === "query"), { minLength: 2, maxLength: 5 }), credentials }).chain(({ calls, credentials: headers }) =>
      fc.tuple(...calls.map((p) => p.input)).map((inputs) => ({
        url: `/api/trpc/${calls.map((p) => p.path).join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(inputs.map((input, index) => [index, serializedForBatch(input)]))))}`,
        method: "GET",
        headers,
      })),
    ),
    // Wrong methods, mangled bodies and query strings, unknown paths.
    fc.record({ path: fc.oneof(procedure.map((p) => p.path), fc.string({ maxLength: 30 })), method: fc.constantFrom(...METHODS), body, query: fc.oneof(fc.constant(""), fc.string({ maxLength: 50 }).map((text) => `?input=${encodeURIComponent(text)}`), fc.constant("?batch=1&input=%7B%220%22%3A1%7D"), fc.constant("?batch=1")), credentials, type: contentType }).map(
      ({ path, method, body: text, query, credentials: headers, type }) => ({ url: `/api/trpc/${encodeURIComponent(path)}${query}`, method, headers: { ...headers, ...(type ? { "content-type": type } : {}) }, body: method === "GET" || method === "HEAD" ? undefined : text }),
    ),
  );
}

/** One request to any route handler, with random dynamic segments, method, query, headers and body. */
function routeRequest(credentials: fc.Arbitrary<Credentials>) {
  const signatures = fc.record({ "x-hub-signature-256": fc.string({ maxLength: 80 }), "x-gitlab-token": fc.string({ maxLength: 40 }), "x-slack-signature": fc.string({ maxLength: 80 }), "x-slack-request-timestamp": fc.integer().map(String), "webhook-signature": fc.string({ maxLength: 80 }), "webhook-id": fc.string({ maxLength: 20 }), "webhook-timestamp": fc.integer().map(String) });
  return fc
    .record({ route: fc.constantFrom(...routes), method: fc.constantFrom(...METHODS), values: fc.array(segmentText, { minLength: 3, maxLength: 3 }), query: fc.dictionary(fc.constantFrom("code", "state", "error", "token", "callbackUrl", "id", "input"), fc.string({ maxLength: 40 }), { maxKeys: 3 }), body, type: contentType, credentials, signature: fc.option(signatures, { nil: undefined }) })
    .map(({ route, method, values, query, body: text, type, credentials: headers, signature }) => {
      let next = 0;
      const path = route.segments.map((segment) => (segment.startsWith("[") ? encodeURIComponent(values[next++ % values.length]!) : segment)).join("/");
      const search = new URLSearchParams(query).toString();
      return { url: `/${path}${search ? `?${search}` : ""}`, method, headers: { ...headers, ...signature, ...(type ? { "content-type": type } : {}) }, body: method === "GET" || method === "HEAD" ? undefined : text };
    });
}

type FuzzRequest = { url: string; method: string; headers: Record<string, string>; body?: string };

/** Sends one request; a stream (server-sent events) counts as answered once its status is out. */
async function send(base: string, request: FuzzRequest): Promise<{ status: number } | { hung: true } | { failed: string }> {
  let response: Response;
  try {
    response = await fetch(`${base}${request.url}`, { method: request.method, headers: request.headers, body: request.body, redirect: "manual", signal: AbortSignal.timeout(HUNG_MS) });
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") return { hung: true };
    const cause = String((error as { cause?: unknown }).cause ?? error);
    // fetch refuses some requests itself (a header value or method it will not send): the server never saw those.
    return /ECONN|socket|closed|terminated/i.test(cause) ? { failed: cause } : { status: 0 };
  }
  try {
    if (response.headers.get("content-type")?.includes("text/event-stream")) await response.body?.cancel();
    else await response.arrayBuffer();
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") return { hung: true };
    return { failed: `the body broke off: ${String((error as { cause?: unknown }).cause ?? error)}` };
  }
  return { status: response.status };
}

let running: Awaited<ReturnType<typeof productionServer>> | undefined;
afterAll(async () => running?.stop());

describe("fuzzing every procedure and route handler", () => {
  it(`answers ${INPUTS} generated requests without a 5xx, a hang or an error in the server's log`, { timeout: 60 * 60_000 }, async (context) => {
    const db = await getDb();
    // The production server needs the database this process uses: a Postgres server (PGlite is this process's own).
    if (isEmbeddedDatabase(db) || !process.env.DATABASE_URL) context.skip();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    running = await productionServer("fuzz", 3500);
    const { server, errorLines } = running;
    const signedIn: Credentials[] = [];
    for (let user = 0; user < USERS; user += 1) {
      const owner = await syncingUser(`fuzz-${user}`);
      signedIn.push({ cookie: await sessionCookieFor(owner.user) });
      for (let device = 0; device < DEVICES_PER_USER; device += 1) signedIn.push({ authorization: `Bearer ${(await connectDevice(owner.caller, `fuzz-${user}-${device}`)).token}` });
    }
    // Signed out, each from an address of its own (the last X-Forwarded-For hop), as the world's clients are.
    const signedOut = fc.ipV4().map((ip): Credentials => ({ "x-forwarded-for": ip }));
    const credentials = fc.oneof(fc.constantFrom(...signedIn), signedOut, fc.constantFrom<Credentials>({ authorization: "Bearer dp_forged" }, { cookie: "next-auth.session-token=forged" }));
    const findings: string[] = [];
    const statuses = new Map<number, number>();
    let resent = 0;
    const figure = await measured({ area: "Every boundary", check: "Fuzzing every procedure from its zod input schema and every route handler, over HTTP to the production server", trials: "requests" }, async () => {
      const requests = fc.oneof({ weight: 3, arbitrary: trpcRequest(credentials) }, { weight: 1, arbitrary: routeRequest(credentials) }) as fc.Arbitrary<FuzzRequest>;
      const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
      const all = fc.sample(requests, { numRuns: INPUTS, seed });
      let next = 0;
      // A few requests in flight at once, as clients send them.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < all.length) {
            const request = all[next++]!;
            let outcome = await send(server.url, request);
            // A keep-alive connection the server closed as this request went out on it (1 in 100,000 in a full run):
            // clients send such a request again on a new connection. Counted; a second failure is a finding.
            if ("failed" in outcome && /other side closed/.test(outcome.failed)) {
              resent += 1;
              outcome = await send(server.url, request);
            }
            const what = `${request.method} ${request.url.slice(0, 160)}`;
            if ("hung" in outcome) findings.push(`hung: ${what}`);
            else if ("failed" in outcome) findings.push(`no answer (${outcome.failed}): ${what}`);
            else {
              statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
              if (outcome.status >= 500) findings.push(`${outcome.status}: ${what}`);
            }
          }
        }),
      );
      const healthy = await fetch(`${server.url}/api/health`).then((response) => response.ok, () => false);
      if (!healthy) findings.push("the server was not healthy afterwards");
      const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status === 0 ? "not sent (fetch refused it)" : status} × ${count}`).join(", ");
      return {
        tried: all.length,
        lost: findings.length + errorLines.length,
        detail: `seed ${seed}; ${procedures.length} procedures and ${routes.length} route handler files; answers: ${byStatus}; ${resent} sent again after the server closed a kept-alive connection as it went out; a finding is a 5xx, a request unanswered after ${HUNG_MS / 1000} s or cut off, an error line in the server's log (${errorLines.length}), or the server unhealthy at the end${findings.length ? `: ${findings.slice(0, 5).join("; ")}` : ""}`,
      };
    });
    expect(findings.slice(0, 20)).toEqual([]);
    expect(errorLines.slice(0, 20)).toEqual([]);
    expect(figure.lost).toBe(0);
  });
});
