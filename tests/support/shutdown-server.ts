/**
 * A server process for the graceful-shutdown test (tests/integration/shutdown.test.ts), run with tsx
 * so the test can send it SIGTERM. It is the app's own shutdown (src/server/shutdown.ts, installed by
 * `stopGracefullyOnSignals` as start-up does) in front of the app's real tRPC route handler (the
 * realtime stream) and /api/health, on a plain node:http server: `next start` would need a production
 * build (about a minute and most of a core here) for the same handlers and the same shutdown code,
 * which finds its HTTP server the same way under Next (Node's request diagnostics channel).
 * Two stand-ins model work in flight: GET /slow answers after SLOW_MS and a database query, and the
 * job `test-shutdown-step` has one step that takes STEP_MS and then writes to the database.
 *
 * Environment: DATABASE_URL (a database of its own) or PGLITE_DIR; SHUTDOWN_GRACE_MS; SLOW_MS; STEP_MS.
 * Prints one JSON line per milestone on stdout, `{ "harness": … }` (the app's JSON logs go there too):
 *   ready { url, authorization }  · slow started · step started · step finished · exit { code, dbClosed }
 */
import { sql } from "drizzle-orm";
import { GET as health } from "../../src/app/api/health/route";
import { GET as trpcGet, POST as trpcPost } from "../../src/app/api/trpc/[trpc]/route";
import { getDatabaseHandle, getDb } from "../../src/server/db/client";
import { defineJob } from "../../src/server/jobs/define-job";
import { createInProcessRunner } from "../../src/server/jobs/runner";
import { getJobRunner, useJobRunner } from "../../src/server/jobs/send";
import { stopGracefullyOnSignals } from "../../src/server/shutdown";
import { startAppServer } from "./app-server";
import { connectDevice, signedUpUser } from "./callers";

const SLOW_MS = Number(process.env.SLOW_MS ?? 1500);
const STEP_MS = Number(process.env.STEP_MS ?? 1500);

const say = (harness: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ harness })}\n`);
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const handle = await getDatabaseHandle(); // opens and migrates, as start-up does

const slowStep = defineJob({ id: "test-shutdown-step", name: "Test: a step in flight at shutdown", events: ["maintenance/cleanup.requested"], retries: 0 }, async ({ step }) => {
  await step.run("slow", async () => {
    say({ step: "started" });
    await wait(STEP_MS);
    await (await getDb()).execute(sql`select 1`);
    say({ step: "finished" });
  });
});
useJobRunner(createInProcessRunner({ jobs: [slowStep], pollMs: 100 }));
await getJobRunner().start();

const server = await startAppServer([
  { method: "GET", path: /^\/api\/health$/, handler: (request) => health(request) },
  { method: "GET", path: /^\/api\/trpc\//, handler: (request) => trpcGet(request) },
  { method: "POST", path: /^\/api\/trpc\//, handler: (request) => trpcPost(request) },
  {
    method: "GET",
    path: /^\/slow$/,
    handler: async () => {
      say({ slow: "started" });
      await wait(SLOW_MS);
      await (await getDb()).execute(sql`select 1`);
      return new Response("slow done");
    },
  },
  {
    method: "POST",
    path: /^\/start-step$/,
    handler: async () => Response.json(await getJobRunner().dispatch({ name: "maintenance/cleanup.requested", data: {} })),
  },
]);

stopGracefullyOnSignals({
  // On the way out: is the database handle the app used really closed? A query on it must fail.
  exit: async (code) => {
    const dbClosed = await Promise.race([
      handle.db.execute(sql`select 1`).then(
        () => false,
        () => true,
      ),
      wait(3000).then(() => "no answer"),
    ]);
    say({ exit: { code, dbClosed } });
    process.exit(code);
  },
});

// A signed-in desktop app's credentials (a device token: the SSE stream's Authorization header).
const { caller } = await signedUpUser("shutdown");
const { token } = await connectDevice(caller, "shutdown-test");
say({ ready: { url: server.url, authorization: `Bearer ${token}` } });
