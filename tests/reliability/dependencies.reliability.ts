import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { createDevPulseClient } from "~/client";
import { closeDb, getDb, isEmbeddedDatabase } from "~/server/db/client";
import { getJobRunner, useJobRunner } from "~/server/jobs/send";
import { connectDevice, syncingUser } from "../support/callers";
import { testJobRunner } from "../support/job-runs";
import { change } from "../support/sync";
import { measured } from "./support/figures";
import { productionServer } from "./support/production-server";

/**
 * The Postgres server restarted under load: while it is away every request fails cleanly (503
 * with Retry-After, none hangs, none is a 500), /api/health says 503, and once it is back the
 * same server process answers again without a restart. Needs the local cluster (pg_ctlcluster)
 * and nothing else using it: `npm run test:reliability` runs after the suite.
 */

const WORKERS = 4;
const OUTAGE_MS = 4_000;
/**
 * Longer than the fuzz trial's 10 s: a request that arrives while Postgres is going down or coming back
 * can wait on a connection attempt (postgres.js connect_timeout is 10 s) before its answer; measured: up
 * to ~14 s, then a 200 or a 503. The slowest is reported.
 */
const HUNG_MS = 30_000;

let running: Awaited<ReturnType<typeof productionServer>> | undefined;
afterAll(async () => running?.stop());

/**
 * This test process shares its worker with the other trials: its job runner polls and its pool holds
 * connections. Stopping Postgres under them made postgres.js reject outside any caller (vitest failed a
 * full run on "Cannot read properties of null (reading 'write')" and an unhandled ECONNREFUSED), which
 * is this process's noise, not the server's. Both are quiet during the outage and come back after it.
 */
async function quietThisProcess(): Promise<() => void> {
  await getJobRunner().stop({ graceMs: 5_000 });
  await closeDb();
  return () => useJobRunner(testJobRunner());
}

