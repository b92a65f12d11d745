import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase, selectRows } from "~/server/db/client";
import { tcpRelay } from "../support/tcp-relay";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * patches/postgres+*.patch: postgres.js 3.4.9 throws from a setImmediate, ending the process,
 * when a transaction's backend dies under it (begin() writes its ROLLBACK to the dropped socket),
 * and hands the dead backend's last error (57P01 on a shutdown) to the first query of the next one.
 * Both happen to every connection when Postgres restarts under load. Upstream: porsager/postgres#1154, #1208.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WORKER = join(ROOT, "tests/support/backend-killed-worker.ts");
const databaseUrl = workerDatabaseUrl();

/** `started`: how many transactions reached their backend, printed only when some never did (their outcomes say why). */
type Outcome = { uncaught?: string; transactionOutcomes?: string[]; afterwards?: string[]; afterwardsMs?: number; started?: number };

async function killBackendsUnderTransactions(transactions: number): Promise<Outcome> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", DATABASE_URL: databaseUrl!, TRANSACTIONS: String(transactions), LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await once(child, "close");
  const line = stdout.trim().split("\n").pop();
  if (!line) throw new Error(`the worker printed nothing: ${stderr}`);
  return JSON.parse(line) as Outcome;
}

// PGlite runs in this process, with no socket to lose.
describe.skipIf(!databaseUrl)("postgres.js when a backend dies under a transaction", () => {
  it.each([1, 4])("%i transaction(s): each fails cleanly, the process lives, and the pool answers again at once", async (transactions) => {
    const outcome = await killBackendsUnderTransactions(transactions);

    expect(outcome.uncaught).toBeUndefined();
    expect(outcome.started, `transactions failed before reaching a backend: ${JSON.stringify(outcome.transactionOutcomes)}`).toBeUndefined();
    expect(outcome.transactionOutcomes).toHaveLength(transactions);
    for (const message of outcome.transactionOutcomes!) expect(message).toMatch(/CONNECTION_CLOSED/);
    // Every query after it gets a new backend: none is refused with the old one's error, none waits for a connect timeout.
    expect(outcome.afterwards).toEqual(Array.from({ length: transactions * 3 }, () => "1"));
    expect(outcome.afterwardsMs).toBeLessThan(5_000);
  }, 60_000);
});

describe.skipIf(!databaseUrl)("the database pool after an outage", () => {
  it("answers within a second or two of the database coming back, however long it was away", async () => {
    const relay = await tcpRelay(Number(new URL(databaseUrl!).port || 5432));
    const url = new URL(databaseUrl!);
    url.host = `127.0.0.1:${relay.port}`;
    const handle = await openDatabase({ driver: "postgres", url: url.href, maxConnections: 2 });
    try {
      expect(await selectRows(handle.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
      // Away for 4 s, with requests coming in meanwhile, as when Postgres restarts under load: each fails at once.
      await relay.stop();
      const away = Date.now() + 4_000;
      let refused = 0;
      while (Date.now() < away) {
        const started = Date.now();
        await selectRows(handle.db, sql`select 1 as one`).then(
          () => expect.unreachable("the database is away"),
          () => (refused += 1),
        );
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))));
      }
      expect(refused).toBeGreaterThan(3);
      await relay.start();
      const back = Date.now();
      expect(await selectRows(handle.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
      // postgres.js's own backoff grows to 10–20 s after a few failed connects: the request would wait for it.
      expect(Date.now() - back).toBeLessThan(2_500);
    } finally {
      await handle.close();
      await relay.stop().catch(() => {});
    }
  }, 60_000);
});
