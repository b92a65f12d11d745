import { and, desc, eq, getTableColumns, lte, sql, type SQL } from "drizzle-orm";
import { getTableConfig, type PgColumn, type PgTable } from "drizzle-orm/pg-core";
import { strToU8, zipSync } from "fflate";
import { z } from "zod";
import type { Db, DbOrTx } from "../db/client";
import {
  accountTokens,
  anonymousAggregates,
  chatStatusTargets,
  consents,
  dataExports,
  deviceAuthorizations,
  devices,
  externalDataCache,
  integrations,
  integrationTokens,
  integrationWebhooks,
  jobConcurrencySlots,
  jobEvents,
  jobRuns,
  jobSchedules,
  jobSteps,
  loginAttempts,
  oauthAccounts,
  oauthStates,
  privacySettings,
  notificationPreferences,
  emailMessages,
  emailAttempts,
  emailSuppressions,
  notifications,
  notificationDecisions,
  processingLog,
  providerEtags,
  rateLimits,
  statusSchedules,
  calendars,
  calendarEvents,
  focusBlocks,
  calendarConflicts,
  statusTemplates,
  syncConflicts,
  syncKeyRotations,
  syncKeys,
  syncMergeRules,
  syncPushes,
  syncRecords,
  syncRevisions,
  syncState,
  syncTrimmedDeletions,
  users,
  userStatus,
  webhookDeliveries,
  webhookEndpoints,
  webhookEndpointDeliveries,
  webhookEndpointAttempts,
} from "../db/schema";
import { databaseColumnName, schemaTables } from "../db/tables";
import { AppError } from "../errors";
import { deadlineMessage, startedBeforeDeadline } from "../jobs/deadlines";
import { recordProcessingEach, recordProcessingOnce } from "./processing-log";

/** How long a finished export can be downloaded (by its owner only). At its end the content is deleted. */
export const EXPORT_LINK_TTL_MS = 60 * 60 * 1000;
/**
 * How long an export may stay "building", from its request: far longer than a large
 * account's build with its two retries, so past it the build crashed or was lost and
 * the export becomes a failure the user can retry (instead of a page that polls forever).
 */
export const EXPORT_BUILD_DEADLINE_MS = 15 * 60 * 1000;
export const ZExportInput = z.object({ format: z.enum(["json", "csv"]) });

type Row = Record<string, unknown>;
/** Whose rows a table holds: the user's id, or (sign-in attempts, which may predate the account) their email. */
type Owner = { userId: string; email: string };
type ColumnKey<T extends PgTable> = Extract<keyof T["_"]["columns"], string>;

/** A table that goes into the export: only the columns it names, only the user's rows. */
export type ExportedTable = {
  kind: "exported";
  table: PgTable;
  exported: readonly string[];
  /** Every other column, each with the reason it stays out. */
  withheld: Readonly<Record<string, string>>;
  rowsOf: (owner: Owner) => SQL;
};
/** A table that never goes into the export, with the reason. */
export type WithheldTable = { kind: "withheld"; table: PgTable; reason: string };

function exportTable<T extends PgTable>(
  table: T,
  policy: { exported: readonly ColumnKey<T>[]; withheld?: Partial<Record<ColumnKey<T>, string>>; rowsOf?: (owner: Owner) => SQL },
): ExportedTable {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return {
    kind: "exported",
    table,
    exported: policy.exported,
    withheld: (policy.withheld ?? {}) as Record<string, string>,
    rowsOf: policy.rowsOf ?? ((owner) => eq(columns.userId!, owner.userId)),
  };
}
const withholdTable = (table: PgTable, reason: string): WithheldTable => ({ kind: "withheld", table, reason });

/**
 * What an export contains, as an allowlist: per table, the columns that go out and the
 * columns that stay out (with why), and the tables that never go out. A column that
 * neither list names is not exported, and a test fails until it is classified
 * (tests/integration/privacy-export.test.ts), so a secret column added later cannot
 * leak. What stays out: secrets and the means to authenticate as the user (tokens,
 * their hashes, password hashes, PKCE verifiers). Encrypted records go out as the
 * ciphertext the server holds, with the wrapped data key, so the owner can decrypt
 * them with their passphrase.
 */
