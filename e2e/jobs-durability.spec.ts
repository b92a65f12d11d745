import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
// The API as a signed-in person, over fetch only: this test needs no browser.
import { createUserWithDevices, sessionClient } from "../bench/lib/setup";

/**
 * "Accepted means kept", with the production server: a data export is asked for, the server is
 * killed with SIGKILL the moment the request is answered, and a new server process on the same
 * data folder finishes the export. The suite's own server (playwright.config.ts) has built
 * .next/standalone by the time this runs; this test starts a second one of its own, on a free
 * port and a fresh PGlite folder, because it kills it. At the end, SIGTERM stops the second one cleanly.
 */

const ROOT = resolve(import.meta.dirname, "..");
const STANDALONE = join(ROOT, ".next", "standalone");

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function startServer(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(STANDALONE, "server.js")], {
    cwd: STANDALONE,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      APP_URL: `http://localhost:${port}`,
      DATA_DIR: dataDir,
      PGLITE_DIR: join(dataDir, "pglite"),
      MIGRATIONS_DIR: join(ROOT, "drizzle"),
      LOG_LEVEL: "warn",
      // As scripts/start.mjs and the Dockerfile run it: the server handles SIGTERM itself.
      NEXT_MANUAL_SIG_HANDLE: "1",
    },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/api/health`).then((response) => response.ok, () => false);
    if (healthy) return child;
    if (Date.now() > deadline) throw new Error(`server not healthy within 120 s: ${stderr}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    child.once("exit", () => resolveExit());
    child.kill("SIGKILL");
  });
}

test("a data export asked for just before a kill -9 of the server is built after the restart", async () => {
  test.skip(!existsSync(join(STANDALONE, "server.js")), "needs the standalone build (.next/standalone/server.js); the suite's web server builds it");
  test.setTimeout(240_000);
  const dataDir = mkdtempSync(join(tmpdir(), "devpulse-e2e-kill-"));
  const port = await freePort();
  const baseURL = `http://localhost:${port}`;
  const servers: ChildProcess[] = [];
  try {
    servers.push(await startServer(port, dataDir));
    const { cookie } = await createUserWithDevices(baseURL, "kill-export", 0);
    const api = sessionClient(baseURL, cookie); // the session outlives the restart: its secret is in the data folder

    const requested = await api.privacy.export.mutate({ format: "json" });
    await killHard(servers[0]!); // right after the request was accepted: the job may not have started yet

    servers.push(await startServer(port, dataDir));
    await expect
      .poll(async () => (await api.privacy.exports.query()).find((entry) => entry.id === requested.exportId)?.status, { timeout: 60_000 })
      .toBe("ready");
    expect((await api.privacy.exports.query()).filter((entry) => entry.id === requested.exportId)).toHaveLength(1);

    // A graceful stop: SIGTERM ends the server cleanly, well within the 10 s it gives running steps.
    const stopping = servers[1]!;
    const stoppedAt = Date.now();
    const exit = new Promise<number | null>((resolveExit) => stopping.once("exit", (code) => resolveExit(code)));
    stopping.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(12_000);
  } finally {
    for (const server of servers) await killHard(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
