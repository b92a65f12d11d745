import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseHandle } from "./client";

/** Where drizzle-kit writes migrations; the standalone build and Docker image copy it beside server.js. */
export function migrationsFolder(): string {
  const folder = process.env.MIGRATIONS_DIR ?? join(process.cwd(), "drizzle");
  if (!existsSync(join(folder, "meta", "_journal.json"))) {
    throw new Error(`No migrations found in ${folder} (set MIGRATIONS_DIR to the drizzle/ folder)`);
  }
  return folder;
}

/** Applies pending migrations; drizzle records applied ones, so this is idempotent. */
export async function applyMigrations(handle: DatabaseHandle): Promise<void> {
  const folder = migrationsFolder();
  if (handle.driver === "postgres") {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(handle.db as never, { migrationsFolder: folder });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder: folder });
  }
}