export const EXPORT_POLICY: ReadonlyArray<ExportedTable | WithheldTable> = [
  exportTable(users, {
    exported: ["id", "email", "name", "image", "timezone", "locale", "lastActiveAt", "inactivityWarnedAt", "createdAt", "updatedAt"],
    withheld: { passwordHash: "a credential", sessionVersion: "an internal counter that ends sessions" },
    rowsOf: (owner) => eq(users.id, owner.userId),
  }),
  exportTable(loginAttempts, {
    exported: ["email", "ip", "succeeded", "createdAt"],
    withheld: { id: "a sequence shared by every account: it would tell how many sign-ins others attempted" },
    rowsOf: (owner) => eq(loginAttempts.email, owner.email),
  }),
  exportTable(oauthAccounts, { exported: ["id", "userId", "provider", "providerAccountId", "createdAt"] }),
  exportTable(devices, {
    exported: ["id", "userId", "name", "createdAt", "lastUsedAt", "lastSyncAt", "revokedAt"],
    withheld: { tokenHash: "the hash of a device's API token" },
  }),
  exportTable(deviceAuthorizations, {
    exported: ["id", "userCode", "deviceName", "status", "userId", "deviceId", "intervalSeconds", "expiresAt", "lastPolledAt", "decidedAt", "createdAt"],
    withheld: { deviceCodeHash: "the hash of the code a device signs in with" },
  }),
  exportTable(syncKeys, { exported: ["userId", "params", "wrappedKey", "keyCheck", "version", "keyId", "previousKeys", "createdAt", "updatedAt"] }),
  exportTable(syncKeyRotations, {
    exported: ["userId", "fromKeyId", "toKeyId", "status", "includeRevisions", "deviceId", "startedAt", "finishedAt", "purgedAt"],
  }),
  exportTable(syncState, { exported: ["userId", "lastSeq", "trimmedSeq"] }),
  // Which of the user's records were deleted and their tombstones trimmed: ids and revisions, never values.
  exportTable(syncTrimmedDeletions, { exported: ["userId", "collection", "recordId", "revision", "seq"] }),
  exportTable(syncRecords, {
    exported: ["userId", "collection", "recordId", "revision", "seq", "ciphertext", "checksum", "schemaVersion", "deleted", "deviceId", "keyId", "updatedAt"],
  }),
  exportTable(syncRevisions, {
    exported: ["userId", "collection", "recordId", "revision", "seq", "ciphertext", "checksum", "schemaVersion", "deleted", "deviceId", "keyId", "createdAt"],
  }),
  exportTable(syncConflicts, {
    exported: [
      "id",
      "userId",
      "collection",
      "recordId",
      "type",
      "status",
      "baseRevision",
      "remoteRevision",
      "localCiphertext",
      "localChecksum",
      "localSchemaVersion",
      "localDeleted",
      "localKeyId",
      "deviceId",
      "createdAt",
      "resolvedAt",
      "resolution",
      "resolvedRevision",
    ],
  }),
  exportTable(syncPushes, { exported: ["userId", "idempotencyKey", "result", "requestHash", "createdAt"] }),
  exportTable(syncMergeRules, { exported: ["userId", "collection", "strategy", "updatedAt"] }),
  exportTable(privacySettings, { exported: ["userId", "settings", "updatedAt"] }),
  exportTable(notificationPreferences, { exported: ["userId", "settings", "updatedAt"] }),
  exportTable(emailMessages, {
    exported: ["id", "userId", "to", "template", "status", "provider", "providerMessageId", "detail", "createdAt", "sentAt", "updatedAt"],
    withheld: { idempotencyKey: "an internal key that makes a retried send a no-op" },
  }),
  exportTable(emailAttempts, { exported: ["id", "messageId", "userId", "provider", "outcome", "errorKind", "statusCode", "detail", "createdAt"] }),
  exportTable(emailSuppressions, { exported: ["address", "userId", "reason", "provider", "createdAt"] }),
  exportTable(notifications, { exported: ["id", "userId", "kind", "category", "priority", "data", "coalesceKey", "count", "listed", "readAt", "createdAt", "updatedAt"] }),
  exportTable(notificationDecisions, {
    exported: ["id", "notificationId", "userId", "channel", "outcome", "reason", "reasonText", "deliverAt", "deliveredAt", "deliveredAs", "createdAt"],
    withheld: { claimedUntil: "delivery bookkeeping: how long one server instance holds the row while sending it" },
  }),
  exportTable(consents, { exported: ["id", "userId", "type", "granted", "policyVersion", "createdAt"] }),
  exportTable(processingLog, { exported: ["id", "userId", "activity", "purpose", "legalBasis", "details", "createdAt"] }),
  exportTable(integrations, {
    exported: [
      "id",
      "userId",
      "provider",
      "status",
      "syncDeadlineAt",
      "accountId",
      "accountLogin",
      "accountName",
      "accountEmails",
      "scopes",
      "lastError",
      "lastErrorAt",
      "lastSyncedAt",
      "createdAt",
      "updatedAt",
    ],
  }),
  exportTable(integrationWebhooks, { exported: ["id", "integrationId", "userId", "provider", "repository", "hookId", "createdAt"] }),
  exportTable(externalDataCache, { exported: ["id", "userId", "provider", "dataType", "externalId", "data", "occurredAt", "cachedAt", "expiresAt"] }),
  exportTable(providerEtags, { exported: ["userId", "provider", "resource", "etag", "lastModified", "page", "updatedAt"] }),
  exportTable(oauthStates, {
    exported: ["userId", "provider", "redirectUri", "expiresAt", "createdAt"],
    withheld: { stateHash: "the hash of a pending OAuth state", codeVerifier: "a PKCE verifier (sealed, but a credential all the same)" },
  }),
  exportTable(accountTokens, {
    exported: ["id", "userId", "purpose", "newEmail", "expiresAt", "usedAt", "createdAt"],
    withheld: { tokenHash: "the hash of a single-use password-reset or email-change link" },
  }),
  exportTable(jobRuns, {
    // Where the run stands, as the job runs view shows it: what started it, when it is next due, what it waits for.
    exported: ["runId", "userId", "functionId", "eventName", "status", "attempt", "error", "output", "startedAt", "finishedAt", "nextAt", "waitEvent"],
    withheld: {
      event: "the trigger's parameters (ids the run works on); a pushed commit's carries other people's names and addresses",
      leaseOwner: "operational: the name (host and process) of the server instance running it",
      leaseUntil: "engine bookkeeping: how long that instance holds it",
      concurrencyKey: "engine bookkeeping, computed from the trigger event",
      debounceKey: "engine bookkeeping, computed from the trigger event",
      debounceUntil: "engine bookkeeping: the latest a debounce window may close (next_at says when it is due)",
      cancelKeys: "engine bookkeeping, computed from the trigger event",
      waitStep: "engine bookkeeping: the step's internal name",
      waitMatch: "engine bookkeeping: a field name from the job's definition",
      waitValue: "engine bookkeeping, a value copied from the trigger event",
    },
  }),
  // The results of the user's runs' steps: they may hold data fetched from the user's providers (repository
  // lists, commits), which the server holds about them until the run is trimmed, so the right of access covers them.
  exportTable(jobSteps, {
    exported: ["runId", "stepKey", "output", "completedAt"],
    rowsOf: (owner) => sql`${jobSteps.runId} in (select ${jobRuns.runId} from ${jobRuns} where ${jobRuns.userId} = ${owner.userId})`,
  }),
  exportTable(statusTemplates, { exported: ["id", "userId", "key", "name", "slackEmoji", "slackText", "discordEmoji", "discordText", "createdAt", "updatedAt"] }),
  exportTable(userStatus, {
    exported: ["userId", "templateKey", "customText", "customEmoji", "source", "activity", "projectContext", "expiresAt", "focusUntil", "lastHeartbeatAt", "changedAt", "idleMinutes", "dndDuringFocus"],
  }),
  exportTable(chatStatusTargets, {
    exported: ["integrationId", "userId", "provider", "written", "previous", "heldByUser", "lastWriteAt", "dndUntil", "state", "updatedAt"],
  }),
  exportTable(statusSchedules, { exported: ["id", "userId", "templateKey", "startAt", "endAt", "state", "createdAt"] }),
  exportTable(calendars, {
    exported: ["id", "integrationId", "userId", "provider", "externalId", "name", "color", "primary", "canWrite", "timeZone", "included", "syncWindowFrom", "syncWindowTo", "lastSyncedAt", "watchExpiresAt", "createdAt"],
    withheld: {
      syncCursor: "the provider's sync token or delta link: a handle for our next request, not data about the user",
      watchId: "the push channel's id at the provider: engine bookkeeping",
      watchResourceId: "the push channel's resource id at the provider: engine bookkeeping",
      watchTokenHash: "a hash of the secret the provider echoes with each notification",
    },
  }),
  exportTable(calendarEvents, {
    exported: ["id", "userId", "calendarId", "externalId", "title", "attendees", "startAt", "endAt", "allDay", "busy", "private", "status", "focusTime", "seriesId", "url", "expiresAt", "updatedAt"],
  }),
  exportTable(focusBlocks, {
    exported: ["id", "userId", "calendarId", "externalId", "kind", "title", "description", "projectId", "startAt", "endAt", "timeZone", "recurrence", "reminders", "autoDecline", "state", "lastError", "createdAt", "updatedAt"],
  }),
  exportTable(calendarConflicts, { exported: ["userId", "key", "firstEventId", "secondEventId", "decision", "detectedAt", "decidedAt"] }),
  // Outbound webhooks: the endpoints, what was sent to them and how they answered; never the signing secrets.
  exportTable(webhookEndpoints, {
    exported: ["id", "userId", "url", "description", "kinds", "enabled", "disabledReason", "disabledAt", "previousSecretExpiresAt", "consecutiveFailures", "failingSince", "createdAt", "updatedAt"],
    withheld: { secret: "the endpoint's signing secret (sealed): a credential", previousSecret: "the signing secret before the last rotation (sealed): a credential" },
  }),
  exportTable(webhookEndpointDeliveries, {
    exported: ["id", "userId", "endpointId", "messageId", "eventType", "body", "status", "attempts", "nextAttemptAt", "redeliveryOf", "createdAt", "finishedAt"],
  }),
  exportTable(webhookEndpointAttempts, {
    exported: ["id", "userId", "deliveryId", "attempt", "outcome", "responseCode", "responseBody", "error", "durationMs", "startedAt"],
  }),
  withholdTable(integrationTokens, "OAuth tokens: credentials, sealed by the token vault"),
  withholdTable(dataExports, "earlier exports: copies of the same data (and an export must not contain itself)"),
  withholdTable(webhookDeliveries, "delivery ids from providers, about no one account"),
  withholdTable(rateLimits, "abuse counters keyed by hashed email or address, about no one account"),
  withholdTable(anonymousAggregates, "anonymous counts that no longer belong to anyone"),
  withholdTable(jobConcurrencySlots, "job engine bookkeeping: which run holds which slot, with no data of its own (the runs are exported)"),
  withholdTable(jobEvents, "the job engine's 24-hour memory of accepted event ids, copies of the runs' triggers (withheld on job_runs too)"),
  withholdTable(jobSchedules, "when each scheduled job last fired, about no one account"),
];

