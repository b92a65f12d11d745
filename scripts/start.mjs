#!/usr/bin/env node
// `npm start`: build if the sources changed since the last build, then serve the
// standalone server, the same one the Docker image runs. Migrations run inside the
// server at start-up (src/instrumentation.ts).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { getHeapStatistics } from "node:v8";
import { serverHeapFlags } from "./server-heap.mjs";

const root = new URL("..", import.meta.url).pathname;
const buildId = join(root, ".next", "BUILD_ID");
const inputs = ["src", "drizzle", "public", "patches", "package.json", "package-lock.json", "next.config.mjs", "postcss.config.mjs", "tsconfig.json"];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
const sourcesAt = Math.max(...inputs.map((input) => newestMtime(join(root, input))));
if (builtAt < sourcesAt || process.env.FORCE_BUILD === "1") {
  console.log(builtAt ? "Sources changed since the last build: rebuilding…" : "No build yet: building (about a minute)…");
  const build = spawnSync(process.execPath, [join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The standalone server serves static assets only from its own folder (see Dockerfile). Copied
// once per build, so a second server started from the same build (the test runner starts two at
// once) never removes the files the first is serving.
const standalone = join(root, ".next", "standalone");
const copiedFor = join(standalone, ".static-build-id");
const currentBuild = readFileSync(buildId, "utf8");
if (!existsSync(copiedFor) || readFileSync(copiedFor, "utf8") !== currentBuild) {
  rmSync(join(standalone, ".next", "static"), { recursive: true, force: true });
  cpSync(join(root, ".next", "static"), join(standalone, ".next", "static"), { recursive: true });
  if (existsSync(join(root, "public"))) cpSync(join(root, "public"), join(standalone, "public"), { recursive: true });
  writeFileSync(copiedFor, currentBuild);
}
// `npm start -- --build-only`: build and prepare, serve nothing (the test runner, before its servers).
if (process.argv.includes("--build-only")) process.exit(0);

const heapFlags = serverHeapFlags(process.env.NODE_OPTIONS, getHeapStatistics().heap_size_limit / 1048576);

const port = process.env.PORT ?? "3000";
const server = spawn(process.execPath, [...heapFlags, join(standalone, "server.js")], {
  cwd: standalone,
  stdio: "inherit",
  env: {
    ...process.env,
    PORT: port,
    // server.js changes directory to its own folder: pin paths relative to the project.
    HOSTNAME: process.env.HOST ?? "0.0.0.0",
    DATA_DIR: resolve(root, process.env.DATA_DIR ?? ".data"),
    ...(process.env.PGLITE_DIR && !process.env.PGLITE_DIR.startsWith("memory://") ? { PGLITE_DIR: resolve(root, process.env.PGLITE_DIR) } : {}),
    MIGRATIONS_DIR: process.env.MIGRATIONS_DIR ?? join(root, "drizzle"),
    // The server handles SIGTERM itself: requests and background steps get to finish (src/server/shutdown.ts).
    NEXT_MANUAL_SIG_HANDLE: "1",
  },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
