/**
 * Diagnostic companion to `npm run bench:sync`: where a push and a pull spend their
 * time, and what the proposed server changes would buy. Runs the server's own code
 * in this process on a fresh database and peels the layers off one by one:
 *
 *   raw SQL floor → the server's statements, phase by phase → pushChanges() →
 *   tRPC caller (zod, middleware) → tRPC fetch handler (JSON/superjson, token auth) →
 *   HTTP through the production Next.js server (with and without gzip)
 *
 * plus the proposed fixes measured side by side, EXPLAIN ANALYZE of the current-rows
 * query as a user's history grows, and pull the same way. Writes bench/PROFILE.md.
 *
 *   npx tsx bench/profile.ts
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { recordConsent } from "~/server/privacy/consents";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { and, eq, inArray, sql, type SQLWrapper } from "drizzle-orm";
import superjson from "superjson";
import { createDevPulseClient } from "../src/client/index";
import { transformer } from "../src/lib/transformer";
import type { Tx } from "../src/server/db/client";
import type { SyncCollection } from "../src/lib/schemas/collections";
import type { RevisionRow } from "../src/server/sync/sequence";
import { openBaseline } from "./lib/baseline";
import { waitForQuiet } from "./lib/cpu";
import { createTestDatabase } from "./lib/database";
import { activities, chunk, encryptRecords, type EncryptedChange } from "./lib/records";
import { heapSnapshotFlags, residentSplit, summarizeHeapSnapshot, takeHeapSnapshot, type HeapSummary } from "./lib/heap-snapshot";
import { findFreePort, startServer } from "./lib/server";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BATCH = 500;
const BATCHES = 20;
const PULL_PAGE = 1_000;
const BIG_USER_RECORDS = 100_000;

const out: string[] = [];
const print = (text: string) => {
  out.push(text);
  process.stdout.write(`${text}\n`);
};
const log = (message: string) => process.stderr.write(`[profile] ${message}\n`);
const table = (header: string[], rows: (string | number)[][]) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
const ms = (value: number) => value.toFixed(1);

async function quietly() {
  const calm = await waitForQuiet(60);
  if (!calm.quiet) log(`  (other processes keep ${calm.busyCpus.toFixed(2)} CPUs busy: measuring anyway)`);
  return calm.quiet;
}

const database = await createTestDatabase("postgres://postgres@127.0.0.1:5432/postgres", "profile");
process.env.DATABASE_URL = database.url;
process.env.MIGRATIONS_DIR = join(ROOT, "drizzle");
process.env.LOG_LEVEL = "warn";
process.env.NEXTAUTH_SECRET = "profile-secret-profile-secret-profile-secret";

try {
  // Imported after the environment is set: the server reads it on first use.
  const { getDb, getDatabaseHandle } = await import("../src/server/db/client");
  const { devices, syncRecords, syncRevisions, users } = await import("../src/server/db/schema");
  const { lockSequence, revisionWrites } = await import("../src/server/sync/sequence");
  const { assertPushDevice, pushChanges, pushWrite, readPushState } = await import("../src/server/sync/push");
  const { pullChanges } = await import("../src/server/sync/pull");
  const { ZPullResult, ZPushInput } = await import("../src/server/sync/schemas");
  const { sha256Hex } = await import("../src/server/hash");
  const { generateDeviceToken } = await import("../src/server/devices/tokens");
  const { appRouter, createCaller } = await import("../src/server/api/root");
  const { createContextFromRequest, createContextInner } = await import("../src/server/api/trpc");
  const { getPublicUser } = await import("../src/server/auth/accounts");

  const db = await getDb(); // migrates
  const baseline = openBaseline(database.url);
  await baseline.createTables();
  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);

  async function newUser(label: string) {
    const [user] = await db.insert(users).values({ email: `${label}-${randomUUID()}@profile.example.com` }).returning({ id: users.id });
    await recordConsent(db, user!.id, { type: "cloud_sync", granted: true }); // cloud sync is off until the user agrees
    const token = generateDeviceToken();
    const [device] = await db.insert(devices).values({ userId: user!.id, name: label, tokenHash: sha256Hex(token) }).returning({ id: devices.id });
    const records = await encryptRecords(dataKey, user!.id, activities(label, BATCH * BATCHES));
    return { userId: user!.id, deviceId: device!.id, token, batches: chunk(records, BATCH) };
  }
  type Subject = Awaited<ReturnType<typeof newUser>>;
  const pushInput = (subject: Subject, changes: EncryptedChange[]) => ({ idempotencyKey: randomUUID(), deviceId: subject.deviceId, changes });
  const revisionRows = (subject: Subject, changes: EncryptedChange[], firstSeq: number): RevisionRow[] =>
    changes.map((change, index) => ({ ...change, recordId: change.id, revision: 1, seq: firstSeq + index, deviceId: subject.deviceId }));

  /** A request through tRPC's fetch adapter, as the route handler makes it (no Next.js, no socket). */
  async function viaFetchHandler(path: string, token: string, input: unknown, method: "POST" | "GET") {
    const payload = encodeURIComponent(JSON.stringify({ 0: superjson.serialize(input) }));
    const req = new Request(`http://profile.local/api/trpc/${path}?batch=1${method === "GET" ? `&input=${payload}` : ""}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: method === "POST" ? JSON.stringify({ 0: superjson.serialize(input) }) : undefined,
    });
    const response = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => createContextFromRequest(req) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return text;
  }

  // ───────────────────────────── 1. Push, layer by layer ─────────────────────────────

  let measuring = false;
  const phases = new Map<string, number>();
  const timePhase = async <T>(phase: string, task: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await task();
    if (measuring) phases.set(phase, (phases.get(phase) ?? 0) + performance.now() - started);
    return result;
  };

  // The current-rows lookup of a push (the predicate inside readPushState: primary-key probes, since bb7e7c5), and as it was before.
  const currentRowsShipped = (executor: Tx | typeof db, userId: string, changes: { collection: string; id: string }[]) =>
    executor
      .select({ collection: syncRecords.collection, recordId: syncRecords.recordId, revision: syncRecords.revision, seq: syncRecords.seq, ciphertext: syncRecords.ciphertext })
      .from(syncRecords)
      .where(
        and(
          eq(syncRecords.userId, userId),
          sql`(${syncRecords.collection}, ${syncRecords.recordId}) in (select collection, record_id from json_to_recordset(${JSON.stringify(
            changes.map((change) => ({ collection: change.collection, record_id: change.id })),
          )}::json) as t(collection text, record_id text))`,
        ),
      );
  const currentRowsBefore = (userId: string, ids: string[]) =>
    db.select().from(syncRecords).where(and(eq(syncRecords.userId, userId), inArray(syncRecords.recordId, ids)));

  /** The statements of pushChanges (src/server/sync/push.ts: three round trips under the lock), timed one by one. */
  async function pushInPhases(subject: Subject, changes: EncryptedChange[]) {
    const { userId, deviceId } = subject;
    const payload = pushInput(subject, changes);
    await timePhase("zod: ZPushInput.parse", () => ZPushInput.parse(payload));
    await timePhase("checksums: sha256 of every ciphertext", () => changes.every((change) => sha256Hex(change.ciphertext) === change.checksum));
    await timePhase("assertPushDevice: SELECT devices", () => assertPushDevice(db, userId, deviceId, deviceId));
    await db.transaction(async (tx) => {
      const seq = await timePhase("lockSequence: INSERT … ON CONFLICT sync_state RETURNING (takes the user's lock)", () => lockSequence(tx, userId));
      await timePhase("readPushState: settings, idempotency key, primary-key probes for the batch's (collection, id)", () => readPushState(tx, userId, payload));
      const rows = revisionRows(subject, changes, seq + 1);
      const results = rows.map((row) => ({ collection: row.collection as SyncCollection, id: row.recordId, status: "applied" as const, revision: 1, seq: row.seq }));
      const result = { cursor: seq + rows.length, applied: rows.length, conflicts: 0, results };
      await timePhase("pushWrite: one statement (upsert sync_records, insert sync_revisions, sequence, device, processing log, sync_pushes ~40 KB jsonb)", () =>
        tx.execute(pushWrite(userId, payload, rows, [], result)),
      );
      measuring && (await timePhase("COMMIT (measured as the rest of the transaction)", () => undefined));
    });
  }

  /** Pushes 20 batches of a fresh user through `push`, after 3 warm-up batches of another; ms per batch. */
  async function pushLayer(name: string, slug: string, push: (subject: Subject, changes: EncryptedChange[]) => Promise<unknown>) {
    const warm = await newUser(`${slug}-warmup`);
    for (const batch of warm.batches.slice(0, 3)) await push(warm, batch);
    const subject = await newUser(slug);
    await quietly();
    measuring = true;
    const started = performance.now();
    for (const batch of subject.batches) await push(subject, batch);
    const perBatch = (performance.now() - started) / BATCHES;
    measuring = false;
    log(`${name}: ${ms(perBatch)} ms per batch`);
    return { name, perBatch, subject };
  }

  log("push layers");
  const rawSeq = new Map<string, number>();
  const pushLayers = [
    await pushLayer("raw SQL floor: postgres.js, prepared (bench/lib/baseline.ts)", "raw", async (subject, changes) => {
      const first = rawSeq.get(subject.userId) ?? 1;
      rawSeq.set(subject.userId, first + changes.length);
      await baseline.upsertAll(subject.userId, subject.deviceId, changes, BATCH, first);
    }),
    await pushLayer("server statements, phase by phase", "phases", pushInPhases),
    await pushLayer("pushChanges() (no validation, no HTTP)", "direct", (subject, changes) => pushChanges(db, subject.userId, pushInput(subject, changes))),
    await pushLayer("tRPC caller: + zod + middleware + assertPushDevice", "caller", async (subject, changes) => {
      const user = await getPublicUser(db, subject.userId);
      const caller = createCaller(await createContextInner({ db, user: user!, device: { id: subject.deviceId, name: "profile" } }));
      return caller.sync.push(pushInput(subject, changes));
    }),
    await pushLayer("tRPC fetch handler: + JSON/superjson + token auth", "handler", (subject, changes) =>
      viaFetchHandler("sync.push", subject.token, pushInput(subject, changes), "POST"),
    ),
  ];

  // ───────────────────────────── 2. writeRevisions: as shipped vs before vs an alternative ─────────────────────────────

  /** writeRevisions before bb7e7c5: drizzle builds two 500-row VALUES lists, sent as unnamed statements. */
  const writeRevisionsValues = async (tx: Tx, userId: string, rows: RevisionRow[]) => {
    const values = rows.map((row) => ({ userId, ...row }));
    await tx
      .insert(syncRecords)
      .values(values)
      .onConflictDoUpdate({
        target: [syncRecords.userId, syncRecords.collection, syncRecords.recordId],
        set: { revision: sql`excluded.revision`, seq: sql`excluded.seq`, ciphertext: sql`excluded.ciphertext`, checksum: sql`excluded.checksum`, schemaVersion: sql`excluded.schema_version`, deleted: sql`excluded.deleted`, deviceId: sql`excluded.device_id`, updatedAt: sql`now()` },
      });
    await tx.insert(syncRevisions).values(values);
  };

  /** An alternative: both writes in ONE statement with 10 array parameters (postgres.js only; PGlite would need JSON). */
  const writeRevisionsUnnest = (tx: Tx, userId: string, rows: RevisionRow[]) => {
    const column = <K extends keyof RevisionRow>(key: K) => sql.param(rows.map((row) => row[key]));
    // postgres.js types an array parameter by its first element, and `false` would make it a scalar boolean.
    const deletedFlags = sql.param(rows.map((row) => (row.deleted ? "t" : "f")));
    return tx.execute(sql`
      WITH input AS (
        SELECT * FROM unnest(${column("collection")}::text[], ${column("recordId")}::text[], ${column("revision")}::int[], ${column("seq")}::bigint[],
                             ${column("ciphertext")}::text[], ${column("checksum")}::text[], ${column("schemaVersion")}::int[], ${deletedFlags}::bool[],
                             ${column("deviceId")}::uuid[])
          AS t(collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id)
      ), upserted AS (
        INSERT INTO sync_records (user_id, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id)
        SELECT ${userId}::uuid, * FROM input
        ON CONFLICT (user_id, collection, record_id) DO UPDATE SET
          revision = excluded.revision, seq = excluded.seq, ciphertext = excluded.ciphertext, checksum = excluded.checksum,
          schema_version = excluded.schema_version, deleted = excluded.deleted, device_id = excluded.device_id, updated_at = now()
      )
      INSERT INTO sync_revisions (user_id, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id)
      SELECT ${userId}::uuid, * FROM input`);
  };

  log("writeRevisions variants");
  const variants = {
    "shipped: one statement from a json_to_recordset parameter": (tx: Tx, userId: string, rows: RevisionRow[]) => tx.execute(sql`with ${revisionWrites(userId, rows)} select 1`),
    "before bb7e7c5: drizzle builds 2 × 500-row VALUES (unnamed statements)": writeRevisionsValues,
    "alternative: one statement from unnest() array parameters": writeRevisionsUnnest,
  };
  const variantTimes = new Map<string, number[]>();
  const buildTimes: number[] = [];
  const variantSubject = await newUser("variants");
  await quietly();
  let variantSeq = 0;
  for (let round = 0; round < BATCHES; round++) {
    for (const [name, write] of Object.entries(variants)) {
      const changes = activities(`${name.slice(0, 6).replace(/\W/g, "")}-${round}`, BATCH).map((record, index) => ({ ...variantSubject.batches[round]![index]!, id: record.id }));
      const rows = revisionRows(variantSubject, changes, variantSeq + 1);
      variantSeq += rows.length;
      const started = performance.now();
      await db.transaction((tx) => write(tx, variantSubject.userId, rows));
      variantTimes.set(name, [...(variantTimes.get(name) ?? []), performance.now() - started]);
    }
    // What drizzle spent just building the previous 500-row upsert (no database involved).
    const rows = revisionRows(variantSubject, variantSubject.batches[round]!, 1);
    const started = performance.now();
    db.insert(syncRecords).values(rows.map((row) => ({ userId: variantSubject.userId, ...row }))).toSQL();
    buildTimes.push(performance.now() - started);
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

  // ───────────────────────────── 3. Pull, layer by layer ─────────────────────────────

  log("pull layers");
  const reader = pushLayers[2]!.subject; // holds 10,000 records
  async function pullLayer(name: string, pull: (cursor: number) => Promise<number | null>) {
    await pull(0); // warm-up
    await quietly();
    const started = performance.now();
    let cursor: number | null = 0;
    let pages = 0;
    while (cursor !== null) {
      cursor = await pull(cursor);
      pages += 1;
    }
    const perPage = (performance.now() - started) / pages;
    log(`${name}: ${ms(perPage)} ms per page`);
    return { name, perPage };
  }
  const pageOf = (rows: { seq: number }[], limit: number) => (rows.length < limit ? null : rows.at(-1)!.seq);
  const pullLayers = [
    await pullLayer("raw SQL floor: SELECT … WHERE seq > $1 ORDER BY seq LIMIT 1000, prepared", async (cursor) => {
      const rows = await baseline.sql<{ seq: string }[]>`
        SELECT collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted FROM sync_records
        WHERE user_id = ${reader.userId} AND seq > ${cursor} ORDER BY seq LIMIT ${PULL_PAGE}`;
      return pageOf(rows.map((row) => ({ seq: Number(row.seq) })), PULL_PAGE);
    }),
    await pullLayer("pullChanges() (page + SELECT sync_state + UPDATE devices)", async (cursor) => {
      const page = await pullChanges(db, reader.userId, { cursor, limit: PULL_PAGE }, reader.deviceId);
      return page.hasMore ? page.cursor : null;
    }),
    await pullLayer("tRPC fetch handler: + token auth + superjson/JSON of ~1.5 MB", async (cursor) => {
      const text = await viaFetchHandler("sync.pull", reader.token, { cursor, limit: PULL_PAGE }, "GET");
      const page = superjson.deserialize<{ hasMore: boolean; cursor: number }>((JSON.parse(text) as [{ result: { data: never } }])[0].result.data);
      return page.hasMore ? page.cursor : null;
    }),
  ];

  // ───────────────────────────── 4. Through the real Next.js server (HTTP) ─────────────────────────────

  log("starting the production server on the same database for the HTTP layers");
  const dataDir = mkdtempSync(join(tmpdir(), "devpulse-profile-"));
  const snapshotDir = join(dataDir, "heap");
  mkdirSync(snapshotDir);
  const server = await startServer({
    root: ROOT,
    port: await findFreePort(3300),
    env: { DATABASE_URL: database.url, NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET!, LOG_LEVEL: "warn", DATA_DIR: dataDir, NODE_OPTIONS: heapSnapshotFlags(snapshotDir) },
  });
  const httpPush: { name: string; perBatch: number }[] = [];
  let contentEncoding = "";
  const memory: { when: string; resident: ReturnType<typeof residentSplit>; heap: HeapSummary }[] = [];
  /** The server's resident memory now, and a heap snapshot of what it holds (taken after reading the RSS: a snapshot collects garbage first). */
  const snapshotServer = async (when: string) => {
    const pid = server.memory().serverPid!;
    await sleep(5_000); // let start-up or the last request's garbage settle as it would
    const resident = residentSplit(pid);
    log(`heap snapshot of the server: ${when}`);
    const path = await takeHeapSnapshot(pid, snapshotDir);
    memory.push({ when, resident, heap: summarizeHeapSnapshot(path) });
    rmSync(path);
  };
  try {
    await snapshotServer("idle, just started (healthy, no request served but /api/health)");
    /** Like the desktop client, or with `Accept-Encoding: identity` (no gzip of the ~1.5 MB pages). */
    const client = (token: string, identity: boolean) =>
      createDevPulseClient({
        url: server.url,
        token,
        fetch: async (input, init) => {
          const headers = new Headers(init?.headers);
          if (identity) headers.set("accept-encoding", "identity");
          const response = await fetch(input, { ...init, headers });
          contentEncoding ||= identity ? "" : (response.headers.get("content-encoding") ?? "none");
          return response;
        },
      });
    for (const identity of [false, true]) {
      const http = client(reader.token, identity);
      pullLayers.push(
        await pullLayer(`HTTP through Next.js, ${identity ? "Accept-Encoding: identity" : "default client"}`, async (cursor) => {
          const page = await http.sync.pull.query({ cursor, limit: PULL_PAGE });
          return page.hasMore ? page.cursor : null;
        }),
      );
      const result = await pushLayer(`HTTP through Next.js, ${identity ? "Accept-Encoding: identity" : "default client"}`, identity ? "http-identity" : "http", (subject, changes) =>
        client(subject.token, identity).sync.push.mutate(pushInput(subject, changes)),
      );
      httpPush.push(result);
    }
    await snapshotServer("after the HTTP layers (10,000-record pulls and 500-record pushes)");
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  pushLayers.push(...httpPush.map(({ name, perBatch }) => ({ name, perBatch, subject: reader })));

  // ───────────────────────────── 5. The current-rows query as the user's history grows ─────────────────────────────
  // Last: inserting 100,000 rows leaves Postgres busy writing them out for a while.

  log(`a user with ${BIG_USER_RECORDS.toLocaleString("en")} records, for the current-rows query`);
  const big = await newUser("big");
  await baseline.sql`
    INSERT INTO sync_records (user_id, collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted, device_id)
    SELECT ${big.userId}, 'activities', 'big-' || n, 1, n, repeat('x', 1500), repeat('0', 64), 1, false, ${big.deviceId}
    FROM generate_series(1, ${BIG_USER_RECORDS}) AS n`;
  await baseline.sql`ANALYZE sync_records`;
  /** Through the server's own drizzle connection, so parameters are serialised exactly as the server sends them. */
  const explainLines = async (query: SQLWrapper) => {
    const rows = (await db.execute(sql`EXPLAIN (ANALYZE, BUFFERS) ${query}`)) as unknown as { "QUERY PLAN": string }[];
    return rows.map((row) => row["QUERY PLAN"].replace(/'[[{][^']{80,}'/g, "'…500 keys…'"));
  };
  const bigIds = Array.from({ length: BATCH }, (_, index) => `big-${50_000 + index * 7}`);
  const smallIds = pushLayers[2]!.subject.batches[7]!.map((change) => change.id);
  const asChanges = (ids: string[]) => ids.map((id) => ({ collection: "activities", id }));
  const currentRowsPlans = {
    beforeSmall: await explainLines(currentRowsBefore(pushLayers[2]!.subject.userId, smallIds)),
    beforeBig: await explainLines(currentRowsBefore(big.userId, bigIds)),
    shippedSmall: await explainLines(currentRowsShipped(db, pushLayers[2]!.subject.userId, asChanges(smallIds))),
    shippedBig: await explainLines(currentRowsShipped(db, big.userId, asChanges(bigIds))),
  };
  const executionMs = (lines: string[]) => Number(/Execution Time: ([\d.]+) ms/.exec(lines.join("\n"))?.[1] ?? NaN);

  // ───────────────────────────── 6. Serialisation, for scale ─────────────────────────────

  const sampleBatch = pushLayers[0]!.subject.batches[0]!;
  const samplePage = await pullChanges(db, reader.userId, { cursor: 0, limit: PULL_PAGE }, null);
  const micro = (task: () => unknown) => {
    for (let i = 0; i < 5; i++) task();
    const started = performance.now();
    for (let i = 0; i < 20; i++) task();
    return (performance.now() - started) / 20;
  };
  const serialisation = [
    ["superjson.serialize + JSON.stringify, push input of 500 changes (client)", micro(() => JSON.stringify(superjson.serialize({ changes: sampleBatch })))],
    ["JSON.parse + superjson.deserialize, push input of 500 changes (server)", micro(() => superjson.deserialize(JSON.parse(JSON.stringify(superjson.serialize({ changes: sampleBatch })))))],
    ["superjson.serialize + JSON.stringify, pull page of 1,000 (server)", micro(() => JSON.stringify(superjson.serialize(samplePage)))],
    ["JSON.parse + superjson.deserialize, pull page of 1,000 (client)", micro(() => superjson.deserialize(JSON.parse(JSON.stringify(superjson.serialize(samplePage)))))],
    ["zod: ZPullResult.parse, the pull procedure's output check, page of 1,000 (server)", micro(() => ZPullResult.parse(samplePage))],
    ["the app's transformer (src/lib/transformer.ts): serialize, pull page of 1,000 (server)", micro(() => transformer.serialize(samplePage))],
    ["JSON.stringify of that, pull page of 1,000 (server)", micro(() => JSON.stringify({ result: { data: { json: samplePage } } }))],
    ["the app's transformer: JSON.parse + deserialize, pull page of 1,000 (client)", micro(() => transformer.deserialize(JSON.parse(JSON.stringify(transformer.serialize(samplePage)))))],
  ] as const;

  // ───────────────────────────── Report ─────────────────────────────

  const floor = pushLayers[0]!.perBatch;
  print(`# Push and pull profile — ${new Date().toISOString()}\n`);
  print("Generated by `npx tsx bench/profile.ts` (the server's own code, in one process, on a fresh database; see bench/README.md).\n");
  print(`## Push: layers (mean ms per batch of ${BATCH}, ${BATCHES} batches, fresh user each)\n`);
  print(table(["Layer", "ms/batch", "records/s", "share of the raw floor"], pushLayers.map(({ name, perBatch }) => [name, ms(perBatch), ((BATCH / perBatch) * 1000).toFixed(0), `${((floor / perBatch) * 100).toFixed(0)} %`])));
  print(`\n## Push: phases of the server's statements (mean ms per batch of ${BATCH})\n`);
  print(table(["Phase", "ms"], [...phases].map(([phase, total]) => [phase, ms(total / BATCHES)])));
  print(`\n## writeRevisions: shipped vs before vs an alternative (mean ms per batch of ${BATCH}, alternating, each in its own transaction)\n`);
  print(
    table(
      ["Variant", "ms/batch"],
      [
        ...[...variantTimes].map(([name, times]) => [name, ms(mean(times))]),
        ["(of the previous variant: drizzle building ONE of its two 500-row statements, CPU only)", ms(mean(buildTimes))],
      ],
    ),
  );
  print(`\n## The current-rows query (500 ids) as the user's history grows\n`);
  print(
    table(
      ["Query", "records of the user", "execution"],
      [
        ["before bb7e7c5: user_id = $1 AND record_id IN (…)", "10,000", `${executionMs(currentRowsPlans.beforeSmall)} ms`],
        ["before bb7e7c5", BIG_USER_RECORDS.toLocaleString("en"), `${executionMs(currentRowsPlans.beforeBig)} ms`],
        ["shipped: (collection, record_id) IN (json_to_recordset(…)) — primary-key probes", "10,000", `${executionMs(currentRowsPlans.shippedSmall)} ms`],
        ["shipped", BIG_USER_RECORDS.toLocaleString("en"), `${executionMs(currentRowsPlans.shippedBig)} ms`],
      ],
    ),
  );
  for (const [title, lines] of [
    [`before bb7e7c5, ${BIG_USER_RECORDS.toLocaleString("en")} records`, currentRowsPlans.beforeBig],
    [`shipped, ${BIG_USER_RECORDS.toLocaleString("en")} records`, currentRowsPlans.shippedBig],
  ] as const) {
    print(`\n${title}:\n\n\`\`\`\n${lines.join("\n")}\n\`\`\``);
  }
  print(`\n## Pull: layers (mean ms per page of ${PULL_PAGE}, 10,000 records)\n`);
  const pullFloor = pullLayers[0]!.perPage;
  print(`Content-Encoding of the server's answer to the default client's pull: ${contentEncoding}.\n`);
  print(table(["Layer", "ms/page", "records/s", "share of the raw floor"], pullLayers.map(({ name, perPage }) => [name, ms(perPage), ((PULL_PAGE / perPage) * 1000).toFixed(0), `${((pullFloor / perPage) * 100).toFixed(0)} %`])));
  print(`\n## Serialisation (mean ms, CPU only)\n`);
  print(table(["Work", "ms"], serialisation.map(([name, value]) => [name, ms(value)])));
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  print(`\n## Server memory: what holds it\n`);
  print(
    "The production server on the Postgres server (`scripts/start.mjs`), its resident memory read from /proc, then a V8 heap snapshot " +
      "(bench/lib/heap-snapshot.ts; the snapshot collects garbage first, so its heap is what is live). *Anonymous* memory is the " +
      "heaps, stacks and malloc; *file-backed* is the node binary and libraries mapped in.\n",
  );
  print(
    table(
      ["When", "RSS MiB", "anonymous", "file-backed", "live JS heap MiB (objects)"],
      memory.map(({ when, resident, heap }) => [when, mib(resident.rssKiB * 1024), mib(resident.anonKiB * 1024), mib(resident.fileKiB * 1024), `${mib(heap.totalBytes)} (${heap.nodes.toLocaleString("en")})`]),
    ),
  );
  for (const { when, heap } of memory) {
    print(`\n### The live heap ${when}\n`);
    print(table(["Kind of heap object", "MiB", "count"], heap.byType.slice(0, 10).map(({ type, bytes, count }) => [type, mib(bytes), count.toLocaleString("en")])));
    print("");
    print(table(["Largest groups (kind: constructor or function)", "MiB", "count"], heap.byName.map(({ type, name, bytes, count }) => [`${type}: ${name.slice(0, 70).replace(/\|/g, "\\|")}`, mib(bytes), count.toLocaleString("en")])));
    if (heap.largestStrings.length) {
      print("");
      print(table(["Largest strings (over 64 KiB)", "KiB"], heap.largestStrings.map(({ bytes, preview }) => [`\`${preview.replace(/[`|]/g, "'")}\``, (bytes / 1024).toFixed(0)])));
    }
  }
  print("");
  writeFileSync(join(ROOT, "bench", "PROFILE.md"), out.join("\n"));
  log("wrote bench/PROFILE.md");

  await baseline.close();
  await (await getDatabaseHandle()).close();
} catch (error) {
  // Drizzle's errors carry every parameter: print the gist only.
  const cause = error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  log(`FAILED: ${error instanceof Error ? error.message.slice(0, 600) : String(error)}${cause}`);
  process.exitCode = 1;
} finally {
  await database.drop();
}
