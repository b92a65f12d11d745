import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("0011 turns cloud sync off for everyone whose latest cloud_sync consent is not a grant", async () => {
    // Migrate a copy of drizzle/ cut at 0010, write the data it must fix, then apply the rest.
    const folder = mkdtempSync(join(tmpdir(), "devpulse-migrations-"));
    cpSync("drizzle", folder, { recursive: true });
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number }[] };
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.filter((entry) => entry.idx <= 10) }));
    const handle = await openDatabase({ driver: "pglite", dataDir: "memory://" });
    const previous = process.env.MIGRATIONS_DIR;
    try {
      process.env.MIGRATIONS_DIR = folder;
      await applyMigrations(handle);
      const people = ["agreed", "withdrew", "never", "no-row-agreed"];
      for (const name of people) await handle.db.execute(sql`insert into users (email) values (${`${name}@example.test`})`);
      const id = async (name: string) => {
        const rows = await handle.db.execute<{ id: string }>(sql`select id from users where email = ${`${name}@example.test`}`);
        return (Array.isArray(rows) ? rows : (rows as unknown as { rows: { id: string }[] }).rows)[0]!.id;
      };
      for (const name of ["agreed", "withdrew", "never"]) {
        await handle.db.execute(sql`insert into privacy_settings (user_id, settings) values (${await id(name)}, ${JSON.stringify({ enableCloudSync: true, collections: { projects: false } })}::jsonb)`);
      }
      await handle.db.execute(sql`insert into consents (user_id, type, granted, policy_version) values
        (${await id("agreed")}, 'cloud_sync', false, 'v1'), (${await id("agreed")}, 'cloud_sync', true, 'v1'),
        (${await id("withdrew")}, 'cloud_sync', true, 'v1'), (${await id("withdrew")}, 'cloud_sync', false, 'v1'),
        (${await id("never")}, 'integration:github', true, 'v1')`);

      process.env.MIGRATIONS_DIR = previous ?? join(process.cwd(), "drizzle");
      await applyMigrations(handle);
      const rows = await handle.db.execute<{ email: string; on: boolean; projects: boolean }>(
        sql`select u.email, (s.settings->>'enableCloudSync')::boolean as on, (s.settings->'collections'->>'projects')::boolean as projects
            from privacy_settings s join users u on u.id = s.user_id order by u.email`,
      );
      expect(Array.isArray(rows) ? rows : (rows as unknown as { rows: unknown[] }).rows).toEqual([
        { email: "agreed@example.test", on: true, projects: false },
        { email: "never@example.test", on: false, projects: false },
        { email: "withdrew@example.test", on: false, projects: false },
      ]);
    } finally {
      if (previous === undefined) delete process.env.MIGRATIONS_DIR;
      else process.env.MIGRATIONS_DIR = previous;
      await handle.close();
      rmSync(folder, { recursive: true, force: true });
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
