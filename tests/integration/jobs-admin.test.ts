import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { describeRunState } from "~/components/jobs/run-state";
import { getDb, openDatabase, type DbOrTx } from "~/server/db/client";
import { applyMigrations } from "~/server/db/migrate";
import { jobRuns, jobSteps, users, type JobRunStatus } from "~/server/db/schema";
import { DEFAULT_RETRIES } from "~/server/jobs/define-job";
import { cancelJobRun, retryJobRun } from "~/server/jobs/runs";
import { createJobSender, getJobRunner } from "~/server/jobs/send";
import { errorOf, signedUpUser } from "../support/callers";
import { useInngestDouble } from "../support/inngest";
import { listenRealtime } from "../support/realtime";

const inngest = useInngestDouble();

/**
 * Rows are written directly, as the engine would leave them. Their job is one no engine runs
 * (not in jobFunctions), so a requeued run stays as the retry left it while the test looks at it.
 */
const TEST_JOB = "test-admin-job";

type RunRow = typeof jobRuns.$inferInsert;

async function insertRun(db: DbOrTx, userId: string | null, status: JobRunStatus, extra: Partial<RunRow> = {}) {
  const runId = randomUUID();
  const finished = ["completed", "failed", "cancelled"].includes(status);
  await db.insert(jobRuns).values({
    runId,
    userId,
    functionId: TEST_JOB,
    eventName: "sync/history.trim-requested",
    status,
    attempt: status === "failed" ? 3 : 0,
    error: status === "failed" ? "GitHub answered 502 Bad Gateway" : null,
    startedAt: new Date(Date.now() - 60_000),
    finishedAt: finished ? new Date(Date.now() - 30_000) : null,
    event: { name: "sync/history.trim-requested", data: { userId }, id: `event-${runId}`, ts: Date.now() - 60_000 },
    leaseOwner: status === "running" ? "host:1:abc" : null,
    leaseUntil: status === "running" ? new Date(Date.now() + 30_000) : null,
    nextAt: finished ? null : new Date(Date.now() + 60_000),
    ...extra,
  });
  return runId;
}

async function rowOf(runId: string) {
  const [row] = await (await getDb()).select().from(jobRuns).where(eq(jobRuns.runId, runId));
  return row!;
}

describe("jobs.retry", () => {
  it("requeues the caller's own failed run with a fresh retry budget and keeps its completed steps", async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("retry-own");
    const runId = await insertRun(db, user.id, "failed", { leaseOwner: "host:1:gone", leaseUntil: new Date(Date.now() - 1000) });
    await db.insert(jobSteps).values([
      { runId, stepKey: "load", output: { rows: 3 } },
      { runId, stepKey: "write", output: null },
    ]);
    const { heard, stop } = listenRealtime(user.id);

    const before = Date.now();
    const retried = await caller.jobs.retry({ runId });
    stop();

    expect(retried).toMatchObject({ runId, engine: "in-process", outcome: "requeued" });
    const row = await rowOf(runId);
    expect(row).toMatchObject({ status: "queued", attempt: 0, error: null, finishedAt: null, leaseOwner: null, leaseUntil: null });
    expect(row.nextAt!.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(row.nextAt!.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
    const steps = await db.select({ stepKey: jobSteps.stepKey, output: jobSteps.output }).from(jobSteps).where(eq(jobSteps.runId, runId));
    expect(steps.sort((a, b) => a.stepKey.localeCompare(b.stepKey))).toEqual([
      { stepKey: "load", output: { rows: 3 } },
      { stepKey: "write", output: null },
    ]);
    expect(heard).toContainEqual({ userId: user.id, event: "job:run_updated", payload: { runId } });

    const { runs } = await caller.jobs.runs();
    expect(runs.find((run) => run.runId === runId)).toMatchObject({ status: "queued", attempt: 0, error: null, maxAttempts: DEFAULT_RETRIES + 1 });
  });

  it("answers another user's run as not found and leaves it untouched", async () => {
    const db = await getDb();
    const owner = await signedUpUser("retry-owner");
    const intruder = await signedUpUser("retry-intruder");
    const runId = await insertRun(db, owner.user.id, "failed");
    const before = await rowOf(runId);

    const error = await errorOf(() => intruder.caller.jobs.retry({ runId }));

    expect(error.code).toBe("NOT_FOUND");
    expect(await errorOf(() => intruder.caller.jobs.retry({ runId: randomUUID() }))).toMatchObject({ code: "NOT_FOUND", message: error.message });
    expect(await rowOf(runId)).toEqual(before);
    expect((await intruder.caller.jobs.runs()).runs.map((run) => run.runId)).not.toContain(runId);
  });

  it("refuses a run that did not fail as a conflict, and a system run as not found", async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("retry-conflict");
    for (const status of ["completed", "running", "sleeping"] as const) {
      const runId = await insertRun(db, user.id, status);
      const before = await rowOf(runId);
      const error = await errorOf(() => caller.jobs.retry({ runId }));
      expect(error.code, status).toBe("CONFLICT");
      expect(error.message).toContain(status);
      expect(await rowOf(runId)).toEqual(before);
    }
    const systemRun = await insertRun(db, null, "failed");
    expect((await errorOf(() => caller.jobs.retry({ runId: systemRun }))).code).toBe("NOT_FOUND");
    expect((await errorOf(() => caller.jobs.retry({ runId: "" }))).code).toBe("BAD_REQUEST");
  });

  it("requeues a run once when two retries arrive together", async () => {
    const db = await getDb();
    const { user, caller } = await signedUpUser("retry-twice");
    const runId = await insertRun(db, user.id, "failed");

    const results = await Promise.allSettled([caller.jobs.retry({ runId }), caller.jobs.retry({ runId })]);

    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as { code: string }).code).toBe("CONFLICT");
    expect((await rowOf(runId)).status).toBe("queued");
  });

  it("on Inngest, sends the run's trigger event again (without its old id) and leaves the old run as it ended", async () => {
    const db = await getDb();
    const { user } = await signedUpUser("retry-inngest");
    const runId = await insertRun(db, user.id, "failed");
    const before = await rowOf(runId);
    const sender = createJobSender({ mode: "inngest", inngest: () => inngest.client, runner: getJobRunner });

    const retried = await retryJobRun(db, { runId, userId: user.id }, { mode: "inngest", send: (event) => sender.send(event) });

    expect(retried).toMatchObject({ runId, engine: "inngest", outcome: "resent" });
    expect(retried.eventIds).toHaveLength(1);
    const sent = inngest.double.events.at(-1)!;
    expect(sent).toMatchObject({ name: "sync/history.trim-requested", data: { userId: user.id } });
    expect(sent.id).not.toBe(`event-${runId}`);
    expect(await rowOf(runId)).toEqual(before);
  });
});

