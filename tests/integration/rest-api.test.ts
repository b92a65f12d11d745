import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as callbackGET } from "~/app/api/integrations/[provider]/callback/route";
import { GET as openApiGET } from "~/app/api/openapi.json/route";
import { GET as trpcGET, POST as trpcPOST } from "~/app/api/trpc/[trpc]/route";
import { DELETE as restDELETE, GET as restGET, PATCH as restPATCH, POST as restPOST, PUT as restPUT } from "~/app/api/v1/[...path]/route";
import { commands } from "~/cli/commands";
import { saveConfig } from "~/cli/config";
import { CLI_CLIENT } from "~/cli/version";
import { createDevPulseClient } from "~/client";
import { decryptRecord, unlockKeyRing } from "~/lib/crypto";
import { getJobRunner } from "~/server/jobs/send";
import { setRateLimits } from "~/server/security/rate-limits";
import { startGitHubDouble } from "../doubles/github/server";
import { startAppServer } from "../support/app-server";
import { connectDevice, sessionCookieFor, signedUpUser, visitorIp } from "../support/callers";
import { useEnv, withEnv } from "../support/env";

/**
 * The REST API over real HTTP, as a client in another language would use it: a device
 * signed in through the device grant, records encrypted with node:crypto by the rules the
 * document states (not with the SDK), every documented path called, and every answer
 * checked against the response schema the document gives for its status.
 */

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Method = "get" | "post" | "delete";

let github: Awaited<ReturnType<typeof startGitHubDouble>>;
let server: Awaited<ReturnType<typeof startAppServer>>;
let document: Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

