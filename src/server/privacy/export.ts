import { and, desc, eq, sql } from "drizzle-orm";
import { strToU8, zipSync } from "fflate";
import { z } from "zod";
import { selectRows, type Db, type DbOrTx } from "../db/client";
import { dataExports, users } from "../db/schema";
import { userOwnedTableNames } from "../db/tables";
import { AppError } from "../errors";
import { recordProcessing } from "./processing-log";

/** How long a finished export can be downloaded (by its owner only). */
export const EXPORT_LINK_TTL_MS = 60 * 60 * 1000;
export const ZExportInput = z.object({ format: z.enum(["json", "csv"]) });

/**
 * What an export never contains, whatever else the schema grows: secrets and the
 * means to authenticate as the user (tokens, their hashes, password hashes, PKCE
 * verifiers). Encrypted records go out as the ciphertext the server holds, with the
 * wrapped data key, so the owner can decrypt them with their passphrase.
 */
const NEVER_EXPORTED_TABLES = new Set(["integration_tokens", "data_exports"]);
const NEVER_EXPORTED_COLUMNS: Record<string, readonly string[]> = {
  users: ["password_hash", "session_version"],
  devices: ["token_hash"],
  account_tokens: ["token_hash"],
  device_authorizations: ["device_code_hash"],
  oauth_states: ["state_hash", "code_verifier"],
};

type Row = Record<string, unknown>;

const withoutSecrets = (table: string, rows: Row[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !NEVER_EXPORTED_COLUMNS[table]?.includes(column))));

/** Everything the server holds about the user, table by table (the tables are derived from the schema). */
export async function collectUserData(db: DbOrTx, userId: string): Promise<Record<string, Row[]>> {
  const [account] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!account) throw new AppError("NOT_FOUND", "This account no longer exists.");
  const tables: Record<string, Row[]> = {
    users: withoutSecrets("users", await selectRows(db, sql`select * from users where id = ${userId}::uuid`)),
    // Kept by email (they may predate the account): theirs all the same.
    login_attempts: await selectRows(db, sql`select email, ip, succeeded, created_at from login_attempts where email = ${account.email} order by id`),
  };
  for (const table of userOwnedTableNames()) {
    if (NEVER_EXPORTED_TABLES.has(table)) continue;
    tables[table] = withoutSecrets(table, await selectRows(db, sql`select * from ${sql.identifier(table)} where user_id = ${userId}::uuid`));
  }
  return tables;
}

const csvCell = (value: unknown) => {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

function toCsv(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return [columns.join(","), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(","))].join("\r\n") + "\r\n";
}

/** JSON: one document. CSV: a zip with one file per table. */
export function renderExport(format: "json" | "csv", tables: Record<string, Row[]>, exportedAt = new Date()): { content: string; bytes: number } {
  if (format === "json") {
    const content = JSON.stringify({ format: "devpulse-cloud-export", version: 1, exportedAt: exportedAt.toISOString(), tables }, null, 2);
    return { content, bytes: Buffer.byteLength(content) };
  }
  const zip = zipSync(Object.fromEntries(Object.entries(tables).map(([table, rows]) => [`${table}.csv`, strToU8(toCsv(rows))])));
  return { content: Buffer.from(zip).toString("base64"), bytes: zip.byteLength };
}

/** privacy.export: records the request; the build runs as a job and announces itself with privacy:export_ready. */
export async function requestExport(db: DbOrTx, userId: string, format: "json" | "csv") {
  const [row] = await db.insert(dataExports).values({ userId, format }).returning({ id: dataExports.id });
  return { exportId: row!.id, status: "building" as const };
}

/** The job's work: build, store, log. Returns what the announcement carries. */
export async function buildExport(db: Db, userId: string, exportId: string) {
  const [row] = await db.select({ format: dataExports.format }).from(dataExports).where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId)));
  if (!row) throw new AppError("NOT_FOUND", "This export was not requested by this account.");
  // Logged first, so the export itself shows that it was made.
  await recordProcessing(db, userId, { activity: "export", purpose: "Give you a copy of everything DevPulse Cloud holds about you", legalBasis: "legal_obligation", details: { format: row.format } });
  const rendered = renderExport(row.format, await collectUserData(db, userId));
  await db
    .update(dataExports)
    .set({ status: "ready", content: rendered.content, bytes: rendered.bytes, expiresAt: new Date(Date.now() + EXPORT_LINK_TTL_MS) })
    .where(eq(dataExports.id, exportId));
  return { exportId, format: row.format, bytes: rendered.bytes };
}

export async function markExportFailed(db: DbOrTx, exportId: string, error: string) {
  await db.update(dataExports).set({ status: "failed", error }).where(eq(dataExports.id, exportId));
}

/** The user's recent exports (never their content), each with its download link while it lasts. */
export async function listExports(db: DbOrTx, userId: string) {
  const rows = await db
    .select({ id: dataExports.id, format: dataExports.format, status: dataExports.status, bytes: dataExports.bytes, error: dataExports.error, createdAt: dataExports.createdAt, expiresAt: dataExports.expiresAt })
    .from(dataExports)
    .where(eq(dataExports.userId, userId))
    .orderBy(desc(dataExports.createdAt))
    .limit(10);
  const now = Date.now();
  return rows.map((row) => ({
    ...row,
    downloadUrl: row.status === "ready" && row.expiresAt && row.expiresAt.getTime() > now ? `/api/privacy/exports/${row.id}` : null,
  }));
}

/** The download: only the owner, only while the link lasts. */
export async function exportForDownload(db: DbOrTx, userId: string, exportId: string) {
  const [row] = await db.select().from(dataExports).where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId)));
  if (!row) throw new AppError("NOT_FOUND", "No such export for this account.");
  if (row.status !== "ready" || row.content === null) throw new AppError("CONFLICT", "This export is not ready yet.");
  if (!row.expiresAt || row.expiresAt.getTime() <= Date.now()) throw new AppError("PRECONDITION_FAILED", "This export link expired: ask for a new export on the Privacy page.");
  const date = row.createdAt.toISOString().slice(0, 10);
  return row.format === "json"
    ? { body: row.content, contentType: "application/json", filename: `devpulse-export-${date}.json` }
    : { body: Buffer.from(row.content, "base64"), contentType: "application/zip", filename: `devpulse-export-${date}.zip` };
}
