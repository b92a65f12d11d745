import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Files that never touch the suite's database (pure functions, the provider doubles on their own, a CLI on
 * a folder of its own). `npm test` runs two passes at once, on PGlite and on the Postgres server
 * (scripts/test.mjs, which names the pass in DEVPULSE_TEST_PASS): each of these runs in one of them, not
 * both, as the database is all that differs between the passes. A lone pass runs everything.
 */
const DATABASE_FREE = {
  inPglitePass: ["tests/unit/**/*.test.ts", "tests/integration/doubles-*.test.ts"],
  inPostgresPass: ["tests/integration/jobs-cli.test.ts"],
};
const pass = process.env.DEVPULSE_TEST_PASS;
const ranInTheOtherPass = pass === "postgres" ? DATABASE_FREE.inPglitePass : pass === "pglite-beside-postgres" ? DATABASE_FREE.inPostgresPass : [];

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["tests/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...ranInTheOtherPass],
    globalSetup: ["tests/support/global-setup.ts"],
    setupFiles: ["tests/support/setup.ts"],
    // Two workers, each one module graph whose files share one database (PGlite in memory, or a fresh
    // Postgres database per worker: global-setup.ts), opened once. Tests isolate by creating their own users.
    // Most of a file's time is spent waiting (on doubles, clocks, job runs): one worker per pass left a
    // core idle in CI. VITEST_WORKERS=1 runs the files one after another.
    maxWorkers: Number(process.env.VITEST_WORKERS ?? 2),
    isolate: false,
    // A hang detector: under CI's load (two passes of two workers beside the build) a test's first use of a lazily loaded
    // provider SDK or route can take several seconds.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