beforeAll(async () => {
  github = await startGitHubDouble({ autoApprove: true, demoAnchor: new Date() });
  server = await startAppServer([
    { method: "GET", path: /^\/api\/v1\//, handler: restGET },
    { method: "POST", path: /^\/api\/v1\//, handler: restPOST },
    { method: "DELETE", path: /^\/api\/v1\//, handler: restDELETE },
    { method: "PUT", path: /^\/api\/v1\//, handler: restPUT },
    { method: "PATCH", path: /^\/api\/v1\//, handler: restPATCH },
    { method: "GET", path: /^\/api\/trpc\//, handler: trpcGET },
    { method: "POST", path: /^\/api\/trpc\//, handler: trpcPOST },
    { method: "GET", path: /^\/api\/openapi\.json$/, handler: (request) => openApiGET(request) },
    { method: "GET", path: /^\/api\/integrations\/(?<provider>[a-z]+)\/callback$/, handler: (request, context) => callbackGET(request, context as never) },
  ]);
  github.addCallbackUrl(`${server.url}/api/integrations/github/callback`);
});
afterAll(async () => {
  await Promise.all([github?.close(), server?.close()]);
});
useEnv(() => ({
  APP_URL: server.url,
  GITHUB_CLIENT_ID: github.oauth.clientId,
  GITHUB_CLIENT_SECRET: github.oauth.clientSecret,
  GITHUB_BASE_URL: github.url,
  GITHUB_API_URL: github.apiUrl,
}));

const clientAddress = visitorIp();

/** The documented (path template, method) every call is checked against, and which were called. */
const called = new Set<string>();

/**
 * Calls the REST API over HTTP and checks the answer against the schema documented for
 * its status (a status the document does not list fails). Returns status and body.
 */
async function rest(method: Method, template: string, options: { path?: Record<string, string>; query?: Record<string, string | string[]>; body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.path?.[name] ?? ""));
  const url = new URL(`${server.url}/api/v1${path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) for (const one of [value].flat()) url.searchParams.append(name, one);
  // This file's own client address, so its device sign-ins count against no one else's limit.
  const headers: Record<string, string> = { "x-forwarded-for": clientAddress, ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (method === "post") headers["content-type"] = "application/json";
  const response = await fetch(url, { method: method.toUpperCase(), headers, body: method === "post" ? JSON.stringify(options.body ?? {}) : undefined });
  const body = (await response.json()) as Json;
  expectDocumented(method, template, response.status, body);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  called.add(`${method.toUpperCase()} ${template}`);
  return { status: response.status, body, headers: response.headers };
}

function expectDocumented(method: Method, template: string, status: number, body: unknown) {
  const operation = document.paths?.[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} is in the document`).toBeDefined();
  const response = operation.responses[String(status)];
  expect(response, `${method.toUpperCase()} ${template} documents status ${status} (got ${JSON.stringify(body)})`).toBeDefined();
  const schema = response.content["application/json"].schema;
  // The schema's own $refs point into the document's components.
  const validate = ajv.compile({ ...schema, components: document.components });
  expect(validate(body), `${method.toUpperCase()} ${template} → ${status} matches its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`).toBe(true);
}

// ─── Encryption, written from the document's guide alone (node:crypto, not the SDK) ───

const b64url = (bytes: Buffer) => bytes.toString("base64url");
const json = (value: unknown[]) => Buffer.from(JSON.stringify(value), "utf8");

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer) {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  return { iv, sealed: Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]) };
}

function gcmOpen(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer) {
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

function newKeyBundle(passphrase: string, userId: string) {
  const dataKey = randomBytes(32);
  const params = { kdf: "PBKDF2-HMAC-SHA256", iterations: 600_000, salt: randomBytes(16).toString("base64"), version: 1 };
  const kek = pbkdf2Sync(Buffer.from(passphrase.normalize("NFC"), "utf8"), Buffer.from(params.salt, "base64"), params.iterations, 32, "sha256");
  const wrapped = gcmSeal(kek, dataKey, json(["devpulse-wrap-v1", userId, params.kdf, params.iterations, params.salt]));
  const check = gcmSeal(dataKey, Buffer.from("devpulse-key-check-v1", "utf8"), json(["devpulse-keycheck-v1", userId]));
  const sealedForm = ({ iv, sealed }: { iv: Buffer; sealed: Buffer }) => `v1.${b64url(iv)}.${b64url(sealed)}`;
  return { dataKey, bundle: { params, wrappedKey: sealedForm(wrapped), keyCheck: sealedForm(check), keyId: 1, previousKeys: [] } };
}

type Identity = { userId: string; collection: string; recordId: string; schemaVersion: number };
const recordAad = (id: Identity, keyId: number) => json(["devpulse-record-v2", id.userId, id.collection, id.recordId, id.schemaVersion, keyId]);

function encryptRecord(dataKey: Buffer, id: Identity, value: unknown) {
  const { iv, sealed } = gcmSeal(dataKey, Buffer.from(JSON.stringify(value), "utf8"), recordAad(id, 1));
  const envelope = `dp2.A256GCM.1.${b64url(iv)}.${b64url(sealed)}`;
  return { envelope, checksum: createHash("sha256").update(envelope, "utf8").digest("hex") };
}

function decryptEnvelope(dataKey: Buffer, id: Identity, envelope: string) {
  const [version, algorithm, keyId, iv, sealed] = envelope.split(".");
  expect([version, algorithm]).toEqual(["dp2", "A256GCM"]);
  return JSON.parse(gcmOpen(dataKey, Buffer.from(iv!, "base64url"), Buffer.from(sealed!, "base64url"), recordAad(id, Number(keyId))).toString("utf8")) as unknown;
}

/** A device signed in through the device grant over REST; the person approves in the browser (their tRPC caller). */
async function signInDevice(label: string) {
  const account = await signedUpUser(label);
  const start = await rest("post", "/auth/device", { body: { deviceName: `${label}'s script` } });
  expect(start.status).toBe(200);
  expect(start.body.verificationUri).toBe(`${server.url}/device`);
  const pending = await rest("post", "/auth/device/token", { body: { deviceCode: start.body.deviceCode } });
  expect(pending.status).toBe(400);
  expect(pending.body.data.details).toMatchObject({ oauthError: "authorization_pending" });
  await account.caller.devices.approveAuthorization({ userCode: start.body.userCode });
  const issued = await rest("post", "/auth/device/token", { body: { deviceCode: start.body.deviceCode } });
  expect(issued.status).toBe(200);
  const reused = await rest("post", "/auth/device/token", { body: { deviceCode: start.body.deviceCode } });
  expect(reused.body.data.details).toMatchObject({ oauthError: "invalid_grant" });
  return { ...account, token: issued.body.token as string, deviceId: issued.body.deviceId as string };
}

describe("the OpenAPI document", () => {
  it("is served at /api/openapi.json and is a valid OpenAPI 3.1 document", async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Json;
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: `${server.url}/api/v1` }]);
    expect(document.components.securitySchemes.DeviceToken).toMatchObject({ type: "http", scheme: "bearer" });
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    // A broken document is refused: the validation can fail.
    const broken = structuredClone(document);
    broken.paths["/auth/me"].get.responses["200"].content["application/json"].schema = { $ref: "#/components/schemas/Nope" };
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it("checks answers against it: an answer that is not the documented shape fails", () => {
    expect(() => expectDocumented("get", "/auth/me", 200, { id: 1 })).toThrow(/matches its schema/);
    expect(() => expectDocumented("get", "/auth/me", 418, {})).toThrow(/documents status 418/);
  });

  it("documents the seed's REST API and the device grant", () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        "POST /sync/upload",
        "GET /sync/download",
        "GET /sync/listing",
        "GET /sync/conflicts",
        "GET /sync/conflicts/{id}",
        "POST /sync/resolve",
        "DELETE /sync/data",
        "GET /sync/keys",
        "POST /sync/keys",
        "GET /integrations",
        "POST /integrations/{provider}/connect",
        "POST /integrations/{provider}/disconnect",
        "GET /integrations/{provider}/status",
        "POST /integrations/{provider}/sync",
        "GET /external/commits",
        "GET /external/repositories",
        "GET /external/calendar",
        "POST /external/status",
        "GET /auth/me",
        "POST /auth/device",
        "POST /auth/device/token",
      ].sort(),
    );
  });
});

