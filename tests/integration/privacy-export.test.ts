import { eq, sql } from "drizzle-orm";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { GET as downloadGET } from "~/app/api/privacy/exports/[id]/route";
import { getDb } from "~/server/db/client";
import { dataExports, devices, users } from "~/server/db/schema";
import { userOwnedTableNames } from "~/server/db/tables";
import { getJobRunner } from "~/server/jobs/send";
import { getLocalPublisher, type RealtimeMessage } from "~/server/realtime/publisher";
import { sessionCookieFor } from "../support/callers";
import { fullyUsedAccount } from "../support/privacy";

const NEVER_EXPORTED = ["integration_tokens", "data_exports"];

async function exportOf(account: Awaited<ReturnType<typeof fullyUsedAccount>>, format: "json" | "csv") {
  const heard: RealtimeMessage[] = [];
  const stop = getLocalPublisher().subscribe((message) => message.userId === account.user.id && heard.push(message));
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
    const { listed, heard, response, exportId } = await exportOf(account, "json");
    expect(listed).toMatchObject({ id: exportId, format: "json", status: "ready", downloadUrl: `/api/privacy/exports/${exportId}` });
    expect(heard).toEqual([{ userId: account.user.id, event: "privacy:export_ready", payload: { exportId, format: "json", bytes: listed.bytes } }]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename="devpulse-export-\d{4}-\d{2}-\d{2}\.json"/);
    const text = await response.text();
    const document = JSON.parse(text) as { tables: Record<string, Array<Record<string, unknown>>> };

    const expectedTables = [...userOwnedTableNames().filter((table) => !NEVER_EXPORTED.includes(table)), "users", "login_attempts"].sort();
    expect(Object.keys(document.tables).sort()).toEqual(expectedTables);
    for (const table of userOwnedTableNames().filter((name) => !NEVER_EXPORTED.includes(name) && name !== "data_exports")) {
      expect(document.tables[table]!.length, table).toBe(await countRows(table, account.user.id));
      expect(document.tables[table]!.every((row) => row.user_id === account.user.id), table).toBe(true);
    }
    expect(document.tables.users).toEqual([expect.objectContaining({ id: account.user.id, email: account.user.email })]);
    expect(document.tables.sync_records!.length).toBeGreaterThan(0);

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
    expect((await owner.caller.privacy.exports())[0]!.downloadUrl).toBeNull();
  });
});
