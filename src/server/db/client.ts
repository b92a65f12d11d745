import { mkdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { entityKind, sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import { getEnv } from "../env";
import * as schema from "./schema";

/**
 * One database module for both engines: embedded PGlite (real Postgres in WASM) in a
 * data folder when DATABASE_URL is unset, postgres.js when it is set. Both are the
 * same drizzle PgDatabase above this file. Opened lazily and cached on globalThis,
 * because `next build` imports route modules and dev-mode HMR re-evaluates them.
 */

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Query functions take either the database or an open transaction. */
export type DbOrTx = Db | Tx;

/** The rows of a raw SQL query, whichever driver ran it (postgres.js answers an array, PGlite `{ rows }`). */
export async function selectRows<Row extends Record<string, unknown>>(db: DbOrTx, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows?: Row[] } | Row[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}

/**
 * Whether `db` is embedded PGlite rather than a Postgres server: only one process can open a
 * PGlite folder, so state kept in this process's memory is as shared as the database itself.
 * Read from drizzle's own class tag, so the PGlite driver is never loaded to ask.
 */
export function isEmbeddedDatabase(db: Db): boolean {
  return (db.constructor as { [entityKind]?: string })[entityKind] === "PgliteDatabase";
}

/** The postgres.js client under `db`, for what drizzle does not expose (COPY … TO STDOUT); null for PGlite. */
export function postgresClientOf(db: Db): Sql | null {
  return isEmbeddedDatabase(db) ? null : ((db as unknown as { $client?: Sql }).$client ?? null);
}

export type DatabaseConfig =
  | { driver: "postgres"; url: string; maxConnections?: number }
  | { driver: "pglite"; dataDir: string };

export interface DatabaseHandle {
  db: Db;
  driver: DatabaseConfig["driver"];
  config: DatabaseConfig;
  close(): Promise<void>;
}

export function databaseConfigFromEnv(): DatabaseConfig {
  const env = getEnv();
  if (env.DATABASE_URL) return { driver: "postgres", url: env.DATABASE_URL };
  const dataDir = env.PGLITE_DIR ?? join(env.DATA_DIR, "pglite");
  return { driver: "pglite", dataDir };
}

/**
 * How long a closed connection waits before connecting again, after `failures` failed connects in a row.
 * postgres.js's default grows to 10–20 s after a few, and a request that arrives meanwhile waits for it:
 * after a Postgres restart under load, the first requests took that long though the database was back.
 * Capped at a second (jittered, so a fleet does not reconnect in step); each attempt while Postgres is
 * away fails at once with a refused connection, so trying often costs little.
 */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.05 * 2 ** failures, 1) * (0.5 + Math.random() / 2);
}

export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.driver === "postgres") {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(config.url, {
      max: config.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 10,
      backoff: reconnectDelaySeconds,
    });
    const db = drizzle({ client, schema, casing: "snake_case" });
    return { db, driver: "postgres", config, close: () => client.end({ timeout: 5 }) };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const inMemory = config.dataDir.startsWith("memory://");
  const dataDir = inMemory || isAbsolute(config.dataDir) ? config.dataDir : resolve(config.dataDir);
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzle({ client, schema, casing: "snake_case" });
  return { db, driver: "pglite", config, close: () => client.close() };
}

type Cache = { handle?: Promise<DatabaseHandle> };
const cache = globalThis as typeof globalThis & { __devpulseDb?: Cache };
const state: Cache = (cache.__devpulseDb ??= {});

/** The application's database, opened (and migrated) on first use. */
export async function getDb(): Promise<Db> {
  return (await getDatabaseHandle()).db;
}

export function getDatabaseHandle(): Promise<DatabaseHandle> {
  state.handle ??= (async () => {
    const handle = await openDatabase(databaseConfigFromEnv());
    const { applyMigrations } = await import("./migrate");
    await applyMigrations(handle);
    return handle;
  })().catch((error: unknown) => {
    state.handle = undefined; // let the next request try again (e.g. Postgres restarted)
    throw error;
  });
  return state.handle;
}

export async function closeDb(): Promise<void> {
  const pending = state.handle;
  state.handle = undefined;
  if (pending) await (await pending).close();
}

export async function pingDatabase(db: Db, timeoutMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([db.execute(sql`select 1`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
