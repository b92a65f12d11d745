import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
// The API as a signed-in person, over fetch only: this test needs no browser.
import { createUserWithDevices, sessionClient } from "../bench/lib/setup";
import { freePort, killHard, standaloneBuilt, startServer, stopServer } from "./standalone-server";

/**
 * "Accepted means kept", with the production server: a data export is asked for, the server is
 * killed with SIGKILL the moment the request is answered, and a new server process on the same
 * data folder finishes the export. The suite's own server (playwright.config.ts) has built
 * .next/standalone by the time this runs; this test starts a second one of its own, on a free
 * port and a fresh PGlite folder, because it kills it. At the end, SIGTERM stops the second one cleanly.
 */

test("a data export asked for just before a kill -9 of the server is built after the restart", async () => {
  test.skip(!standaloneBuilt(), "needs the standalone build (.next/standalone/server.js); the suite's web server builds it");
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
    const stoppedAt = Date.now();
    expect(await stopServer(servers[1]!)).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(12_000);
  } finally {
    for (const server of servers) await killHard(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
