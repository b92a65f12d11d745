import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll } from "vitest";
import { workerDatabaseUrl } from "./database-url";

// Runs before every test file, in its worker (each worker's files share one module graph). getEnv() caches the first read.
const databaseUrl = workerDatabaseUrl();
if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
else {
  delete process.env.DATABASE_URL;
  process.env.PGLITE_DIR = "memory://";
}
process.env.DATA_DIR ??= mkdtempSync(join(tmpdir(), "devpulse-test-"));
process.env.LOG_LEVEL ??= "silent";
process.env.LOGIN_MAX_FAILURES_PER_IP ??= "10"; // default 30; fewer keeps the lockout test quick
process.env.LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_DAY ??= "12"; // default 100; likewise
process.env.APP_URL ??= "http://localhost:3000";

// Jobs sent in tests run in-process; retries wait milliseconds instead of seconds.
const { testJobRunner } = await import("./job-runs");
const { useJobRunner } = await import("~/server/jobs/send");
const testRunner = globalThis as typeof globalThis & { __devpulseTestRunnerInstalled?: boolean };
if (!testRunner.__devpulseTestRunnerInstalled) {
  useJobRunner(testJobRunner());
  testRunner.__devpulseTestRunnerInstalled = true;
}

// The worker's database is opened (and migrated) before its first file's tests, within a hook's time (60 s):
// under CI's load the first open took longer than a test may, in whichever test came first. Later files find it open.
beforeAll(async () => {
  const { getDb } = await import("~/server/db/client");
  await getDb();
});

// Passwords are hashed at a sixty-fourth of the production cost (scrypt N = 2^9, not 2^15): the suite signs up
// over a thousand users per pass, and at the production cost's quarter of a second of CPU each they were a large share of it. password.test.ts
// covers the production cost.
const { PASSWORD_HASHING } = await import("~/server/auth/password");
PASSWORD_HASHING.N = 2 ** 9;

// GitHub asks for a second between one token's writes (RESILIENCE.writeSpacingMs), and a connection creates a
// webhook per administered repository: the suite's connections waited two seconds each for it. The spacing
// itself is tested at a shorter value in integrations-github.
const { RESILIENCE } = await import("~/server/integrations/resilience");
RESILIENCE.writeSpacingMs = 5;

// Every run a file queued and left unfinished (a rate-limited notice, a webhook retry, a status sleeping until
// a session's end, a sync waiting out a fault) is that file's business: ended when it is done. Left behind, the
// runner's idle() in later files waited for them (a connect in chat-discord-provider took 29 s instead of 1 s),
// and the runner ran them against doubles that were gone.
const fileStarted = new Date();
const { afterAll } = await import("vitest");
afterAll(async () => {
  const { endRunsQueuedSince } = await import("./job-runs");
  await endRunsQueuedSince(fileStarted);
  // The suite's runner never runs the cron schedules: at the next full hour they would sync every integration
  // the suite's users ever connected, under whichever file runs then (CI failed at 22:00 once this way).
  const { getJobRunner } = await import("~/server/jobs/send");
  const scheduled = Object.keys(getJobRunner().nextScheduledRuns());
  if (scheduled.length > 0) {
    throw new Error(`this file left the suite's job runner running its cron schedules (${scheduled.join(", ")}): restart it with restartSuiteJobRunner() (tests/support/job-runs.ts), which never starts them`);
  }
});