describe("the REST API over HTTP with a device token", () => {
  let alice: Awaited<ReturnType<typeof signInDevice>>;
  let bob: Awaited<ReturnType<typeof signInDevice>>;
  let dataKey: Buffer;
  const passphrase = "correct horse battery staple, but longer";

  beforeAll(async () => {
    alice = await signInDevice("rest-alice");
    bob = await signInDevice("rest-bob");
  }, 120_000);

  it("answers who is calling, and refuses calls without a usable token", async () => {
    const me = await rest("get", "/auth/me", { token: alice.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice.user.id, email: alice.email, device: { id: alice.deviceId, name: "rest-alice's script" } });
    expect(new Date(me.body.createdAt).toISOString()).toBe(me.body.createdAt);
    expect((await rest("get", "/auth/me")).status).toBe(401);
    const revoked = await rest("get", "/auth/me", { token: `dp_${"x".repeat(43)}` });
    expect(revoked.status).toBe(401);
    expect(revoked.body).toMatchObject({ code: "UNAUTHORIZED", data: { httpStatus: 401 } });
  });

  it("sets up keys, uploads a record encrypted by the documented format and downloads it; the SDK opens it", async () => {
    expect((await rest("get", "/sync/keys", { token: alice.token })).body).toBeNull();
    const { dataKey: key, bundle } = newKeyBundle(passphrase, alice.user.id);
    dataKey = key;
    const setup = await rest("post", "/sync/keys", { token: alice.token, body: bundle });
    expect(setup).toMatchObject({ status: 200, body: { version: 1 } });
    expect((await rest("post", "/sync/keys", { token: alice.token, body: bundle })).status).toBe(409);
    const stored = await rest("get", "/sync/keys", { token: alice.token });
    expect(stored.body).toMatchObject({ ...bundle, version: 1 });

    const identity = { userId: alice.user.id, collection: "projects", recordId: "p-1", schemaVersion: 1 };
    const value = { name: "DevPulse", color: "#3070ec" };
    const sealed = encryptRecord(dataKey, identity, value);
    const upload = await rest("post", "/sync/upload", {
      token: alice.token,
      body: { idempotencyKey: randomUUID(), deviceId: alice.deviceId, changes: [{ collection: "projects", id: "p-1", baseRevision: null, ...{ ciphertext: sealed.envelope, checksum: sealed.checksum }, schemaVersion: 1, deleted: false, keyId: 1 }] },
    });
    expect(upload.status).toBe(200);
    expect(upload.body).toMatchObject({ applied: 1, conflicts: 0, results: [{ collection: "projects", id: "p-1", status: "applied", revision: 1 }] });

    const download = await rest("get", "/sync/download", { token: alice.token, query: { cursor: "0", limit: "50", collections: ["projects", "settings"] } });
    expect(download.status).toBe(200);
    expect(download.body).toMatchObject({ hasMore: false, changes: [{ collection: "projects", id: "p-1", revision: 1, checksum: sealed.checksum }] });
    const [change] = download.body.changes;
    expect(createHash("sha256").update(change.ciphertext).digest("hex")).toBe(change.checksum);
    expect(decryptEnvelope(dataKey, identity, change.ciphertext)).toEqual(value);
    // The listing a device compares with after RESYNC_REQUIRED: ids and revisions, no ciphertext.
    const listing = await rest("get", "/sync/listing", { token: alice.token, query: { after: "0" } });
    expect(listing.status).toBe(200);
    expect(listing.body).toEqual({ entries: [{ collection: "projects", id: "p-1", revision: 1, seq: change.seq, deleted: false }], next: null, horizon: 0, latestSeq: change.seq });

    // The SDK, which shares no code with this test's encryption, unlocks the bundle and reads the record.
    const ring = await unlockKeyRing(passphrase, stored.body as never, alice.user.id);
    expect(await decryptRecord(ring, identity, change.ciphertext)).toEqual(value);

    // Bad input is a documented 400 with the field named.
    const bad = await rest("post", "/sync/upload", { token: alice.token, body: { idempotencyKey: "short", deviceId: alice.deviceId, changes: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue: { path: unknown[] }) => issue.path[0])).toEqual(expect.arrayContaining(["idempotencyKey", "changes"]));
    const badQuery = await rest("get", "/sync/download", { token: alice.token, query: { cursor: "-1" } });
    expect(badQuery.status).toBe(400);
    // A string is not a boolean, though the REST adapter coerces plain booleans (lib/schemas/primitives.ts, ZStrictBoolean):
    // "false" must not turn an edit into a deletion, over REST or (sharing the schema) over tRPC.
    const edit = { collection: "projects", id: "p-1", baseRevision: 1, ciphertext: sealed.envelope, checksum: sealed.checksum, schemaVersion: 1, deleted: "false" };
    const stringly = await rest("post", "/sync/upload", { token: alice.token, body: { idempotencyKey: randomUUID(), deviceId: alice.deviceId, changes: [edit] } });
    expect(stringly.status).toBe(400);
    await expect(alice.caller.sync.push({ idempotencyKey: randomUUID(), deviceId: alice.deviceId, changes: [edit as never] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await rest("get", "/sync/download", { token: alice.token, query: { cursor: "0" } })).body.changes).toMatchObject([{ id: "p-1", revision: 1, deleted: false }]);
  }, 60_000);

  it("lists a conflict, reads its versions and resolves it", async () => {
    const identity = { userId: alice.user.id, collection: "projects", recordId: "p-1", schemaVersion: 1 };
    const stale = encryptRecord(dataKey, identity, { name: "DevPulse (edited offline)" });
    const upload = await rest("post", "/sync/upload", {
      token: alice.token,
      body: { idempotencyKey: randomUUID(), deviceId: alice.deviceId, changes: [{ collection: "projects", id: "p-1", baseRevision: null, ciphertext: stale.envelope, checksum: stale.checksum, schemaVersion: 1, deleted: false }] },
    });
    expect(upload.body.results).toMatchObject([{ status: "conflict", type: "update_conflict", remote: { revision: 1 } }]);
    const conflictId = upload.body.results[0].conflictId as string;

    const open = await rest("get", "/sync/conflicts", { token: alice.token, query: { status: "open", limit: "10" } });
    expect(open.body).toMatchObject({ items: [{ id: conflictId, collection: "projects", recordId: "p-1", status: "open", deviceId: alice.deviceId }], nextCursor: null });
    // Bob cannot see or resolve it.
    expect((await rest("get", "/sync/conflicts", { token: bob.token })).body.items).toEqual([]);
    expect((await rest("post", "/sync/resolve", { token: bob.token, body: { id: conflictId, strategy: "local_wins" } })).status).toBe(404);

    // Its versions, to compare or merge on the device: the refused one opens to what was sent, the server's to the original.
    const one = await rest("get", "/sync/conflicts/{id}", { token: alice.token, path: { id: conflictId } });
    expect(one.body).toMatchObject({ id: conflictId, recordId: "p-1", baseRevision: null, base: null, local: { ciphertext: stale.envelope, deviceId: alice.deviceId }, remote: { revision: 1 } });
    expect(decryptEnvelope(dataKey, identity, one.body.local.ciphertext)).toEqual({ name: "DevPulse (edited offline)" });
    expect(decryptEnvelope(dataKey, identity, one.body.remote.ciphertext)).toEqual({ name: "DevPulse", color: "#3070ec" });
    const bobs = await rest("get", "/sync/conflicts/{id}", { token: bob.token, path: { id: conflictId } });
    expect(bobs).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    const notAnId = await rest("get", "/sync/conflicts/{id}", { token: alice.token, path: { id: "p-1" } });
    expect(notAnId.status).toBe(400);
    expect(JSON.stringify(notAnId.body)).toContain("Not a conflict id");

    const resolved = await rest("post", "/sync/resolve", { token: alice.token, body: { id: conflictId, strategy: "local_wins" } });
    expect(resolved.body).toMatchObject({ id: conflictId, strategy: "local_wins", revision: 2 });
    expect((await rest("post", "/sync/resolve", { token: alice.token, body: { id: conflictId, strategy: "local_wins" } })).status).toBe(409);
  });

  it("keeps every user's rows to themselves", async () => {
    // Bob reads nothing of Alice's, and cannot write as her device or into her records.
    expect((await rest("get", "/sync/download", { token: bob.token, query: { cursor: "0" } })).body.changes).toEqual([]);
    expect((await rest("get", "/sync/keys", { token: bob.token })).body).toBeNull();
    const sealed = encryptRecord(randomBytes(32), { userId: bob.user.id, collection: "projects", recordId: "p-1", schemaVersion: 1 }, { name: "mine" });
    const change = { collection: "projects", id: "p-1", baseRevision: null, ciphertext: sealed.envelope, checksum: sealed.checksum, schemaVersion: 1, deleted: false };
    const asAlicesDevice = await rest("post", "/sync/upload", { token: bob.token, body: { idempotencyKey: randomUUID(), deviceId: alice.deviceId, changes: [change] } });
    expect(asAlicesDevice.status).toBe(403);
    // Bob's own consent first (as setting his passphrase would), then his upload lands in his own space.
    await bob.caller.privacy.recordConsent({ type: "cloud_sync", granted: true });
    const own = await rest("post", "/sync/upload", { token: bob.token, body: { idempotencyKey: randomUUID(), deviceId: bob.deviceId, changes: [change] } });
    expect(own.body.results).toMatchObject([{ status: "applied", revision: 1 }]);
    // Bob deletes all his data: Alice's stays.
    expect((await rest("delete", "/sync/data", { token: bob.token, query: { confirm: "nope" } })).status).toBe(400);
    const deleted = await rest("delete", "/sync/data", { token: bob.token, query: { confirm: "DELETE" } });
    expect(deleted.body).toEqual({ deletedRecords: 1 });
    const alices = await rest("get", "/sync/download", { token: alice.token, query: { cursor: "0" } });
    expect(alices.body.changes).toMatchObject([{ id: "p-1", revision: 2 }]);
    expect((await rest("get", "/sync/keys", { token: alice.token })).body).not.toBeNull();
  });

  it("connects GitHub, lists its repositories and commits, syncs and disconnects it", async () => {
    const before = await rest("get", "/integrations", { token: alice.token });
    expect(before.body.find((entry: Json) => entry.provider === "github")).toMatchObject({ state: "available", account: null });
    expect((await rest("get", "/integrations/{provider}/status", { token: alice.token, path: { provider: "nope" } })).status).toBe(400);
    expect((await rest("post", "/integrations/{provider}/sync", { token: alice.token, path: { provider: "github" } })).status).toBe(404);
    expect((await rest("post", "/integrations/{provider}/disconnect", { token: alice.token, path: { provider: "github" } })).status).toBe(404);
    expect((await rest("post", "/integrations/{provider}/connect", { token: alice.token, path: { provider: "github" } })).status).toBe(412); // no consent yet

    // A string is not consent, though the REST adapter coerces other booleans (lib/schemas/primitives.ts, ZStrictBoolean).
    const stringly = await rest("post", "/integrations/{provider}/connect", { token: alice.token, path: { provider: "github" }, body: { consent: "false" } });
    expect(stringly.status).toBe(400);
    await expect(alice.caller.integrations.connect({ provider: "github", consent: "false" as never })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const connect = await rest("post", "/integrations/{provider}/connect", { token: alice.token, path: { provider: "github" }, body: { consent: true } });
    expect(connect.body.scopes.length).toBeGreaterThan(0);
    // The person grants access at GitHub (the double approves), and GitHub sends their browser back to us.
    const consent = await fetch(connect.body.authorizationUrl, { redirect: "manual" });
    expect(consent.status).toBe(302);
    await fetch(consent.headers.get("location")!, { redirect: "manual", headers: { cookie: await sessionCookieFor(alice.user) } });
    await getJobRunner().idle();

    const status = await rest("get", "/integrations/{provider}/status", { token: alice.token, path: { provider: "github" } });
    expect(status.body).toMatchObject({ provider: "github", state: "connected" });
    expect(status.body.account.login).toBeTruthy();
    const repositories = await rest("get", "/external/repositories", { token: alice.token, query: { provider: "github" } });
    expect(repositories.body.length).toBeGreaterThan(0);
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const commits = await rest("get", "/external/commits", { token: alice.token, query: { since, limit: "100" } });
    expect(commits.body.length).toBeGreaterThan(0);
    expect(commits.body.every((commit: Json) => commit.provider === "github")).toBe(true);
    expect((await rest("get", "/external/commits", { token: alice.token, query: { since: "yesterday" } })).status).toBe(400);
    // Bob sees none of it.
    expect((await rest("get", "/external/repositories", { token: bob.token })).body).toEqual([]);
    expect((await rest("get", "/external/commits", { token: bob.token, query: { since } })).body).toEqual([]);
    expect((await rest("get", "/integrations/{provider}/status", { token: bob.token, path: { provider: "github" } })).body).toMatchObject({ state: "available", account: null });
    expect((await rest("post", "/integrations/{provider}/disconnect", { token: bob.token, path: { provider: "github" } })).status).toBe(404);

    const sync = await rest("post", "/integrations/{provider}/sync", { token: alice.token, path: { provider: "github" } });
    expect(sync.body).toMatchObject({ queued: true });
    await getJobRunner().idle();
    const disconnect = await rest("post", "/integrations/{provider}/disconnect", { token: alice.token, path: { provider: "github" } });
    expect(disconnect.body).toMatchObject({ provider: "github", revoked: true });
    expect((await rest("get", "/external/repositories", { token: alice.token })).body).toEqual([]);
  }, 120_000);

  it("reads the calendar and sets the chat status", async () => {
    const from = new Date();
    const to = new Date(from.getTime() + 7 * 86_400_000);
    const events = await rest("get", "/external/calendar", { token: alice.token, query: { from: from.toISOString(), to: to.toISOString() } });
    expect(events).toMatchObject({ status: 200, body: [] });
    expect((await rest("get", "/external/calendar", { token: alice.token, query: { from: to.toISOString(), to: from.toISOString() } })).status).toBe(400);
    const status = await rest("post", "/external/status", { token: alice.token, body: { custom: { text: "Writing the REST API" }, durationMinutes: 30 } });
    expect(status.body).toMatchObject({ text: "Writing the REST API", source: "manual" });
    expect(Date.parse(status.body.expiresAt) - Date.now()).toBeGreaterThan(25 * 60_000);
    expect((await rest("post", "/external/status", { token: alice.token, body: {} })).status).toBe(400);
  });

  it("called every documented operation", () => {
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect([...called].sort()).toEqual(documented.sort());
  });
});

describe("client versions", () => {
  it("answers an older client 426 with an update message, on REST and on tRPC; newer ones and unnamed ones pass", async () => {
    const { user } = await signedUpUser("rest-version");
    const cookie = await sessionCookieFor(user);
    await withEnv({ MIN_CLIENT_VERSIONS: "devpulse-cli=1.2.0,devpulse-sdk=99.0.0" }, async () => {
      const old = await rest("get", "/auth/me", { headers: { cookie, "x-devpulse-client": "devpulse-cli/1.1.0" } });
      expect(old.status).toBe(426);
      expect(old.body).toMatchObject({ data: { httpStatus: 426, details: { reason: "client_outdated", minimumVersion: "1.2.0" } } });
      expect(old.body.message).toMatch(/update DevPulse/);
      // Even before credentials are looked at: a public call from an old client is refused too.
      expect((await rest("post", "/auth/device", { headers: { "x-devpulse-client": "devpulse-cli/1.1.0" }, body: { deviceName: "old" } })).status).toBe(426);
      expect((await rest("get", "/auth/me", { headers: { cookie, "x-devpulse-client": "devpulse-cli/1.2.0" } })).status).toBe(200);
      expect((await rest("get", "/auth/me", { headers: { cookie } })).status).toBe(200);
      expect((await rest("get", "/auth/me", { headers: { cookie, "x-devpulse-client": "devpulse cli" } })).status).toBe(400);

      // tRPC, over HTTP: the same 426.
      const trpc = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie, "x-devpulse-client": "devpulse-cli/1.1.0" } });
      expect(trpc.status).toBe(426);
      expect(((await trpc.json()) as Json).error.json.message).toMatch(/update DevPulse/);
      // The SDK names itself (devpulse-sdk/<version>): below the minimum set here, it hears why.
      const sdk = createDevPulseClient({ url: server.url });
      await expect(sdk.auth.providers.query()).rejects.toMatchObject({ message: expect.stringMatching(/update DevPulse/), data: { httpStatus: 426 } });
      const named = createDevPulseClient({ url: server.url, client: { name: "devpulse-cli", version: "1.3.0" } });
      await expect(named.auth.providers.query()).resolves.toBeDefined();
    });
    expect((await rest("get", "/auth/me", { headers: { cookie, "x-devpulse-client": "devpulse-cli/1.1.0" } })).status).toBe(200);
  });

  it("the CLI names itself with its own version on every call: refused below its minimum, served at it", async () => {
    const { user, caller } = await signedUpUser("rest-version-cli");
    const device = await connectDevice(caller, "Versioned CLI");
    const configDir = mkdtempSync(join(tmpdir(), "devpulse-cli-version-"));
    const saved = process.env.DEVPULSE_CONFIG_DIR;
    process.env.DEVPULSE_CONFIG_DIR = configDir;
    const status = async () => {
      const lines: unknown[] = [];
      await commands.status({ json: true, print: (text) => lines.push(JSON.parse(text)) });
      return lines;
    };
    const [major, minor, patch] = CLI_CLIENT.version.split(/[.+-]/).map(Number);
    const nextVersion = `${major}.${minor}.${patch! + 1}`;
    try {
      await saveConfig({ url: server.url, token: device.token, deviceId: device.deviceId, deviceName: "Versioned CLI" });
      await withEnv({ MIN_CLIENT_VERSIONS: `devpulse-cli=${nextVersion}` }, async () => {
        const outdated = { message: expect.stringMatching(/update DevPulse/), data: { httpStatus: 426, details: { client: "devpulse-cli", version: CLI_CLIENT.version, minimumVersion: nextVersion } } };
        await expect(status()).rejects.toMatchObject(outdated);
        // Signing in, before it has a token, names itself too.
        await expect(commands.login({ json: true, print: () => {} }, { url: server.url, name: "Outdated CLI" })).rejects.toMatchObject(outdated);
      });
      // At its minimum it is served, and it is not taken for the SDK (whose minimum here no version meets).
      await withEnv({ MIN_CLIENT_VERSIONS: `devpulse-cli=${CLI_CLIENT.version},devpulse-sdk=99.0.0` }, async () => {
        expect(await status()).toEqual([expect.objectContaining({ email: user.email, device: "Versioned CLI" })]);
      });
    } finally {
      if (saved === undefined) delete process.env.DEVPULSE_CONFIG_DIR;
      else process.env.DEVPULSE_CONFIG_DIR = saved;
      rmSync(configDir, { recursive: true, force: true });
    }
  });
});

