import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { DEFAULT_LOCALE } from "~/lib/schemas/locale";
import { MERGE_RULE_STRATEGIES } from "~/lib/schemas/merge-rules";
import { IDLE_MINUTES } from "~/lib/status/templates";
import type { NotificationCategory, NotificationChannel, NotificationKind, NotificationPriority } from "~/lib/notifications/catalog";
import type { NotificationDecisionReason } from "../metrics/registry";

/**
 * The database schema. Convention later issues rely on: every table that holds a
 * user's data has a `user_id` column referencing `users.id` with ON DELETE CASCADE,
 * so account deletion can be derived from the schema and proven complete.
 */

const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();

export const users = pgTable("users", {
  id: uuid().primaryKey().defaultRandom(),
  /** Stored lower-cased; unique. */
  email: text().notNull().unique(),
  name: text(),
  image: text(),
  /** scrypt hash (see auth/password.ts); null for accounts that only use GitHub/Google. */
  passwordHash: text(),
  timezone: text().notNull().default("UTC"),
  /** How dates, times and numbers are written to the user (their emails): one of SUPPORTED_LOCALES, checked where it is set (auth/locale.ts). */
  locale: text().notNull().default(DEFAULT_LOCALE),
  /** Bumped to end every session of the user at once (sign out everywhere, deletion). */
  sessionVersion: integer().notNull().default(0),
  /** Last signed-in use of the API (browser or device), at most hourly: what inactivity is measured from. */
  lastActiveAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /** When we warned that the account will be deleted for inactivity; cleared by any use. */
  inactivityWarnedAt: timestamp({ withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});

/** A GitHub or Google identity linked to a user, for sign-in (not integrations). */
export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    providerAccountId: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("oauth_accounts_provider_account").on(t.provider, t.providerAccountId)],
);

/**
 * Sign-in attempts: a short security log of the account (exported with it, deleted with
 * it, aged out by the cleanup job). Limits are counted in `rate_limits`, not here.
 */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    email: text().notNull(),
    ip: text().notNull(),
    succeeded: boolean().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("login_attempts_email_time").on(t.email, t.createdAt),
    index("login_attempts_ip_time").on(t.ip, t.createdAt),
  ],
);

/**
 * Counters of the named rate limits (security/rate-limits.ts), in the shape
 * rate-limiter-flexible's RateLimiterDrizzle reads and writes with one atomic upsert,
 * so every instance on the database shares them. Keys are SHA-256 digests (no email or
 * address in clear); rows are dead once `expire` passes and are cleared by the library.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text().primaryKey(),
    points: integer().notNull().default(0),
    expire: timestamp({ withTimezone: true }),
  },
  (t) => [index("rate_limits_expire").on(t.expire)],
);

export const accountTokenPurposes = ["password_reset", "email_change", "address_confirm"] as const;
export type AccountTokenPurpose = (typeof accountTokenPurposes)[number];

/**
 * Single-use links mailed to a user: a password reset, or the confirmation of a new
 * email address (`new_email`). Only the token's SHA-256 is stored; `used_at` is set
 * by the one statement that redeems it, so a link works at most once.
 */
export const accountTokens = pgTable(
  "account_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text({ enum: accountTokenPurposes }).notNull(),
    tokenHash: text().notNull().unique(),
    newEmail: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("account_tokens_user").on(t.userId)],
);

/** A desktop device of a user, holding one API token (stored only as its SHA-256). */
export const devices = pgTable(
  "devices",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    tokenHash: text().notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: timestamp({ withTimezone: true }),
    /** Last successful push or pull. */
    lastSyncAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("devices_user").on(t.userId)],
);

export const deviceAuthorizationStatuses = ["pending", "approved", "denied", "consumed"] as const;
export type DeviceAuthorizationStatus = (typeof deviceAuthorizationStatuses)[number];

/** RFC 8628 device authorization requests: one per "sign in this desktop app" attempt. */
export const deviceAuthorizations = pgTable(
  "device_authorizations",
  {
    id: uuid().primaryKey().defaultRandom(),
    deviceCodeHash: text().notNull().unique(),
    /** Normalised: upper case, no separator. */
    userCode: text().notNull().unique(),
    deviceName: text().notNull(),
    status: text({ enum: deviceAuthorizationStatuses }).notNull().default("pending"),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    deviceId: uuid().references(() => devices.id, { onDelete: "set null" }),
    intervalSeconds: integer().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    lastPolledAt: timestamp({ withTimezone: true }),
    decidedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("device_authorizations_expires").on(t.expiresAt)],
);


// ───────────────────────────── End-to-end encrypted sync ─────────────────────────────
// The server holds ciphertext only: record values are AES-256-GCM envelopes made on
// the client; the data key is stored only wrapped under a passphrase-derived key.

