import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type DbOrTx } from "~/server/db/client";
import { applyMigrations } from "~/server/db/migrate";
import { jobRuns, users } from "~/server/db/schema";
import { insertRun } from "../support/job-run-rows";

// The operators' CLI on a PGlite folder of its own, in child processes: it never touches the suite's
// database, so with two Vitest passes (scripts/test.mjs) it runs in one of them (vitest.config.mts).
describe("npm run jobs (operators' CLI)", () => {
  const folder = mkdtempSync(join(tmpdir(), "devpulse-jobs-cli-"));
  const dataDir = join(folder, "pglite");
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  function cli(...args: string[]) {
    return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/jobs.ts", ...args], {
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PGLITE_DIR: dataDir, DATA_DIR: folder, LOG_LEVEL: "silent" },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  /** The folder as the server would hold it, opened and closed before the CLI runs (one process per folder). */
  async function withFolder<T>(use: (db: DbOrTx) => Promise<T>): Promise<T> {
    const handle = await openDatabase({ driver: "pglite", dataDir });
    try {
      await applyMigrations(handle);
      return await use(handle.db);
    } finally {
      await handle.close();
    }
  }

  it("lists, retries and cancels runs, and refuses bad arguments and a folder in use", { timeout: 180_000 }, async () => {
    const { failed, sleeping, completed } = await withFolder(async (db) => {
      const [user] = await db.insert(users).values({ email: `cli-${randomUUID()}@example.test` }).returning({ id: users.id });
      return {
        failed: await insertRun(db, user!.id, "failed"),
        sleeping: await insertRun(db, null, "sleeping"),
        completed: await insertRun(db, user!.id, "completed"),
      };
    });

    const all = await cli("list");
    expect(all.status, all.stderr).toBe(0);
    const lines = all.stdout.split("\n");
    expect(lines[0]).toMatch(/^RUN ID\s+JOB\s+STATUS\s+ATTEMPT\s+NEXT AT\s+STARTED\s+FINISHED\s+USER\s+ERROR$/);
    for (const runId of [failed, sleeping, completed]) expect(all.stdout).toContain(runId);
    expect(lines.find((line) => line.startsWith(failed))).toMatch(/failed\s+4\/5 .*GitHub answered 502 Bad Gateway$/);
    expect(lines.find((line) => line.startsWith(sleeping))).toContain("(system)");

    const onlyFailed = await cli("list", "--status", "failed");
    expect(onlyFailed.status, onlyFailed.stderr).toBe(0);
    expect(onlyFailed.stdout).toContain(failed);
    expect(onlyFailed.stdout).not.toContain(completed);

    const retried = await cli("retry", failed);
    expect(retried.status, retried.stderr).toBe(0);
    expect(retried.stdout).toContain("queued again");
    const cancelled = await cli("cancel", sleeping);
    expect(cancelled.status, cancelled.stderr).toBe(0);
    const notRetryable = await cli("retry", completed);
    expect(notRetryable.status).toBe(1);
    expect(notRetryable.stderr).toContain("Only a failed or cancelled run can be retried");

    const rows = await withFolder((db) => db.select({ runId: jobRuns.runId, status: jobRuns.status, attempt: jobRuns.attempt }).from(jobRuns));
    expect(rows).toEqual(
      expect.arrayContaining([
        { runId: failed, status: "queued", attempt: 0 },
        { runId: sleeping, status: "cancelled", attempt: 0 },
        { runId: completed, status: "completed", attempt: 0 },
      ]),
    );

    // Refused before the folder is opened, so they can run side by side (each is a process start).
    const badArguments = [[], ["list", "--status", "done"], ["retry"], ["cancel", "a", "b"], ["drop"], ["list", "--bogus"]];
    const refusals = await Promise.all(badArguments.map((args) => cli(...args)));
    refusals.forEach((bad, index) => {
      expect(bad.status, badArguments[index]!.join(" ")).toBe(2);
      expect(bad.stderr).toContain("Usage:");
    });

    // While a server holds the folder, PGlite keeps its postmaster.pid there: the CLI does not open it.
    writeFileSync(join(dataDir, "postmaster.pid"), "-42\n");
    const inUse = await cli("list");
    expect(inUse.status).toBe(1);
    expect(inUse.stderr).toMatch(/in use.*Stop the server/s);
  });
});
