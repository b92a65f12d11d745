import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";

/**
 * patches/postgres+*.patch: postgres.js 3.4.9 throws from a setImmediate, ending the process,
 * when a transaction's backend dies under it (begin() writes its ROLLBACK to the dropped socket),
 * and hands the dead backend's last error (57P01 on a shutdown) to the first query of the next one.
 * Both happen to every connection when Postgres restarts under load. Upstream: porsager/postgres#1154, #1208.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WORKER = join(ROOT, "tests/support/backend-killed-worker.ts");
const databaseUrl = inject("databaseUrl");

type Outcome = { uncaught?: string; transactionOutcomes?: string[]; afterwards?: string[]; afterwardsMs?: number };

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
    expect(outcome.transactionOutcomes).toHaveLength(transactions);
    for (const message of outcome.transactionOutcomes!) expect(message).toMatch(/CONNECTION_CLOSED/);
    // Every query after it gets a new backend: none is refused with the old one's error, none waits for a connect timeout.
    expect(outcome.afterwards).toEqual(Array.from({ length: transactions * 3 }, () => "1"));
    expect(outcome.afterwardsMs).toBeLessThan(5_000);
  }, 60_000);
});