/** The user's wrapped data key and the parameters to derive its key-encryption key. Never the passphrase or the data key. */
export const syncKeys = pgTable("sync_keys", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** KeyParams: { kdf, iterations, salt, version } as the client produced them. */
  params: jsonb().$type<{ kdf: string; iterations: number; salt: string; version: number }>().notNull(),
  wrappedKey: text().notNull(),
  keyCheck: text().notNull(),
  /** Bumped by every passphrase rotation (optimistic concurrency). */
  version: integer().notNull().default(1),
  /** The id of the current data key (1 until the first key rotation). */
  keyId: integer().notNull().default(1),
  /** Earlier data keys, each encrypted under the current one by the client: [{ keyId, wrappedKey }]. */
  previousKeys: jsonb().$type<Array<{ keyId: number; wrappedKey: string }>>().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** The per-user change sequence; its row lock serialises a user's pushes so the sequence stays gap-free. */
export const syncState = pgTable("sync_state", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  lastSeq: bigint({ mode: "number" }).notNull().default(0),
  /**
   * The horizon: the highest sequence number retention has deleted. A pull from an
   * older cursor could miss a deletion, so it is refused with RESYNC_REQUIRED.
   */
  trimmedSeq: bigint({ mode: "number" }).notNull().default(0),
});

const recordColumns = () => ({
  userId: uuid()
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  collection: text().notNull(),
  recordId: text().notNull(),
  revision: integer().notNull(),
  /** Position in the user's change sequence. */
  seq: bigint({ mode: "number" }).notNull(),
  /** Null for deletions (tombstones carry no value). */
  ciphertext: text(),
  checksum: text(),
  schemaVersion: integer().notNull(),
  deleted: boolean().notNull().default(false),
  deviceId: uuid().references(() => devices.id, { onDelete: "set null" }),
  /** The data key the ciphertext is under, as the client said (the server cannot check it); null for tombstones. */
  keyId: integer().default(1),
});

/** The current state of every synced record (tombstones included), read by pull in seq order. */
export const syncRecords = pgTable(
  "sync_records",
  { ...recordColumns(), updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow() },
  (t) => [primaryKey({ columns: [t.userId, t.collection, t.recordId] }), uniqueIndex("sync_records_user_seq").on(t.userId, t.seq)],
);

/** Every revision ever written (trimmed by retention), for conflicts and rollback. */
export const syncRevisions = pgTable(
  "sync_revisions",
  { ...recordColumns(), createdAt: createdAt() },
  (t) => [primaryKey({ columns: [t.userId, t.collection, t.recordId, t.revision] })],
);

/**
 * Deletions whose tombstones retention removed: ids and revisions only, no value.
 * They tell a device that comes back after the retention period which of its
 * records were deleted elsewhere (and not merely expired from the server), and
 * make a push on such a record a delete_conflict rather than a fresh create.
 */
export const syncTrimmedDeletions = pgTable(
  "sync_trimmed_deletions",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    collection: text().notNull(),
    recordId: text().notNull(),
    /** The tombstone's revision. */
    revision: integer().notNull(),
    /** The tombstone's position in the user's change sequence (listings page by it). */
    seq: bigint({ mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.collection, t.recordId] })],
);

export const syncConflictTypes = ["update_conflict", "delete_conflict", "schema_conflict"] as const;
export type SyncConflictType = (typeof syncConflictTypes)[number];
export const conflictStrategies = ["local_wins", "remote_wins", "merge", "manual"] as const;
export type ConflictStrategy = (typeof conflictStrategies)[number];

/**
 * A change that could not be applied because the record moved on. It keeps the
 * refused (local) version; base and remote are revisions in sync_revisions.
 */
export const syncConflicts = pgTable(
  "sync_conflicts",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    collection: text().notNull(),
    recordId: text().notNull(),
    type: text({ enum: syncConflictTypes }).notNull(),
    status: text({ enum: ["open", "resolved"] }).notNull().default("open"),
    /** The revision the device had edited (null: it created the record). */
    baseRevision: integer(),
    /** The server's revision when the conflict arose (null: no record on the server). */
    remoteRevision: integer(),
    localCiphertext: text(),
    localChecksum: text(),
    localSchemaVersion: integer().notNull(),
    localDeleted: boolean().notNull(),
    /** The data key the local ciphertext is under (null for a deletion). */
    localKeyId: integer().default(1),
    deviceId: uuid().references(() => devices.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    resolvedAt: timestamp({ withTimezone: true }),
    resolution: text({ enum: conflictStrategies }),
    resolvedRevision: integer(),
  },
  (t) => [index("sync_conflicts_user_status").on(t.userId, t.status, t.createdAt)],
);

export const keyRotationStatuses = ["running", "finished"] as const;

/**
 * A key rotation: the new key bundle is published when it starts; while it runs, a device
 * re-encrypts everything still under an older key (the records' key_id says what is left,
 * so an interrupted rotation resumes where it stopped); finishing refuses the old key.
 */
