import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseHandle } from "./client";

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
