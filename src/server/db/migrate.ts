import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { selectRows, type DatabaseHandle, type DbOrTx } from "./client";

/** Where drizzle-kit writes migrations; the standalone build and Docker image carry it beside server.js. */
export function migrationsFolder(): string {
  const folder = process.env.MIGRATIONS_DIR ?? join(process.cwd(), "drizzle");
  if (!existsSync(join(folder, "meta", "_journal.json"))) {
    throw new Error(`No migrations found in ${folder} (set MIGRATIONS_DIR to the drizzle/ folder)`);
  }
  return folder;
}

/** Any fixed 64-bit number: the advisory lock all DevPulse instances migrate under. */
const MIGRATION_LOCK_ID = 0x64_65_76_70_75_6c_73_65n;

/**
 * Applies pending migrations (drizzle records applied ones, so this is idempotent).
 * On a Postgres server several instances may start at once (containers, serverless):
 * they queue on an advisory lock held on one dedicated connection, so each migration
 * runs exactly once. PGlite is single-process by construction.
 */
export async function applyMigrations(handle: DatabaseHandle): Promise<void> {
  const migrationsFolderPath = migrationsFolder();
  if (handle.config.driver === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder: migrationsFolderPath });
    return;
  }
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const connection = postgres(handle.config.url, { max: 1, onnotice: () => {} });
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    try {
      await migrate(drizzle({ client: connection }), { migrationsFolder: migrationsFolderPath });
    } finally {
      await connection`select pg_advisory_unlock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    }
  } finally {
    await connection.end({ timeout: 5 });
  }
}

export type MigrationStatus = {
  /** Migrations this build carries (the drizzle journal). */
  available: number;
  /** Migrations the database has recorded as applied. */
  applied: number;
  /** Tags this build carries that the database has not applied yet, oldest first. */
  pending: string[];
  /** The newest applied migration this build knows, by tag. */
  latest: string | null;
  /** Applied migrations this build does not carry: the database was migrated by a newer build. */
  unknown: number;
};

/**
 * The build's migrations against the database's record of them. drizzle's migrator records each
 * applied migration's journal time (`created_at`) in drizzle.__drizzle_migrations and applies the
 * ones newer than the latest recorded, so that is what "pending" means here too.
 */
export async function migrationStatus(db: DbOrTx): Promise<MigrationStatus> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), "meta", "_journal.json"), "utf8")) as { entries: { tag: string; when: number }[] };
  const [table] = await selectRows<{ present: boolean }>(db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  const applied = table?.present ? (await selectRows<{ created_at: string }>(db, sql`select created_at::text as created_at from drizzle.__drizzle_migrations`)).map((row) => Number(row.created_at)) : [];
  const newestApplied = Math.max(0, ...applied);
  const known = new Set(journal.entries.map((entry) => entry.when));
  const latest = journal.entries.filter((entry) => entry.when <= newestApplied).at(-1);
  return {
    available: journal.entries.length,
    applied: applied.length,
    pending: journal.entries.filter((entry) => entry.when > newestApplied).map((entry) => entry.tag),
    latest: applied.length ? (latest?.tag ?? null) : null,
    unknown: applied.filter((when) => !known.has(when)).length,
  };
}