export const syncKeyRotations = pgTable(
  "sync_key_rotations",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fromKeyId: integer().notNull(),
    toKeyId: integer().notNull(),
    status: text({ enum: keyRotationStatuses }).notNull().default("running"),
    /** Kept revisions are re-encrypted too (otherwise they stay under the old key until purged or trimmed). */
    includeRevisions: boolean().notNull().default(false),
    deviceId: uuid().references(() => devices.id, { onDelete: "set null" }),
    startedAt: createdAt(),
    finishedAt: timestamp({ withTimezone: true }),
    /** When revisions still under an older key were deleted. */
    purgedAt: timestamp({ withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.toKeyId] })],
);

/** Results of pushes by idempotency key, so a retried push applies nothing twice. */
export const syncPushes = pgTable(
  "sync_pushes",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    idempotencyKey: text().notNull(),
    result: jsonb().notNull(),
    /** What the key was first used for (pushFingerprint): a retry must send the same batch. Null for keys kept from before it was recorded. */
    requestHash: text(),
    createdAt: createdAt(),
  },
  // created_at: the cleanup job deletes keys past their retry window.
  (t) => [primaryKey({ columns: [t.userId, t.idempotencyKey] }), index("sync_pushes_created").on(t.createdAt)],
);


/** The user's per-collection conflict strategy, read by their devices' sync clients (absent: the default). */
export const syncMergeRules = pgTable(
  "sync_merge_rules",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    collection: text().notNull(),
    strategy: text({ enum: MERGE_RULE_STRATEGIES }).notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.collection] })],
);


// ───────────────────────────── Privacy ─────────────────────────────

/** The user's privacy settings; a missing row means the defaults (src/lib/schemas/privacy.ts). */
export const privacySettings = pgTable("privacy_settings", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** One PrivacySettings document, read through its zod schema (missing fields take their defaults). */
  settings: jsonb().notNull().default({}),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Consents given and withdrawn, append-only: the history is shown to the user and never rewritten. */
export const consents = pgTable(
  "consents",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** "cloud_sync" or "integration:<provider>". */
    type: text().notNull(),
    granted: boolean().notNull(),
    policyVersion: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("consents_user_type_time").on(t.userId, t.type, t.createdAt)],
);

/**
 * What anonymization keeps: counts with no identifier, no user id and no exact time
 * (the month only), so nothing links a row back to a person.
 */
export const anonymousAggregates = pgTable("anonymous_aggregates", {
  id: uuid().primaryKey().defaultRandom(),
  /** "2026-11": the month the account was anonymized. */
  month: text().notNull(),
  accountAgeMonths: integer().notNull(),
  devices: integer().notNull(),
  syncedRecords: jsonb().$type<Record<string, number>>().notNull(),
  integrations: text().array().notNull(),
  commits: integer().notNull(),
});

/** Data exports the user asked for: built by a job, downloadable by that user only, for a short while. */
export const dataExports = pgTable(
  "data_exports",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    format: text({ enum: ["json", "csv"] }).notNull(),
    /** "expired": the link ended and the content was deleted; "failed" includes a build past its deadline. */
    status: text({ enum: ["building", "ready", "failed", "expired"] }).notNull().default("building"),
    /** The JSON document, or the CSV zip in base64; deleted when the link expires. */
    content: text(),
    bytes: integer(),
    error: text(),
    createdAt: createdAt(),
    /** Set when ready: the download link works until then. */
    expiresAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("data_exports_user").on(t.userId, t.createdAt)],
);

export const processingActivities = ["sync_upload", "integration_sync", "export", "deletion", "correlation", "consent_change", "settings_change", "notification"] as const;
export type ProcessingActivity = (typeof processingActivities)[number];

/** Every processing of the user's data, with its purpose and legal basis (GDPR art. 30), shown to the user. */
export const processingLog = pgTable(
  "processing_log",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activity: text({ enum: processingActivities }).notNull(),
    purpose: text().notNull(),
    legalBasis: text({ enum: ["consent", "contract", "legal_obligation", "legitimate_interest"] }).notNull(),
    /** Counts and ids only: never content, never secrets. */
    details: jsonb().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("processing_log_user_time").on(t.userId, t.createdAt)],
);

// ───────────────────────────── Integrations ─────────────────────────────

export const integrationStatuses = ["connected", "syncing", "error", "needs_reauth"] as const;
export type IntegrationStatus = (typeof integrationStatuses)[number];

/** A user's connection to one provider and what its jobs last did. */
export const integrations = pgTable(
  "integrations",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    status: text({ enum: integrationStatuses }).notNull().default("connected"),
    /** The connected account at the provider (its id and public handle), shown as "connected as @login". */
    accountId: text(),
    accountLogin: text(),
    /** Name and emails the account commits as: how its commits are told from colleagues'. */
    accountName: text(),
    accountEmails: text().array().notNull().default([]),
    /** The scopes the provider granted. */
    scopes: text().array().notNull().default([]),
    lastError: text(),
    lastErrorAt: timestamp({ withTimezone: true }),
    lastSyncedAt: timestamp({ withTimezone: true }),
    /** While "syncing": when the run counts as lost (a crash leaves no one to say so); see integrations/sync-runs.ts. */
    syncDeadlineAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("integrations_user_provider").on(t.userId, t.provider)],
);