const tableName = (table: PgTable) => getTableConfig(table).name;

/**
 * Schema tables the policy does not name, and columns of exported tables that neither
 * list names (or both do): each must be classified before it can be exported. Empty
 * for the schema as it stands (the test proves it).
 */
export function unclassifiedColumns(tables: PgTable[] = schemaTables(), policy = EXPORT_POLICY): string[] {
  const byName = new Map(policy.map((entry) => [tableName(entry.table), entry]));
  return tables.flatMap((table) => {
    const name = tableName(table);
    const entry = byName.get(name);
    if (!entry) return [`${name} (table)`];
    if (entry.kind === "withheld") return [];
    return Object.keys(getTableColumns(table))
      .filter((column) => entry.exported.includes(column) === Object.hasOwn(entry.withheld, column))
      .map((column) => `${name}.${column}`);
  });
}

/** An exported table's allowlisted columns, in schema order, under the database's names (what the files call them). */
export function exportedColumns(entry: ExportedTable): Record<string, PgColumn> {
  return Object.fromEntries(
    Object.entries(getTableColumns(entry.table) as Record<string, PgColumn>)
      .filter(([key]) => entry.exported.includes(key))
      .map(([, column]) => [databaseColumnName(column.name), column]),
  );
}

/** Everything the server holds about the user that the policy exports, table by table, under the database's column names. */
export async function collectUserData(db: DbOrTx, userId: string): Promise<Record<string, Row[]>> {
  const [account] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!account) throw new AppError("NOT_FOUND", "This account no longer exists.");
  const owner = { userId, email: account.email };
  const tables: Record<string, Row[]> = {};
  for (const entry of EXPORT_POLICY) {
    if (entry.kind === "withheld") continue;
    tables[tableName(entry.table)] = await db.select(exportedColumns(entry)).from(entry.table).where(entry.rowsOf(owner));
  }
  return tables;
}