describe("rate limits over REST", () => {
  afterEach(() => setRateLimits(null));

  it("answers 429 with the wait in the documented headers and the error shape, like the tRPC door", async () => {
    const { user } = await signedUpUser("rest-limited");
    const cookie = await sessionCookieFor(user);
    setRateLimits({ calls: { points: 1, windowSeconds: 60 } }, { keyPrefix: `test-${randomUUID()}:` });
    const allowed = await rest("get", "/auth/me", { headers: { cookie } });
    expect(allowed.status).toBe(200);
    // Answers are per caller: nothing on the way may keep or recompress them.
    expect(allowed.headers.get("cache-control")).toBe("no-store, no-transform");

    const refused = await rest("get", "/auth/me", { headers: { cookie } });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ code: "TOO_MANY_REQUESTS", data: { httpStatus: 429, details: { limit: "calls", retryAfterSeconds: retryAfter } } });
    expect(refused.headers.get("ratelimit-policy")).toBe('"calls";q=1;w=60');
    expect(refused.headers.get("ratelimit")).toBe(`"calls";r=0;t=${retryAfter}`);
    // Every header the document promises on a 429 is there.
    const documented = Object.keys(document.paths["/auth/me"].get.responses["429"].headers as Json);
    expect(documented.length).toBeGreaterThanOrEqual(3);
    for (const name of documented) expect(refused.headers.get(name), name).not.toBeNull();
  });

  it("takes a POST without any body as {}, as the document lets a generated client send it; a body that is not JSON is a documented 415", async () => {
    const { token } = await signInDevice("rest-bodyless");
    const url = `${server.url}/api/v1/integrations/github/disconnect`;
    const headers = { authorization: `Bearer ${token}`, "x-forwarded-for": clientAddress };
    const bare = await fetch(url, { method: "POST", headers });
    expect(bare.status).not.toBe(415);
    expectDocumented("post", "/integrations/{provider}/disconnect", bare.status, (await bare.json()) as Json);
    const notJson = await fetch(`${server.url}/api/v1/sync/upload`, { method: "POST", headers: { ...headers, "content-type": "text/plain" }, body: "hello" });
    expect(notJson.status).toBe(415);
    expectDocumented("post", "/sync/upload", notJson.status, (await notJson.json()) as Json);
  });

  it("answers a method a documented path does not take 405 with Allow, in the API's error shape; an unknown path stays 404", async () => {
    const headers = { "x-forwarded-for": clientAddress };
    const wrongVerb = await fetch(`${server.url}/api/v1/sync/upload`, { method: "PUT", headers });
    expect(wrongVerb.status).toBe(405);
    expect(wrongVerb.headers.get("allow")).toBe("POST");
    expect(await wrongVerb.json()).toMatchObject({ code: "METHOD_NOT_SUPPORTED", message: "PUT is not supported on /sync/upload: use POST.", data: { httpStatus: 405 } });
    // a path with a parameter, and one path with two methods
    const templated = await fetch(`${server.url}/api/v1/sync/conflicts/${randomUUID()}`, { method: "DELETE", headers });
    expect([templated.status, templated.headers.get("allow")]).toEqual([405, "GET"]);
    const keys = await fetch(`${server.url}/api/v1/sync/keys`, { method: "PATCH", headers });
    expect([keys.status, keys.headers.get("allow")]).toEqual([405, "GET, POST"]);
    const unknown = await fetch(`${server.url}/api/v1/sync/uploads`, { method: "PUT", headers });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("allow")).toBeNull();
  });

  it("answers the device grant's slow_down with 429 and Retry-After set to the new polling interval", async () => {
    const start = await rest("post", "/auth/device", { body: { deviceName: "an impatient script" } });
    expect((await rest("post", "/auth/device/token", { body: { deviceCode: start.body.deviceCode } })).status).toBe(400);
    const tooSoon = await rest("post", "/auth/device/token", { body: { deviceCode: start.body.deviceCode } });
    expect(tooSoon.status).toBe(429);
    const interval = (tooSoon.body.data.details as { interval: number }).interval;
    expect(tooSoon.body.data.details).toMatchObject({ oauthError: "slow_down", retryAfterSeconds: interval });
    expect(interval).toBeGreaterThan(start.body.interval as number);
    expect(tooSoon.headers.get("retry-after")).toBe(String(interval));
    // No limiter refused it, so there is no limit to name.
    expect(tooSoon.headers.get("ratelimit-policy")).toBeNull();
  });
});