/**
 * The integration's OAuth tokens, sealed by the token vault (src/server/integrations/token-vault.ts):
 * never stored, logged, returned or exported in plaintext. Kept apart from `integrations` so
 * nothing that reads integration state can select a token by accident.
 */
export const integrationTokens = pgTable("integration_tokens", {
  integrationId: uuid()
    .primaryKey()
    .references(() => integrations.id, { onDelete: "cascade" }),
  userId: uuid()
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  provider: text().notNull(),
  accessToken: text().notNull(),
  refreshToken: text(),
  expiresAt: timestamp({ withTimezone: true }),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Webhooks we created at the provider for an integration (removed on disconnect). */
export const integrationWebhooks = pgTable(
  "integration_webhooks",
  {
    id: uuid().primaryKey().defaultRandom(),
    integrationId: uuid()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    /** owner/name on GitHub, the project's path on GitLab. */
    repository: text().notNull(),
    /** The provider's hook id (GitHub sends it as X-GitHub-Hook-ID). */
    hookId: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("integration_webhooks_provider_hook").on(t.provider, t.hookId), index("integration_webhooks_integration").on(t.integrationId)],
);

/** Webhook deliveries already accepted, so a redelivery or replay is answered without doing the work twice. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    provider: text().notNull(),
    deliveryId: text().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** When its work was queued (or deliberately dropped); null while that is under way, or never finished by a process that died. */
    handledAt: timestamp({ withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.provider, t.deliveryId] }), index("webhook_deliveries_received").on(t.receivedAt)],
);

/** Data fetched from providers (commits, repositories, calendar events), cached with an expiry (as in the seed schema). */
export const externalDataCache = pgTable(
  "external_data_cache",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    /** "repository", "commit", … */
    dataType: text().notNull(),
    externalId: text().notNull(),
    data: jsonb().notNull(),
    /** When the item happened at the provider (a commit's time), for range queries. */
    occurredAt: timestamp({ withTimezone: true }),
    cachedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("external_data_cache_item").on(t.userId, t.provider, t.dataType, t.externalId),
    index("external_data_cache_time").on(t.userId, t.dataType, t.occurredAt),
  ],
);

/**
 * Validators of provider GET requests (ETag, Last-Modified), one row per request URL of an
 * integration, so an unchanged resource costs a 304 (and, at GitHub, no rate limit).
 */
export const providerEtags = pgTable(
  "provider_etags",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    /** The request, e.g. "GET https://api.github.com/user/repos?per_page=100" (never a token). */
    resource: text().notNull(),
    etag: text(),
    lastModified: text(),
    /** What a 304 stands for, for a list page that must be rebuilt from it: its items and the next page's URL. */
    page: jsonb(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.provider, t.resource] })],
);

/** Pending OAuth authorizations: single use, bound to the user, short-lived (the cleanup job removes expired ones). */
export const oauthStates = pgTable(
  "oauth_states",
  {
    /** SHA-256 of the `state` sent to the provider; the state itself is never stored. */
    stateHash: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    redirectUri: text().notNull(),
    /** PKCE verifier, sealed by the token vault. */
    codeVerifier: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("oauth_states_expires").on(t.expiresAt)],
);

// ───────────────────────────── Background jobs ─────────────────────────────

/**
 * Where a run stands. Unfinished: queued (waiting for its turn, or for a debounce window to close),
 * running, sleeping (step.sleep / sleepUntil), retrying (waiting for its next attempt), waiting (for
 * an event, step.waitForEvent). Finished: completed, failed (retries spent), cancelled (cancelOn, or an operator).
 */
export const jobRunStatuses = ["queued", "running", "sleeping", "retrying", "waiting", "completed", "failed", "cancelled"] as const;
export type JobRunStatus = (typeof jobRunStatuses)[number];
export const unfinishedJobRunStatuses = ["queued", "running", "sleeping", "retrying", "waiting"] as const satisfies readonly JobRunStatus[];