/**
 * OWASP CSV injection: a spreadsheet runs a cell that starts with one of these as a
 * formula (=HYPERLINK(…) can send a cell's neighbours anywhere). Such a cell is
 * prefixed with a single quote, which makes it text, and quoted.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

const csvCell = (value: unknown) => {
  if (value === null || value === undefined) return "";
  // A number is never read as a formula (and -5 must stay -5).
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) return `"'${text.replaceAll('"', '""')}"`;
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

/**
 * The job's work: build, store, log. Returns what the announcement carries, or null
 * when the export is no longer building (it passed its deadline and the user was told
 * it failed: a late build is dropped rather than brought back to life).
 * Safe to repeat: the log entry is recorded once per export, and an export found
 * "ready" (an earlier try stored it, then the process died before the step's result
 * was kept; or a second copy of the step finished first) is not built again: the same
 * announcement is returned, so the user still hears of it. The content is stored by
 * one update, so no half-built export is ever visible.
 */
export async function buildExport(db: Db, userId: string, exportId: string) {
  const current = () =>
    db
      .select({ format: dataExports.format, status: dataExports.status, bytes: dataExports.bytes })
      .from(dataExports)
      .where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId)))
      .then(([row]) => row);
  const row = await current();
  if (!row) throw new AppError("NOT_FOUND", "This export was not requested by this account.");
  if (row.status === "ready") return { exportId, format: row.format, bytes: row.bytes ?? 0 };
  if (row.status !== "building") return null;
  // Logged first, so the export itself shows that it was made.
  await recordProcessingOnce(db, userId, { export: exportId }, { activity: "export", purpose: "Give you a copy of everything DevPulse Cloud holds about you", legalBasis: "legal_obligation", details: { format: row.format } });
  const rendered = renderExport(row.format, await collectUserData(db, userId));
  const stored = await db
    .update(dataExports)
    .set({ status: "ready", content: rendered.content, bytes: rendered.bytes, expiresAt: new Date(Date.now() + EXPORT_LINK_TTL_MS) })
    .where(and(eq(dataExports.id, exportId), eq(dataExports.status, "building")))
    .returning({ id: dataExports.id });
  if (stored.length > 0) return { exportId, format: row.format, bytes: rendered.bytes };
  // Another copy of this step stored it meanwhile (announce what it stored), or the deadline passed (null).
  const after = await current();
  return after?.status === "ready" ? { exportId, format: after.format, bytes: after.bytes ?? 0 } : null;
}

