import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { createTestDatabase } from "../bench/lib/database";
// The API as a signed-in person, over fetch only: these tests need no browser.
import { createUserWithDevices, sessionClient, type BenchUser } from "../bench/lib/setup";
import { freePort, killHard, standaloneBuilt, startServer, stopServer, type ServerData } from "./standalone-server";

/**
 * Durable jobs with the production server, killed with SIGKILL and started again on the same data:
 * an accepted event is kept, a durable sleep wakes on time, and a step completed before the kill is
 * not run again. The suite's own server (playwright.config.ts) has built .next/standalone by the
 * time these run; each test starts servers of its own, on a free port, because it kills them.
 * Their data is a fresh PGlite folder, or with E2E_DATABASE_URL (as for the suite's server) a fresh
 * database on that Postgres server, dropped at the end.
 */

const DATABASE_SERVER_URL = process.env.E2E_DATABASE_URL || undefined;

/** Where a server keeps its data, the same across its restarts. */
type Store = { data: ServerData; remove(): Promise<void> };

async function freshStore(label: string): Promise<Store> {
  const dataDir = mkdtempSync(join(tmpdir(), `devpulse-e2e-${label}-`));
  const removeFolder = () => rmSync(dataDir, { recursive: true, force: true });
  if (!DATABASE_SERVER_URL) return { data: { dataDir }, remove: async () => removeFolder() };
  const database = await createTestDatabase(DATABASE_SERVER_URL, label.replaceAll("-", "_"));
  // In production on a Postgres server the app asks for the secrets its instances share (src/server/env.ts).
  const secret = () => randomBytes(32).toString("base64");
  return {
    data: { env: { DATA_DIR: dataDir, DATABASE_URL: database.url, NEXTAUTH_SECRET: secret(), WEBHOOK_SECRET: secret(), TOKEN_ENCRYPTION_KEY: secret() } },
    async remove() {
      await database.drop();
      removeFolder();
    },
  };
}

/** A production server on its own port and data, started, killed and started again by the test; `close` leaves nothing behind. */
async function killableServer(label: string) {
  const store = await freshStore(label);
  const port = await freePort();
  const processes: ChildProcess[] = [];
  return {
    baseURL: `http://localhost:${port}`,
    /** Starts a server process on the same port and data; resolves once it is healthy. */
    async start() {
      const child = await startServer(port, store.data);
      processes.push(child);
      return child;
    },
    /** kill -9 of the running server process. */
    async kill() {
      await killHard(processes.at(-1)!);
    },
    async close() {
      for (const child of processes) await killHard(child);
      await store.remove();
    },
  };
}

type Api = ReturnType<typeof sessionClient>;

/** The signed-in user's runs of one job, as /settings/jobs shows them (jobs.runs). */
async function runsOf(api: Api, functionId: string) {
  return (await api.jobs.runs.query()).runs.filter((run) => run.functionId === functionId);
}

/** A user signed in over the API; the session outlives restarts (its secret is in the data folder, or the shared env on Postgres). */
async function signedIn(baseURL: string, label: string): Promise<{ user: BenchUser; api: Api }> {
  const user = await createUserWithDevices(baseURL, label, 0);
  return { user, api: sessionClient(baseURL, user.cookie) };
}

test.beforeEach(() => {
  test.skip(!standaloneBuilt(), "needs the standalone build (.next/standalone/server.js); the suite's web server builds it");
});

test("a data export asked for just before a kill -9 of the server is built after the restart", async () => {
  test.setTimeout(240_000);
  const server = await killableServer("kill-export");
  try {
    await server.start();
    const { api } = await signedIn(server.baseURL, "kill-export");

    const requested = await api.privacy.export.mutate({ format: "json" });
    await server.kill(); // right after the request was accepted: the job may not have started yet

    const restarted = await server.start();
    await expect
      .poll(async () => (await api.privacy.exports.query()).find((entry) => entry.id === requested.exportId)?.status, { timeout: 60_000 })
      .toBe("ready");
    expect((await api.privacy.exports.query()).filter((entry) => entry.id === requested.exportId)).toHaveLength(1);

    // A graceful stop: SIGTERM ends the server cleanly, well within the 10 s it gives running steps.
    const stoppedAt = Date.now();
    expect(await stopServer(restarted)).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(12_000);
  } finally {
    await server.close();
  }
});

/** How long the focus session lasts: long enough for a kill and a restart to happen inside it. */
const FOCUS_MS = 10_000;
/** A run due while the server is up starts within the engine's poll (1 s); the rest is the run itself. */
const ON_TIME_MS = 3_000;