/**
 * Every background job run: what the user's "Background jobs" view shows (system runs have no user)
 * and, on the embedded engine, the durable state of the run itself — when it is next due, who holds
 * it, what it waits for. Inngest keeps its own state; its runs are recorded here for the view only.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    /** Inngest's run id (a ULID), or the embedded engine's. */
    runId: text().primaryKey(),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    functionId: text().notNull(),
    eventName: text().notNull(),
    status: text({ enum: jobRunStatuses }).notNull(),
    /** Zero-based, as Inngest counts; back to 0 whenever a step completes (each step has its own budget). */
    attempt: integer().notNull().default(0),
    error: text(),
    output: jsonb(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
    /** The trigger event ({ name, data, id, ts }): what a retry or a restart runs again. */
    event: jsonb(),
    /** Embedded engine: when the run is next due (queued, a sleep's end, a retry, a wait's timeout, a lease's expiry). */
    nextAt: timestamp({ withTimezone: true }),
    /** Embedded engine: the instance running it, until when (renewed while it runs). */
    leaseOwner: text(),
    leaseUntil: timestamp({ withTimezone: true }),
    /** The evaluated concurrency key, when the job limits concurrency. */
    concurrencyKey: text(),
    /** The evaluated debounce key while the run is a queued debounce window; the window never extends past `debounceUntil`. */
    debounceKey: text(),
    debounceUntil: timestamp({ withTimezone: true }),
    /** cancelOn: one "<event name> <matched value>" entry per rule, computed from the trigger event. */
    cancelKeys: text().array(),
    /** step.waitForEvent: the step waiting, the event it waits for and the value its `match` field must have. */
    waitStep: text(),
    waitEvent: text(),
    waitMatch: text(),
    waitValue: text(),
  },
  (t) => [
    index("job_runs_user_started").on(t.userId, t.startedAt),
    index("job_runs_started").on(t.startedAt),
    index("job_runs_due").on(t.nextAt).where(sql`${t.finishedAt} is null`),
    index("job_runs_waiting").on(t.waitEvent).where(sql`${t.status} = 'waiting'`),
    index("job_runs_unfinished_function").on(t.functionId).where(sql`${t.finishedAt} is null`),
    uniqueIndex("job_runs_debounce_window").on(t.functionId, t.debounceKey).where(sql`${t.status} = 'queued' and ${t.debounceKey} is not null`),
  ],
);

/** A completed step's memoised (JSON) result, or a planned sleep's end: never run again for this run. */
export const jobSteps = pgTable(
  "job_steps",
  {
    runId: text()
      .notNull()
      .references(() => jobRuns.runId, { onDelete: "cascade" }),
    stepKey: text().notNull(),
    output: jsonb(),
    completedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepKey] })],
);

/** Every event the embedded engine accepted in the last 24 hours: an id is accepted once, across restarts. */
export const jobEvents = pgTable(
  "job_events",
  {
    id: text().primaryKey(),
    /** The user the event is about, so deleting the account deletes its events. */
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    data: jsonb().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("job_events_received").on(t.receivedAt)],
);

/** Concurrency slots in use: a run holds one while it executes, so a limit holds across instances. */
export const jobConcurrencySlots = pgTable(
  "job_concurrency_slots",
  {
    functionId: text().notNull(),
    concurrencyKey: text().notNull(),
    slot: integer().notNull(),
    runId: text().notNull(),
    leaseUntil: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.functionId, t.concurrencyKey, t.slot] })],
);

/** Each cron job's last tick that fired: one instance wins each tick. */
export const jobSchedules = pgTable("job_schedules", {
  functionId: text().primaryKey(),
  lastTickAt: timestamp({ withTimezone: true }).notNull(),
});

// ───────────────────────────── Chat status ─────────────────────────────

export const userStatusSources = ["heartbeat", "manual", "schedule", "calendar"] as const;

/** A user's status template: a built-in one they edited (same key) or one of their own. */
export const statusTemplates = pgTable(
  "status_templates",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text().notNull(),
    name: text().notNull(),
    slackEmoji: text().notNull(),
    slackText: text().notNull(),
    discordEmoji: text().notNull(),
    discordText: text().notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("status_templates_user_key").on(t.userId, t.key)],
);

/**
 * One row per user: the status DevPulse wants to show (from heartbeats, the page, a
 * schedule or the calendar) and the user's status settings. What each provider shows
 * is in chat_status_targets; the jobs bring the providers to this.
 */
export const userStatus = pgTable("user_status", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** The template shown; null with no custom text: no status. */
  templateKey: text(),
  /** A one-off status typed on the page (instead of a template). */
  customText: text(),
  /** The one-off status's emoji in each provider's form. */
  customEmoji: jsonb().$type<{ slack: string; discord: string }>(),
  source: text({ enum: userStatusSources }),
  /** The last heartbeat's activity. */
  activity: text(),
  /** The project named after the status ("Coding · devpulse"), only when the privacy settings allow it. */
  projectContext: text(),
  /** When the status ends (a duration, a focus session's end, a schedule's end); null: until changed. */
  expiresAt: timestamp({ withTimezone: true }),
  focusUntil: timestamp({ withTimezone: true }),
  lastHeartbeatAt: timestamp({ withTimezone: true }),
  changedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /** Settings: clear after this many minutes without a heartbeat; Slack Do Not Disturb during focus. */
  idleMinutes: integer().notNull().default(IDLE_MINUTES.default),
  dndDuringFocus: boolean().notNull().default(true),
});

/**
 * Per connected chat provider: what DevPulse last wrote there, the user's own status
 * from before it (restored when ours is cleared), and whether the user has since set
 * a status by hand (then DevPulse leaves it alone until they clear it).
 */
