/**
 * A stand-alone server process for tests/integration/rate-limits-processes.test.ts: the app's own
 * database module and tRPC router, calling a rate-limited public procedure as requests from one
 * address would, so two of these on one Postgres database show whether they share the limit.
 *
 * Environment: DATABASE_URL; RATE_LIMIT_PREFIX (this test run's counters), CLIENT_IP, ATTEMPTS,
 * LIMIT_POINTS (the size of devices.startAuthorization's limit in this test).
 * Protocol: prints "ready" once the database is open; on a line "go" on stdin, makes ATTEMPTS calls
 * one after another, prints one JSON line { allowed, refused: [code, …] } and exits.
 */
import { createInterface } from "node:readline";
import { createCaller } from "../../src/server/api/root";
import { createContextInner } from "../../src/server/api/trpc";
import { closeDb, getDb } from "../../src/server/db/client";
import { setRateLimits } from "../../src/server/security/rate-limits";

const attempts = Number(process.env.ATTEMPTS);
setRateLimits({ deviceAuthorizationStart: { points: Number(process.env.LIMIT_POINTS), windowSeconds: 60 } }, { keyPrefix: process.env.RATE_LIMIT_PREFIX });
const caller = createCaller(await createContextInner({ db: await getDb(), ip: process.env.CLIENT_IP }));
console.log("ready");

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== "go") continue;
  let allowed = 0;
  const refused: string[] = [];
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      await caller.devices.startAuthorization({ deviceName: `Worker ${process.pid} #${attempt}` });
      allowed += 1;
    } catch (error) {
      refused.push((error as { code?: string }).code ?? String(error));
    }
  }
  console.log(JSON.stringify({ allowed, refused }));
  break;
}
await closeDb();
process.exit(0);
