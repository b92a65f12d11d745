import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase, type Db } from "~/server/db/client";
import { applyMigrations } from "~/server/db/migrate";
import { schemaTableNames } from "~/server/db/tables";
// @ts-expect-error plain ESM helper shared with scripts/test.mjs
import { createTestDatabase } from "../../scripts/lib/test-database.mjs";

const schemaTables = schemaTableNames();

async function publicTables(db: Db): Promise<string[]> {
  const rows = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  return (Array.isArray(rows) ? rows : (rows as unknown as { rows: { table_name: string }[] }).rows).map((row) => row.table_name);
}

describe("migrations", () => {
  it("create every table of the schema on a fresh PGlite and are idempotent", async () => {
    const handle = await openDatabase({ driver: "pglite", dataDir: "memory://" });
    try {
      await applyMigrations(handle);
      await applyMigrations(handle);
      expect(await publicTables(handle.db)).toEqual(schemaTables);
    } finally {
      await handle.close();
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)("run once when several instances start together on a Postgres server", async () => {
    const database = await createTestDatabase(process.env.TEST_DATABASE_URL, "migrate");
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ driver: "postgres", url: database.url, maxConnections: 2 })));
    try {
      await Promise.all(handles.map((handle) => applyMigrations(handle)));
      expect(await publicTables(handles[0]!.db)).toEqual(schemaTables);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
      await database.drop();
    }
  });

  it("`npm run db:migrate` migrates the configured embedded database", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "devpulse-migrate-"));
    try {
      const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], {
        env: { ...process.env, DATABASE_URL: "", PGLITE_DIR: join(dataDir, "db"), LOG_LEVEL: "info" },
        encoding: "utf8",
      });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toMatchObject({ level: "info", msg: "migrations applied", driver: "pglite" });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