export async function markExportFailed(db: DbOrTx, exportId: string, error: string) {
  await db.update(dataExports).set({ status: "failed", error }).where(and(eq(dataExports.id, exportId), eq(dataExports.status, "building")));
}

/** Only one user's exports, or (the cleanup job) everyone's. */
type Scope = { userId?: string; now?: Date };
const ofScope = (userId: string | undefined) => (userId ? eq(dataExports.userId, userId) : undefined);

/**
 * Exports still "building" past their deadline become failures the user can retry. Run
 * by the cleanup job, and when the user lists their exports (so the page stops polling
 * at the deadline, not at the next cleanup). Returns how many.
 */
export async function failOverdueExports(db: DbOrTx, { userId, now = new Date() }: Scope = {}) {
  const failed = await db
    .update(dataExports)
    .set({ status: "failed", error: deadlineMessage("The export", EXPORT_BUILD_DEADLINE_MS) })
    .where(and(eq(dataExports.status, "building"), startedBeforeDeadline(dataExports.createdAt, EXPORT_BUILD_DEADLINE_MS, now), ofScope(userId)))
    .returning({ id: dataExports.id });
  return failed.length;
}

/**
 * An export's link ends with its content: the copy is deleted (the row stays, without
 * it, so the page can say the link expired), and the processing log says so. Run by
 * the cleanup job for everyone, and for the user whenever they list or download, so
 * no export is ever shown or refused as expired while its content is still stored.
 * Returns how many were deleted.
 */
