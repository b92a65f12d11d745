import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { expect } from "@playwright/test";
import postgres from "postgres";
import { freePort, killHard, startServer, stopServer } from "./standalone-server";

/** One SQL statement with $1… parameters, run on the database the server under test keeps its data in. */
export type StorageSql = <Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<Row[]>;

export type ServerWithStorage = {
  baseURL: string;
  /**
   * Changes what the server has stored, as only whoever holds its database could: for what no
   * API may do, such as making data older than it is. The server's own code then acts on it.
   */
  editStorage(edit: (sql: StorageSql) => Promise<void>): Promise<void>;
  close(): Promise<void>;
};

/**
 * The production server together with its database, on both database modes, with no test
 * entry point in the server itself:
 * - Postgres (E2E_DATABASE_URL): the suite's own server; the test connects to its database beside it.
 * - PGlite: a folder belongs to one process at a time, and the suite's server holds its folder for
 *   the whole run. So the test runs a server of its own (the suite's build, a fresh folder), and to
 *   edit its storage stops it (SIGTERM: PGlite closes cleanly), opens the folder with PGlite, and
 *   starts it again on the same folder and port: sessions, device tokens and queued job runs are
 *   all in the folder, so clients carry on, and the restarted server picks up due runs at start.
 */
export async function serverWithStorage(suiteBaseURL: string): Promise<ServerWithStorage> {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  if (databaseUrl) {
    return {
      baseURL: suiteBaseURL,
      async editStorage(edit) {
        const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
        try {
          await edit(async <Row,>(text: string, params: unknown[] = []) => (await client.unsafe(text, params as never[])) as unknown as Row[]);
        } finally {
          await client.end({ timeout: 5 });
        }
      },
      close: async () => {},
    };
  }

  const dataDir = mkdtempSync(join(tmpdir(), "devpulse-e2e-storage-"));
  const port = await freePort();
  let server = await startServer(port, { dataDir });
  return {
    baseURL: `http://localhost:${port}`,
    async editStorage(edit) {
      expect(await stopServer(server), "the server stops cleanly, closing its PGlite folder").toBe(0);
      const db = await PGlite.create(join(dataDir, "pglite"));
      try {
        await edit(async <Row,>(text: string, params: unknown[] = []) => (await db.query<Row>(text, params)).rows);
      } finally {
        await db.close();
      }
      server = await startServer(port, { dataDir });
    },
    async close() {
      await killHard(server);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