export const chatStatusTargets = pgTable(
  "chat_status_targets",
  {
    integrationId: uuid()
      .primaryKey()
      .references(() => integrations.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    /** ChatStatusContent as JSON ({ text, emoji, expiresAt }); null: nothing of ours is shown. */
    written: jsonb(),
    /** The user's own status when ours replaced it; null: there was none. */
    previous: jsonb(),
    /** The user set a status by hand since our last write: not ours to change. */
    heldByUser: boolean().notNull().default(false),
    lastWriteAt: timestamp({ withTimezone: true }),
    dndUntil: timestamp({ withTimezone: true }),
    /** ChatProviderState: Discord's server, the channel the user picked and our message there. */
    state: jsonb().notNull().default({}),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("chat_status_targets_user_provider").on(t.userId, t.provider)],
);

export const statusScheduleStates = ["scheduled", "active", "done", "cancelled"] as const;

/** A status planned ahead (scheduleStatusUpdate): a durable job shows it at startAt and clears it at endAt. */
export const statusSchedules = pgTable(
  "status_schedules",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    templateKey: text().notNull(),
    startAt: timestamp({ withTimezone: true }).notNull(),
    endAt: timestamp({ withTimezone: true }).notNull(),
    state: text({ enum: statusScheduleStates }).notNull().default("scheduled"),
    createdAt: createdAt(),
  },
  (t) => [index("status_schedules_user_start").on(t.userId, t.startAt)],
);

/**
 * One calendar of a connected calendar integration (Google, Microsoft): what the provider
 * says of it, the user's choice to include it, where incremental sync stands and its push
 * watch. Rows come and go with the integration (disconnecting deletes everything below).
 */
export const calendars = pgTable(
  "calendars",
  {
    id: uuid().primaryKey().defaultRandom(),
    integrationId: uuid()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    /** The provider's calendar id. */
    externalId: text().notNull(),
    name: text().notNull(),
    color: text(),
    primary: boolean().notNull().default(false),
    canWrite: boolean().notNull().default(false),
    timeZone: text(),
    /** The user's choice: its events count for the week view, suggestions and conflicts. */
    included: boolean().notNull().default(true),
    /** Google's nextSyncToken or Graph's deltaLink for the window below; null: the next sync is a full one. */
    syncCursor: text(),
    syncWindowFrom: timestamp({ withTimezone: true }),
    syncWindowTo: timestamp({ withTimezone: true }),
    lastSyncedAt: timestamp({ withTimezone: true }),
    /** The push watch (Google channel, Graph subscription) and when it must be renewed by. */
    watchId: text(),
    watchResourceId: text(),
    /** SHA-256 of the token the provider echoes with each notification (compared in constant time); never the token itself. */
    watchTokenHash: text(),
    watchExpiresAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("calendars_integration_external").on(t.integrationId, t.externalId), index("calendars_watch").on(t.watchId), index("calendars_user").on(t.userId)],
);

/**
 * The event cache: free/busy always; the title and the attendee count only when the user
 * allows it (and never a private event's title). Each row expires with the provider's
 * retention setting; a sync refreshes it.
 */
export const calendarEvents = pgTable(
  "calendar_events",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    calendarId: uuid()
      .notNull()
      .references(() => calendars.id, { onDelete: "cascade" }),
    externalId: text().notNull(),
    title: text(),
    attendees: integer(),
    startAt: timestamp({ withTimezone: true }).notNull(),
    endAt: timestamp({ withTimezone: true }).notNull(),
    allDay: boolean().notNull().default(false),
    busy: boolean().notNull().default(true),
    private: boolean().notNull().default(false),
    status: text({ enum: ["confirmed", "tentative", "cancelled"] }).notNull().default("confirmed"),
    focusTime: boolean().notNull().default(false),
    seriesId: text(),
    url: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("calendar_events_calendar_external").on(t.calendarId, t.externalId), index("calendar_events_user_start").on(t.userId, t.startAt)],
);

export const focusBlockStates = ["creating", "active", "failed", "deleted"] as const;

/**
 * A focus block booked from DevPulse, and the calendar event standing for it. `id` is also the
 * client-chosen id a create is retried with (Google's event id, Graph's transactionId), so a
 * retried create never makes a second event. Moves and deletions in the calendar come back
 * through sync (matched on `externalId`).
 */
