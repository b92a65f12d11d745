import { eq } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeRunState } from "~/components/jobs/run-state";
import { getDb } from "~/server/db/client";
import { jobRuns, jobSteps } from "~/server/db/schema";
import { DEFAULT_RETRIES } from "~/server/jobs/define-job";
import { cancelJobRun, retryJobRun } from "~/server/jobs/runs";
import { createJobSender, getJobRunner } from "~/server/jobs/send";
import { errorOf, signedUpUser } from "../support/callers";
import { insertRun, TEST_JOB } from "../support/job-run-rows";
import { useInngestDouble } from "../support/inngest";
import { listenRealtime } from "../support/realtime";

const inngest = useInngestDouble();

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
    describeRunState("en-GB", { status, attempt: 0, maxAttempts: 5, nextAt: null, waitEvent: null, ...extra }, now, "UTC").label;

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