describe("cancelJobRun (operators)", () => {
  it("cancels an unfinished run for good, and leaves a finished one as it is", async () => {
    const db = await getDb();
    const { user } = await signedUpUser("cancel");
    const sleeping = await insertRun(db, user.id, "sleeping");
    const running = await insertRun(db, user.id, "running");
    const completed = await insertRun(db, user.id, "completed");
    const { heard, stop } = listenRealtime(user.id);

    expect(await cancelJobRun(db, sleeping)).toEqual({ cancelled: true, status: "cancelled" });
    expect(await cancelJobRun(db, running)).toEqual({ cancelled: true, status: "cancelled" });
    stop();
    for (const runId of [sleeping, running]) {
      const row = await rowOf(runId);
      expect(row).toMatchObject({ status: "cancelled", nextAt: null, leaseOwner: null, leaseUntil: null });
      expect(row.finishedAt).toBeInstanceOf(Date);
    }
    expect(heard.map((message) => message.payload)).toEqual([{ runId: sleeping }, { runId: running }]);

    const before = await rowOf(completed);
    expect(await cancelJobRun(db, completed)).toEqual({ cancelled: false, status: "completed" });
    expect(await rowOf(completed)).toEqual(before);
    expect(await cancelJobRun(db, randomUUID())).toBeNull();

    // A cancelled run may be run again by an operator.
    expect(await retryJobRun(db, { runId: sleeping, operator: true }, { mode: "in-process", send: () => Promise.reject(new Error("not used")) })).toMatchObject({
      outcome: "requeued",
    });
    expect((await rowOf(sleeping)).status).toBe("queued");
  });
});

describe("the run state in words", () => {
  const now = new Date("2026-03-03T15:00:00Z");
  const state = (status: string, extra: { attempt?: number; nextAt?: Date | null; waitEvent?: string | null } = {}) =>
    describeRunState({ status, attempt: 0, maxAttempts: 5, nextAt: null, waitEvent: null, ...extra }, now, "UTC").label;

  it("says when a run continues and which attempt comes next", () => {
    expect(state("queued", { nextAt: now })).toBe("Queued");
    expect(state("running")).toBe("Running");
    expect(state("running", { attempt: 2 })).toBe("Running (attempt 3 of 5)");
    expect(state("sleeping", { nextAt: new Date("2026-03-03T15:30:00Z") })).toBe("Sleeping until 15:30");
    expect(state("retrying", { attempt: 1, nextAt: new Date("2026-03-03T15:31:00Z") })).toBe("Retrying at 15:31 (attempt 2 of 5)");
    expect(state("retrying", { attempt: 1, nextAt: new Date("2026-03-03T15:00:04Z") })).toBe("Retrying at 15:00:04 (attempt 2 of 5)");
    expect(state("waiting", { nextAt: new Date("2026-03-04T09:00:00Z"), waitEvent: "focus/session.ended" })).toBe("Waiting for an event until 4 Mar, 09:00");
    expect(state("completed")).toBe("Completed");
    expect(state("failed")).toBe("Failed");
    expect(state("cancelled")).toBe("Cancelled");
  });
});

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