export const focusBlocks = pgTable(
  "focus_blocks",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    calendarId: uuid()
      .notNull()
      .references(() => calendars.id, { onDelete: "cascade" }),
    externalId: text(),
    /** focusTime (Google's native focus time) or busyEvent (an ordinary busy event standing in). */
    kind: text({ enum: ["focusTime", "busyEvent"] }),
    title: text().notNull(),
    description: text(),
    projectId: text(),
    startAt: timestamp({ withTimezone: true }).notNull(),
    endAt: timestamp({ withTimezone: true }).notNull(),
    timeZone: text().notNull().default("UTC"),
    recurrence: text(),
    reminders: integer().array().notNull().default([]),
    autoDecline: boolean().notNull().default(false),
    state: text({ enum: focusBlockStates }).notNull().default("creating"),
    /** Why the calendar refused the block (state "failed"), in words for the user. */
    lastError: text(),
    createdAt: createdAt(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("focus_blocks_user_start").on(t.userId, t.startAt), index("focus_blocks_external").on(t.calendarId, t.externalId)],
);

export const calendarConflictDecisions = ["kept", "declined", "moved"] as const;

/**
 * Overlaps found among the user's included calendars, remembered so a sync announces only new
 * ones and a decision (keep both, decline, move the block) hides it. `key` names the pair.
 */
export const calendarConflicts = pgTable(
  "calendar_conflicts",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text().notNull(),
    firstEventId: uuid()
      .notNull()
      .references(() => calendarEvents.id, { onDelete: "cascade" }),
    secondEventId: uuid()
      .notNull()
      .references(() => calendarEvents.id, { onDelete: "cascade" }),
    decision: text({ enum: calendarConflictDecisions }),
    detectedAt: createdAt(),
    decidedAt: timestamp({ withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

// ─── Notifications (issue 18) ───────────────────────────────────────────────

/** One NotificationPreferences document per user (src/lib/schemas/notifications.ts); no row = all defaults. */
export const notificationPreferences = pgTable("notification_preferences", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  settings: jsonb().notNull().default({}),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const notificationOutcomes = ["send", "hold", "drop"] as const;
export type NotificationOutcome = (typeof notificationOutcomes)[number];

/**
 * One notification (src/lib/notifications/catalog.ts) as the in-app list shows it. A burst of
 * related ones folds into one unread row (`coalesceKey`), its data merged by the catalog and
 * `count` raised, so 200 conflicts from a sync are one row. `listed` is false when the user
 * turned in-app off for the category: the row still anchors the other channels' decisions.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text().$type<NotificationKind>().notNull(),
    category: text().$type<NotificationCategory>().notNull(),
    priority: text().$type<NotificationPriority>().notNull(),
    data: jsonb().notNull(),
    /** kind + the catalog's coalesce key; null for kinds that never fold. */
    coalesceKey: text(),
    /** How many notify calls folded into this row. */
    count: integer().notNull().default(1),
    listed: boolean().notNull().default(true),
    readAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    /** The last fold. */
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("notifications_user_created").on(t.userId, t.createdAt),
    index("notifications_user_coalesce").on(t.userId, t.coalesceKey, t.createdAt),
    index("notifications_user_unread").on(t.userId).where(sql`${t.readAt} is null and ${t.listed}`),
  ],
);

/**
 * Per notify call and channel: what was decided (send now, hold until `deliverAt`, drop) and
 * why, as a code (the metrics label) and in words ("quiet hours until 08:00"). Pending rows
 * (send/hold, not yet delivered) are the delivery queue: a durable job releases them at
 * `deliverAt`, one message per user and channel however many are due (the digest).
 */
export const notificationDecisions = pgTable(
  "notification_decisions",
  {
    id: uuid().primaryKey().defaultRandom(),
    notificationId: uuid()
      .notNull()
      .references(() => notifications.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channel: text().$type<NotificationChannel>().notNull(),
    outcome: text({ enum: notificationOutcomes }).notNull(),
    reason: text().$type<NotificationDecisionReason>().notNull(),
    reasonText: text().notNull(),
    /** When it is due to go out (send: now; hold: the end of the hold); null when dropped. */
    deliverAt: timestamp({ withTimezone: true }),
    deliveredAt: timestamp({ withTimezone: true }),
    /** A delivery in progress holds the row until then; a crash leaves it to the next sweep (never lost). */
    claimedUntil: timestamp({ withTimezone: true }),
    /** How it left: "single" or "digest" of n, and the provider's reference when there is one. */
    deliveredAs: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("notification_decisions_user_created").on(t.userId, t.createdAt),
    index("notification_decisions_pending").on(t.userId, t.channel, t.deliverAt).where(sql`${t.deliveredAt} is null and ${t.outcome} <> 'drop'`),
    index("notification_decisions_notification").on(t.notificationId, t.channel),
  ],
);

// ─── Outbound webhooks (issue 18) ───────────────────────────────────────────

export const webhookDisabledReasons = ["user", "gone", "failing"] as const;
export const webhookDeliveryStatuses = ["pending", "delivered", "failed"] as const;
export const webhookAttemptOutcomes = ["delivered", "failed", "gone", "refused"] as const;

/**
 * A user's own HTTPS endpoint that receives their notifications, signed per Standard Webhooks.
 * The signing secret is sealed at rest (token vault, bound to the endpoint) and shown to the user
 * once; after a rotation the previous one keeps signing beside it until `previousSecretExpiresAt`.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text().notNull(),
    description: text().notNull().default(""),
    /** Notification kinds (src/lib/notifications/catalog.ts) it receives. */
    kinds: text().array().notNull().default([]),
    enabled: boolean().notNull().default(true),
    /** Why it is off: the user turned it off, it answered 410 Gone, or it kept failing. */
    disabledReason: text({ enum: webhookDisabledReasons }),
    disabledAt: timestamp({ withTimezone: true }),
    secret: text().notNull(),
    previousSecret: text(),
    previousSecretExpiresAt: timestamp({ withTimezone: true }),
    /** Deliveries in a row that failed for good (every attempt), reset by any 2xx. */
    consecutiveFailures: integer().notNull().default(0),
    /** The first failed attempt since the last 2xx; null while it answers. */
    failingSince: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_user").on(t.userId)],
);

/**
 * One message to one endpoint and its fate. `messageId` is the Standard Webhooks `webhook-id`: the same
 * on every attempt and on a redelivery, so receivers can drop duplicates. `body` is the exact JSON
 * that was signed.
 */
export const webhookEndpointDeliveries = pgTable(
  "webhook_endpoint_deliveries",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    endpointId: uuid()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    messageId: text().notNull(),
    eventType: text().notNull(),
    body: text().notNull(),
    status: text({ enum: webhookDeliveryStatuses }).notNull().default("pending"),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }),
    /** The delivery this one sends again (the user pressed "Redeliver"). */
    redeliveryOf: uuid(),
    createdAt: createdAt(),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("webhook_endpoint_deliveries_endpoint").on(t.endpointId, t.createdAt),
    index("webhook_endpoint_deliveries_user").on(t.userId),
    // One delivery per message and endpoint (a sender retrying the queue adds nothing); redeliveries repeat the message on purpose.
    uniqueIndex("webhook_endpoint_deliveries_message").on(t.endpointId, t.messageId).where(sql`${t.redeliveryOf} is null`),
  ],
);

