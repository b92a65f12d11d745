import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort, startServer, type RunningServer } from "../../../bench/lib/server";
import { endRunsQueuedSince } from "../../support/job-runs";

const ROOT = new URL("../../..", import.meta.url).pathname;

/** What in the server's log means it failed: an error entry, Next's ⨯, or a crash. */
const FAILURE_LINE = /"level":"error"|⨯|unhandledRejection|uncaughtException|Maximum call stack/;

/**
 * The production build (`node scripts/start.mjs`, which builds first if the sources changed) on
 * the database this test process uses, with the error lines of its log collected. Each `start()`
 * starts it again on the same port and data folder (after a kill, say).
 *
 * Its job engine claims whatever runs are due in that database, like any instance. The runs earlier
 * trials left there were queued under their own environment (their provider doubles' addresses, this
 * process's token key), which the server does not have: they are ended before it starts.
 */
export async function productionServer(label: string, preferredPort: number) {
  await endRunsQueuedSince(new Date(0));
  const errorLines: string[] = [];
  const port = await findFreePort(preferredPort);
  const env = { DATABASE_URL: process.env.DATABASE_URL!, DATA_DIR: mkdtempSync(join(tmpdir(), `devpulse-${label}-`)), LOG_LEVEL: "warn", NEXTAUTH_SECRET: randomBytes(32).toString("base64") };
  const holder: { server?: RunningServer } = {};
  const start = async () => {
    holder.server = await startServer({ root: ROOT, port, env, onLine: (line) => void (FAILURE_LINE.test(line) && errorLines.push(line.slice(0, 300))) });
    return holder.server;
  };
  await start();
  return {
    get server() {
      return holder.server!;
    },
    start,
    errorLines,
    stop: () => holder.server?.stop(),
  };
}