const cluster = () => {
  const version = readdirSync("/etc/postgresql")[0]!;
  return (action: "stop" | "start") => execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", action, ...(action === "stop" ? ["-m", "fast"] : [])], { stdio: "ignore" });
};
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("dependencies going away", () => {
  it("Postgres restarted under load: clean 503s while it is away, answers again after, no server restart", { timeout: 10 * 60_000 }, async (context) => {
    const db = await getDb();
    if (isEmbeddedDatabase(db) || !process.env.DATABASE_URL) context.skip();
    let control: ReturnType<typeof cluster>;
    try {
      control = cluster();
    } catch {
      context.skip(); // no local cluster to restart (Postgres elsewhere)
      return;
    }
    running = await productionServer("deps", 3600);
    const { server, errorLines } = running;
    const serverPid = server.memory().serverPid;
    const { caller } = await syncingUser("deps-postgres");
    // One device per client: each has its own allowance of calls (600 a minute), which one device's four unpaced loops would use up.
    const devices = await Promise.all(Array.from({ length: WORKERS }, (_, worker) => connectDevice(caller, `deps-device-${worker}`)));
    // The raw HTTP answers, so each status is seen as the server sent it (the SDK would retry a 429).
    const call = async (worker: number, path: string, init: RequestInit) => {
      const started = performance.now();
      try {
        const response = await fetch(`${server.url}/api/trpc/${path}`, { ...init, headers: { authorization: `Bearer ${devices[worker]!.token}`, "content-type": "application/json", ...init.headers }, signal: AbortSignal.timeout(HUNG_MS) });
        await response.arrayBuffer();
        return { status: response.status, retryAfter: response.headers.get("retry-after"), ms: performance.now() - started };
      } catch (error) {
        return { status: error instanceof DOMException && error.name === "TimeoutError" ? -1 : 0, retryAfter: null, ms: performance.now() - started };
      }
    };
    const push = (worker: number) => call(worker, "sync.push", { method: "POST", body: JSON.stringify({ json: { idempotencyKey: randomUUID(), deviceId: devices[worker]!.deviceId, changes: [change(`deps-${randomUUID()}`, null, "while Postgres restarts")] } }) });
    const pull = (worker: number) => call(worker, `sync.pull?input=${encodeURIComponent(JSON.stringify({ json: { cursor: 0, limit: 50 } }))}`, { method: "GET" });

    const figure = await measured({ area: "Providers and engines", check: "Postgres restarted under load (pg_ctlcluster stop -m fast, then start) with the production server running", trials: "requests" }, async () => {
      const outcomes: Array<{ phase: "before" | "away" | "after"; status: number; retryAfter: string | null; what: string; ms: number }> = [];
      let phase: "before" | "away" | "after" = "before";
      let running = true;
      const healthDuringOutage: number[] = [];
      const workers = Array.from({ length: WORKERS }, async (_, worker) => {
        while (running) {
          const outcome = await (worker % 2 ? pull(worker) : push(worker));
          outcomes.push({ phase, status: outcome.status, retryAfter: outcome.retryAfter, what: worker % 2 ? "pull" : "push", ms: outcome.ms });
          if (outcome.status !== 200) await wait(100);
        }
      });
      await wait(2_000);
      const resumeThisProcess = await quietThisProcess();
      phase = "away";
      control("stop");
      const outageEnds = Date.now() + OUTAGE_MS;
      while (Date.now() < outageEnds) {
        healthDuringOutage.push((await fetch(`${server.url}/api/health`).catch(() => null))?.status ?? 0);
        await wait(500);
      }
      control("start");
      phase = "after";
      resumeThisProcess();
      // Recovered: every worker has had a 200 since Postgres came back, within 30 s.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && outcomes.filter((outcome) => outcome.phase === "after" && outcome.status === 200).length < WORKERS * 3) await wait(200);
      await wait(1_000);
      running = false;
      await Promise.all(workers);

      const before = outcomes.filter((outcome) => outcome.phase === "before");
      const away = outcomes.filter((outcome) => outcome.phase === "away");
      const after = outcomes.filter((outcome) => outcome.phase === "after");
      const unclean = away.filter((outcome) => outcome.status !== 200 && !(outcome.status === 503 && outcome.retryAfter));
      const recovered = after.slice(-WORKERS * 2).every((outcome) => outcome.status === 200);
      const health = healthDuringOutage.every((status) => status === 503);
      const samePid = server.memory().serverPid === serverPid;
      const beforeOk = before.every((outcome) => outcome.status === 200);
      const count = (list: typeof outcomes, status: number) => list.filter((outcome) => outcome.status === status).length;
      return {
        tried: outcomes.length,
        lost: unclean.length + (recovered ? 0 : 1) + (health ? 0 : 1) + (samePid ? 0 : 1) + (beforeOk ? 0 : 1) + errorLines.length,
        detail: `${WORKERS} clients pushing and pulling; before the stop ${count(before, 200)} of ${before.length} answered 200 (others: ${before.filter((outcome) => outcome.status !== 200).map((outcome) => outcome.status).join(", ") || "none"}); Postgres away ${OUTAGE_MS / 1000} s: ${away.length} requests then, ${count(away, 503)} answered 503 with Retry-After, ${count(away, 200)} 200 (in flight before the stop), ${unclean.length} other (500, hung or dropped); /api/health answered ${healthDuringOutage.join(", ")}; after the start, ${count(after, 200)} of ${after.length} answered 200 (not: ${after.filter((outcome) => outcome.status !== 200).map((outcome) => `${outcome.what} ${outcome.status} in ${Math.round(outcome.ms)} ms`).join(", ") || "none"}; slowest ${Math.round(Math.max(...outcomes.map((outcome) => outcome.ms)))} ms), the last ${WORKERS * 2} ${recovered ? "all" : "NOT all"} 200, from the same server process (${samePid ? "yes" : "NO"}); error lines in its log: ${errorLines.length}`,
      };
    });
    expect(errorLines).toEqual([]);
    expect(figure.lost, figure.detail).toBe(0);
  });
});