/** Each HTTP attempt of a delivery: when, how long, what the endpoint answered (the first KiB), or why it did not. */
export const webhookEndpointAttempts = pgTable(
  "webhook_endpoint_attempts",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deliveryId: uuid()
      .notNull()
      .references(() => webhookEndpointDeliveries.id, { onDelete: "cascade" }),
    attempt: integer().notNull(),
    outcome: text({ enum: webhookAttemptOutcomes }).notNull(),
    responseCode: integer(),
    responseBody: text(),
    error: text(),
    durationMs: integer().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex("webhook_endpoint_attempts_delivery").on(t.deliveryId, t.attempt), index("webhook_endpoint_attempts_user").on(t.userId)],
);

// ─── Email delivery (issue 18) ──────────────────────────────────────────────

export const emailMessageStatuses = ["queued", "sent", "delivered", "failed", "bounced", "suppressed"] as const;
export type EmailMessageStatus = (typeof emailMessageStatuses)[number];

/**
 * One email the server decided to send, keyed by the sender's idempotency key: a retried job
 * step finds the row already `sent` and sends nothing again. `to` is the account's own address
 * (the user's data: exported, deleted with the account); it is what a bounce webhook names.
 */
export const emailMessages = pgTable(
  "email_messages",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    to: text().notNull(),
    template: text().notNull(),
    status: text({ enum: emailMessageStatuses }).notNull().default("queued"),
    provider: text(),
    providerMessageId: text(),
    idempotencyKey: text().notNull().unique(),
    /** Why it failed or bounced, in words (never a provider's raw response with credentials). */
    detail: text(),
    createdAt: createdAt(),
    sentAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("email_messages_user").on(t.userId, t.createdAt), index("email_messages_provider_id").on(t.provider, t.providerMessageId)],
);

export const emailAttemptOutcomes = ["sent", "failed", "skipped"] as const;

/** Every try of every message at one provider: the delivery log (failover shows as a failed or skipped try, then a sent one). */
export const emailAttempts = pgTable(
  "email_attempts",
  {
    id: uuid().primaryKey().defaultRandom(),
    messageId: uuid()
      .notNull()
      .references(() => emailMessages.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    outcome: text({ enum: emailAttemptOutcomes }).notNull(),
    /** permanent | transient | rate_limited | unauthorized | circuit_open, for a failed or skipped try. */
    errorKind: text(),
    statusCode: integer(),
    detail: text(),
    createdAt: createdAt(),
  },
  (t) => [index("email_attempts_message").on(t.messageId, t.createdAt)],
);

/**
 * Addresses that hard-bounced or complained: no more mail goes to them until the owner confirms
 * the address again (a link mailed on request, which alone goes through).
 */
export const emailSuppressions = pgTable("email_suppressions", {
  address: text().primaryKey(),
  userId: uuid()
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  reason: text({ enum: ["hard_bounce", "complaint"] }).notNull(),
  provider: text().notNull(),
  createdAt: createdAt(),
});