export async function expireExports(db: DbOrTx, { userId, now = new Date() }: Scope = {}) {
  return db.transaction(async (tx) => {
    const expired = await tx
      .update(dataExports)
      .set({ status: "expired", content: null })
      .where(and(eq(dataExports.status, "ready"), lte(dataExports.expiresAt, now), ofScope(userId)))
      .returning({ id: dataExports.id, userId: dataExports.userId, format: dataExports.format });
    await recordProcessingEach(
      tx,
      expired.map((entry) => ({
        userId: entry.userId,
        activity: "deletion",
        purpose: "Delete your data export once its download link expired",
        legalBasis: "legal_obligation",
        details: { export: entry.id, format: entry.format },
      })),
    );
    return expired.length;
  });
}

/** The user's recent exports (never their content), each with its download link while it lasts. */
export async function listExports(db: DbOrTx, userId: string) {
  await failOverdueExports(db, { userId });
  await expireExports(db, { userId });
  const rows = await db
    .select({ id: dataExports.id, format: dataExports.format, status: dataExports.status, bytes: dataExports.bytes, error: dataExports.error, createdAt: dataExports.createdAt, expiresAt: dataExports.expiresAt })
    .from(dataExports)
    .where(eq(dataExports.userId, userId))
    .orderBy(desc(dataExports.createdAt))
    .limit(10);
  return rows.map((row) => ({ ...row, downloadUrl: row.status === "ready" ? `/api/privacy/exports/${row.id}` : null }));
}

/** The download: only the owner, only while the link lasts. */
export async function exportForDownload(db: DbOrTx, userId: string, exportId: string) {
  await expireExports(db, { userId });
  const [row] = await db.select().from(dataExports).where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId)));
  if (!row) throw new AppError("NOT_FOUND", "No such export for this account.");
  // The second test: the link may have ended since expireExports ran (its next run deletes the content).
  if (row.status === "expired" || (row.expiresAt && row.expiresAt.getTime() <= Date.now()))
    throw new AppError("PRECONDITION_FAILED", "This export link expired: ask for a new export on the Privacy page.");
  if (row.status === "failed") throw new AppError("CONFLICT", "This export failed: ask for a new export on the Privacy page.");
  if (row.status !== "ready" || row.content === null) throw new AppError("CONFLICT", "This export is not ready yet.");
  const date = row.createdAt.toISOString().slice(0, 10);
  return row.format === "json"
    ? { body: row.content, contentType: "application/json", filename: `devpulse-export-${date}.json` }
    : { body: Buffer.from(row.content, "base64"), contentType: "application/zip", filename: `devpulse-export-${date}.zip` };
}
