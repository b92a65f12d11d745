#!/usr/bin/env node
// `npm test`: the whole suite.
//   1. Vitest unit + integration tests on embedded PGlite;
//   2. again on a real Postgres server when TEST_DATABASE_URL is set (fresh database per run);
//   3. Playwright end-to-end tests in Debian's Chromium against the built server,
//      on PGlite and, with TEST_DATABASE_URL, on Postgres.
// A type error fails the run too (and would fail `next build`).
// Ends with one summary line: "N passed, N failed, N skipped".
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase } from "./lib/test-database.mjs";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const reports = join(root, "test-results");
mkdirSync(reports, { recursive: true });

const serverUrl = process.env.TEST_DATABASE_URL;
const baseEnv = { ...process.env };
delete baseEnv.TEST_DATABASE_URL;
delete baseEnv.DATABASE_URL; // never let a developer's own database leak into tests

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, command, args, env) {
  console.log(`\n━━━ ${label} ━━━`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) failures.push(label);
  return result.status === 0;
}

function countVitest(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, "utf8"));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}

function countPlaywright(file) {
  if (!existsSync(file)) return;
  const { stats } = JSON.parse(readFileSync(file, "utf8"));
  totals.passed += stats.expected + stats.flaky;
  totals.failed += stats.unexpected;
  totals.skipped += stats.skipped;
}

function vitest(label, name, env) {
  const output = join(reports, `vitest-${name}.json`);
  rmSync(output, { force: true });
  run(label, bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${output}`], env);
  countVitest(output);
}

/** A port nothing listens on right now, so the e2e server never collides with another run. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function playwright(label, name, env) {
  const output = join(reports, `e2e-${name}.json`);
  rmSync(output, { force: true });
  const dataDir = mkdtempSync(join(tmpdir(), "devpulse-e2e-"));
  try {
    const port = process.env.E2E_PORT ?? String(await freePort());
    run(label, bin("playwright"), ["test"], { ...env, PLAYWRIGHT_JSON_OUTPUT_FILE: output, E2E_DATA_DIR: dataDir, E2E_PORT: port });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  countPlaywright(output);
}

run("typecheck (tsc --noEmit)", bin("tsc"), ["--noEmit", "-p", "."], baseEnv);
vitest("vitest · PGlite (embedded)", "pglite", baseEnv);
if (serverUrl) vitest("vitest · Postgres server", "postgres", { ...baseEnv, TEST_DATABASE_URL: serverUrl });
else console.log("\nTEST_DATABASE_URL is not set: skipping the Postgres-server run of the Vitest suite.");

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  const message = `Chromium not found at ${chromium}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH).`;
  if (process.env.CI) {
    console.error(`\n${message} In CI a skipped browser suite is a failure.`);
    failures.push("e2e (no browser)");
  } else {
    console.warn(`\n${message} Skipping the browser suite.`);
  }
} else {
  const e2eEnv = { ...baseEnv, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" };
  await playwright("playwright · PGlite server", "pglite", e2eEnv);
  if (serverUrl) {
    const database = await createTestDatabase(serverUrl, "e2e");
    try {
      await playwright("playwright · Postgres server", "postgres", { ...e2eEnv, E2E_DATABASE_URL: database.url });
    } finally {
      await database.drop();
    }
  }
}

console.log(`\n${failures.length ? `Failed: ${failures.join("; ")}` : "All suites passed."}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length || totals.failed ? 1 : 0);
