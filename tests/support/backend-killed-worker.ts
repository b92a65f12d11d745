/**
 * Kills the Postgres backends under this process's transactions in flight, then queries again on
 * the same pool, and prints what happened as one JSON line. A child process of
 * tests/integration/postgres-driver.test.ts, because the defect it looks for is an exception
 * thrown from a setImmediate inside postgres.js, which ends a process rather than failing a call.
 */
import { sql } from "drizzle-orm";
import { openDatabase, selectRows } from "../../src/server/db/client";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const transactions = Number(process.env.TRANSACTIONS ?? 1);

process.on("uncaughtException", (error) => {
  console.log(JSON.stringify({ uncaught: String(error) }));
  process.exit(3);
});

/** Where the worker is, so that a hang says where instead of running into the test's timeout with nothing printed. */
let step = "opening the pools";
const progress: Record<string, unknown> = {};
setTimeout(() => {
  console.log(JSON.stringify({ uncaught: `stuck for 40 s while ${step}`, ...progress }));
  process.exit(5);
}, 40_000).unref();

const app = await openDatabase({ driver: "postgres", url, maxConnections: transactions });
const killer = await openDatabase({ driver: "postgres", url, maxConnections: 1 });

const backends: number[] = [];
const inFlight = Array.from({ length: transactions }, () =>
  app.db.transaction(async (tx) => {
    const [row] = await selectRows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
    backends.push(row!.pid);
    await tx.execute(sql`select pg_sleep(5)`);
  }).then(
    () => "committed",
    (error: Error) => error.message,
  ),
);
// A transaction that fails before it reports its backend (no connection to be had) would leave this waiting forever: say so instead.
let settled = false;
void Promise.all(inFlight).then(() => (settled = true));
step = "waiting for the transactions to reach their backends";
progress.backends = backends;
while (backends.length < transactions) {
  if (settled) {
    console.log(JSON.stringify({ transactionOutcomes: await Promise.all(inFlight), started: backends.length }));
    process.exit(4);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
step = "terminating their backends";
for (const pid of backends) await killer.db.execute(sql`select pg_terminate_backend(${pid})`);

step = "waiting for the transactions to fail";
const transactionOutcomes = await Promise.all(inFlight);
progress.transactionOutcomes = transactionOutcomes;

// Every connection of the pool lost its backend: each of these needs a new one.
step = "querying again on the same pool";
const started = performance.now();
const answered: string[] = [];
progress.afterwardsAnswered = answered;
const afterwards = await Promise.all(
  Array.from({ length: transactions * 3 }, () =>
    selectRows<{ one: number }>(app.db, sql`select 1 as one`)
      .then((rows) => String(rows[0]?.one), (error: Error) => error.message)
      .then((answer) => (answered.push(answer), answer)),
  ),
);
console.log(JSON.stringify({ transactionOutcomes, afterwards, afterwardsMs: Math.round(performance.now() - started) }));
step = "closing the pools (the results above are printed)";
await Promise.all([app.close(), killer.close()]);
