#!/usr/bin/env node
// `npm test`: the whole suite.
//   1. the type check then the production build, beside Vitest unit + integration tests on embedded
//      PGlite and, when TEST_DATABASE_URL is set, on a real Postgres server (a fresh database per run;
//      the files that never touch the database then run in one of the two passes);
//   2. Playwright end-to-end tests in Debian's Chromium against the built server, on PGlite;
//      with TEST_DATABASE_URL, half of them (by file) on PGlite and the other half on Postgres.
// Each Vitest pass runs on two workers, each with a database of its own (most of a file's time is waiting);
// each Playwright half on one worker, its server's database shared by its tests (the browser keeps a core busy); and
// the two passes of a step run at once (CI must stay under 30 minutes on two cores). Their output
// is kept per pass and printed whole as each one finishes.
// Ends with the time each pass took and one summary line: "N passed, N failed, N skipped".
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
const timings = [];

/** Runs one pass with its output in test-results/<name>.log, printed whole when it ends. */
function run(label, name, command, args, env) {
  const started = Date.now();
  const logFile = join(reports, `${name}.log`);
  console.log(`▶ ${label} (output: test-results/${name}.log)`);
  return new Promise((resolve) => {
    const log = createWriteStream(logFile);
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("close", (code) => {
      log.end(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        timings.push({ label, seconds });
        console.log(`\n━━━ ${label}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds} s ━━━`);
        process.stdout.write(readFileSync(logFile));
        if (code !== 0) failures.push(label);
        resolve(code === 0);
      });
    });
  });
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

async function vitest(label, name, env) {
  const output = join(reports, `vitest-${name}.json`);
  rmSync(output, { force: true });
  await run(label, `vitest-${name}`, bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${output}`], env);
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

async function playwright(label, name, env, shard) {
  const output = join(reports, `e2e-${name}.json`);
  rmSync(output, { force: true });
  const dataDir = mkdtempSync(join(tmpdir(), "devpulse-e2e-"));
  try {
    const port = String(await freePort());
    await run(label, `e2e-${name}`, bin("playwright"), ["test", ...(shard ? [`--shard=${shard}`] : [])], {
      ...env,
      PLAYWRIGHT_JSON_OUTPUT_FILE: output,
      E2E_OUTPUT_DIR: join(reports, `e2e-${name}`),
      E2E_DATA_DIR: dataDir,
      E2E_PORT: port,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  countPlaywright(output);
}

async function playwrightOnPostgres(label, env, shard) {
  const database = await createTestDatabase(serverUrl, "e2e");
  try {
    await playwright(label, "postgres", { ...env, E2E_DATABASE_URL: database.url }, shard);
  } finally {
    await database.drop();
  }
}

const began = Date.now();
if (!serverUrl) console.log("TEST_DATABASE_URL is not set: skipping the Postgres-server passes.");

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const browserSuite = existsSync(chromium);

/**
 * The type check (of everything, the app's route types included: `next typegen` writes them first), then
 * the production build the browser suites need, told not to type-check the app again when tsc found
 * nothing. Both run beside the Vitest passes, whose first minutes mostly wait on clocks and sockets.
 */
async function typecheckThenBuild() {
  const typechecked = await run("typecheck (tsc --noEmit)", "typecheck", "sh", ["-c", `"${bin("next")}" typegen > /dev/null && "${bin("tsc")}" --noEmit -p .`], baseEnv);
  if (!browserSuite) return true;
  const env = { ...baseEnv, ...(typechecked ? { DEVPULSE_TYPECHECKED: "1" } : {}) };
  return run("production build (for the browser suites)", "build", process.execPath, [join(root, "scripts", "start.mjs"), "--build-only"], env);
}

// Step 1: the type check and the build, beside both Vitest passes. With two passes, the files that never
// touch the database run in one of them only (DEVPULSE_TEST_PASS, read by vitest.config.mts).
const [built] = await Promise.all([
  typecheckThenBuild(),
  vitest("vitest · PGlite (embedded)", "pglite", serverUrl ? { ...baseEnv, DEVPULSE_TEST_PASS: "pglite-beside-postgres" } : baseEnv),
  serverUrl ? vitest("vitest · Postgres server", "postgres", { ...baseEnv, TEST_DATABASE_URL: serverUrl, DEVPULSE_TEST_PASS: "postgres" }) : null,
]);

// Step 2: both browser suites against their own servers, on the build of step 1.
if (!browserSuite) {
  const message = `Chromium not found at ${chromium}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH).`;
  if (process.env.CI) {
    console.error(`\n${message} In CI a skipped browser suite is a failure.`);
    failures.push("e2e (no browser)");
  } else {
    console.warn(`\n${message} Skipping the browser suite.`);
  }
} else if (built) {
  // (A failed build is already among the failures: there is nothing to serve the browser suites.)
  const e2eEnv = { ...baseEnv, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" };
  // With the Postgres server, the browser suite is split in two halves by file (Playwright's shards), one per
  // database, run at once: every browser test runs once and both databases serve the browser. Each test running
  // on both doubled the CPU on two cores and put CI over 30 minutes; the Vitest passes both run every test that
  // touches the database.
  if (serverUrl)
    await Promise.all([
      playwright("playwright · PGlite server (first half)", "pglite", e2eEnv, "1/2"),
      playwrightOnPostgres("playwright · Postgres server (second half)", e2eEnv, "2/2"),
    ]);
  else await playwright("playwright · PGlite server", "pglite", e2eEnv);
}

console.log("\nTime per pass (passes of one step run at once):");
for (const { label, seconds } of timings) console.log(`  ${String(seconds).padStart(5)} s  ${label}`);
console.log(`  ${String(Math.round((Date.now() - began) / 1000)).padStart(5)} s  in all`);
console.log(`\n${failures.length ? `Failed: ${failures.join("; ")}` : "All suites passed."}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length || totals.failed ? 1 : 0);
