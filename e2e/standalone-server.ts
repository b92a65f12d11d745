import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

/**
 * A second production server for specs that must stop or kill one: the suite's own server
 * (playwright.config.ts) has built .next/standalone by the time a spec runs; these start
 * that build again on a port and a PGlite folder of their own.
 */

const ROOT = resolve(import.meta.dirname, "..");
const STANDALONE = join(ROOT, ".next", "standalone");

/** Whether the suite's web server has built the standalone server yet. */
export const standaloneBuilt = () => existsSync(join(STANDALONE, "server.js"));

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Where a server keeps its data: a PGlite folder, or `DATABASE_URL` and the secrets production on Postgres asks for. */
export type ServerData = { dataDir: string } | { env: Record<string, string> };

const dataEnv = (data: ServerData) => ("dataDir" in data ? { DATA_DIR: data.dataDir, PGLITE_DIR: join(data.dataDir, "pglite") } : data.env);

/** Starts the standalone server on `port` with its data (the same across restarts) and any `settings` of its own, and waits until it is healthy. */
export async function startServer(port: number, data: ServerData, settings: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(STANDALONE, "server.js")], {
    cwd: STANDALONE,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      APP_URL: `http://localhost:${port}`,
      MIGRATIONS_DIR: join(ROOT, "drizzle"),
      LOG_LEVEL: "warn",
      // As scripts/start.mjs and the Dockerfile run it: the server handles SIGTERM itself.
      NEXT_MANUAL_SIG_HANDLE: "1",
      ...dataEnv(data),
      ...settings,
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

/** SIGTERM, as a deploy stops it: the server finishes what runs, closes its database and exits with its own code. */
export function stopServer(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => {
    child.once("exit", (code) => resolveExit(code));
    child.kill("SIGTERM");
  });
}

export function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    child.once("exit", () => resolveExit());
    child.kill("SIGKILL");
  });
}
