import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests against the real production server in sandbox mode
 * (`npm run sandbox`: `npm start` — build if needed, migrate, serve — with GitHub and
 * GitLab replaced by the local doubles) on its own port and its own fresh data folder,
 * in Debian's Chromium (no browser downloads here). E2E_DATABASE_URL switches the
 * server to a Postgres database instead of embedded PGlite.
 */
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "devpulse-e2e-"));
process.env.E2E_BASE_URL = baseURL;
/** The sandbox's webhook receiver (a user's own endpoint), on a port the specs know. */
const webhookReceiverPort = Number(process.env.E2E_WEBHOOK_RECEIVER_PORT ?? port + 1000);
process.env.E2E_WEBHOOK_RECEIVER_URL = `http://127.0.0.1:${webhookReceiverPort}`;
/** The sandbox's primary email provider stand-in (Resend): the specs read the mail it accepted. */
const resendPort = Number(process.env.E2E_RESEND_PORT ?? port + 2000);
process.env.E2E_RESEND_URL = `http://127.0.0.1:${resendPort}`;
/** The page listing the mail the sandbox's SMTP double (the secondary provider) accepted. */
const smtpInboxPort = Number(process.env.E2E_SMTP_INBOX_PORT ?? port + 2001);
process.env.E2E_SMTP_INBOX_URL = `http://127.0.0.1:${smtpInboxPort}`;

export default defineConfig({
  testDir: "e2e",
  // Per run: the test runner runs the PGlite and Postgres suites at once, and each cleans its own folder.
  outputDir: process.env.E2E_OUTPUT_DIR ?? "test-results/e2e",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_FILE ?? "test-results/e2e-report.json" }]],
  use: {
    baseURL,
    screenshot: "only-on-failure",
    // DOM snapshots and the network on failure, but no screencast: recording frames of every test kept
    // Chromium's GPU and browser processes busy (in a CI run they used three times the CPU of both servers).
    // E2E_TRACE=off (.ci/run) records none: the snapshots alone cost a fifth of the browser suite's CPU.
    trace: process.env.E2E_TRACE === "off" ? "off" : { mode: "retain-on-failure", screenshots: false, snapshots: true, sources: false },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
  },
  webServer: {
    command: "node --import tsx scripts/sandbox.ts",
    url: `${baseURL}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(port),
      APP_URL: baseURL,
      DATA_DIR: process.env.E2E_DATA_DIR,
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
      LOG_LEVEL: "warn",
      // The sandbox pushes a commit to the demo repository this often (webhook → live update). Each push
      // reaches every test user still connected to the demo account, so a short interval loads the whole suite.
      SANDBOX_PUSH_INTERVAL_MS: "10000",
      SANDBOX_WEBHOOK_RECEIVER_PORT: String(webhookReceiverPort),
      SANDBOX_RESEND_PORT: String(resendPort),
      SANDBOX_SMTP_INBOX_PORT: String(smtpInboxPort),
    },
  },
});
