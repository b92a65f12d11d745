import {
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

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
  /** Bumped to end every session of the user at once (sign out everywhere, deletion). */
  sessionVersion: integer().notNull().default(0),
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

/** Sign-in attempts, kept for rate limiting per account and per IP. */
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