test("a focus session's durable sleep survives a kill -9: the status is cleared once, when the session ends", async () => {
  test.setTimeout(240_000);
  const server = await killableServer("kill-focus");
  try {
    await server.start();
    const { api } = await signedIn(server.baseURL, "kill-focus");

    // The desktop app's heartbeat starts a focus session: the end-focus-session run sleeps until its end.
    const focusUntil = new Date(Date.now() + FOCUS_MS);
    await api.status.heartbeat.mutate({ activity: "focus", focusUntil });
    expect((await api.status.current.query()).status).toMatchObject({ templateKey: "focus", source: "heartbeat", focusUntil });
    await expect.poll(async () => (await runsOf(api, "end-focus-session")).map((run) => run.status)).toEqual(["sleeping"]);
    const [sleeping] = await runsOf(api, "end-focus-session");
    expect(sleeping!.nextAt).toEqual(focusUntil);

    await server.kill();
    const killedAt = Date.now();
    expect(killedAt).toBeLessThan(focusUntil.getTime()); // killed during the sleep
    await server.start();
    const restartedAt = Date.now();
    test.info().annotations.push({ type: "restart", description: `the restarted server was up ${focusUntil.getTime() - restartedAt} ms before the session's end` });
    if (restartedAt < focusUntil.getTime() - 500) {
      // Back before the session's end: the run still sleeps, the status still shows.
      expect((await runsOf(api, "end-focus-session")).map((run) => [run.status, run.nextAt])).toEqual([["sleeping", focusUntil]]);
      expect((await api.status.current.query()).status).toMatchObject({ templateKey: "focus" });
    }

    await expect.poll(async () => (await runsOf(api, "end-focus-session")).map((run) => run.status), { timeout: FOCUS_MS + 30_000 }).toEqual(["completed"]);
    // Exactly one run, completed once, by its step that cleared the status (a second clear would find nothing to clear).
    const [completed] = await runsOf(api, "end-focus-session");
    expect(completed).toMatchObject({ runId: sleeping!.runId, status: "completed", attempt: 0, error: null, output: { cleared: true } });
    // At the right time: not before the session's end, and as soon as a server was there to wake it.
    expect(completed!.finishedAt!.getTime()).toBeGreaterThanOrEqual(focusUntil.getTime());
    expect(completed!.finishedAt!.getTime()).toBeLessThan(Math.max(focusUntil.getTime(), restartedAt) + ON_TIME_MS);
    expect((await api.status.current.query()).status).toBeNull();
  } finally {
    await server.close();
  }
});

test("a scheduled status's completed steps are not run again after a kill -9 between two of them", async () => {
  test.setTimeout(240_000);
  const server = await killableServer("kill-schedule");
  try {
    await server.start();
    const { api } = await signedIn(server.baseURL, "kill-schedule");

    // run-status-schedule: read-schedule → sleep until the start → show → sleep until the end → clear.
    const schedule = await api.status.schedule.mutate({ template: "meeting", startAt: new Date(Date.now() + 3_000), durationMinutes: 1 });
    // Between "show" and "clear": the run sleeps until the schedule's end, and the status shows.
    await expect
      .poll(async () => (await runsOf(api, "run-status-schedule")).map((run) => [run.status, run.nextAt?.getTime()]), { timeout: 30_000 })
      .toEqual([["sleeping", schedule.endAt.getTime()]]);
    const [between] = await runsOf(api, "run-status-schedule");
    const shown = (await api.status.current.query()).status;
    expect(shown).toMatchObject({ templateKey: "meeting", source: "schedule", expiresAt: schedule.endAt });

    await server.kill();
    await server.start();

    // "show" happened once: the status is the one it showed, not shown again.
    expect((await api.status.current.query()).status).toMatchObject({ templateKey: "meeting", source: "schedule", changedAt: shown!.changedAt });
    // Every real step is safe to repeat, so a repeat would leave no second trace in the data. What tells is the
    // steps' results: the user now replaces the scheduled status (the schedule is over for them), so a fresh
    // "read-schedule" would find nothing to do ({ skipped: "cancelled" }) and a fresh "show" nothing shown
    // ({ skipped: "not shown" }); their results kept from before the kill carry the run on to "clear",
    // which leaves the user's own status alone ({ cleared: false }).
    await api.status.set.mutate({ template: "coding" });

    await expect.poll(async () => (await runsOf(api, "run-status-schedule")).map((run) => run.status), { timeout: 120_000 }).toEqual(["completed"]);
    const [completed] = await runsOf(api, "run-status-schedule");
    expect(completed).toMatchObject({ runId: between!.runId, status: "completed", error: null, output: { cleared: false } });
    expect(completed!.finishedAt!.getTime()).toBeGreaterThanOrEqual(schedule.endAt.getTime());
    expect((await api.status.current.query()).status).toMatchObject({ templateKey: "coding", source: "manual" });
  } finally {
    await server.close();
  }
});
