import { eq } from "drizzle-orm";
import { NonRetriableError, RetryAfterError } from "inngest";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { jobEvents, jobRuns } from "~/server/db/schema";
import { defineJob, type JobFailure, type TriggerEvent } from "~/server/jobs/define-job";
import { InvalidJobEventError } from "~/server/jobs/events";
import { createInProcessRunner, type InProcessRunner } from "~/server/jobs/runner";
import { signedUpUser } from "../support/callers";
import { listenRealtime } from "../support/realtime";

// The embedded engine, driven through its public entry point (dispatch = what jobs.send
// calls in-process) with jobs defined the same way as the real ones.

const TRIM = "sync/history.trim-requested" as const;
type TrimEvent = TriggerEvent<typeof TRIM>;

let runner: InProcessRunner | undefined;
afterEach(() => runner?.stop({ graceMs: 0 }));

function runnerFor(...jobs: Parameters<typeof createInProcessRunner>[0]["jobs"]) {
  runner = createInProcessRunner({ jobs, retryDelayMs: () => 5 });
  return runner;
}

async function runRow(runId: string) {
  const [row] = await (await getDb()).select().from(jobRuns).where(eq(jobRuns.runId, runId));
  return row;
}

describe("in-process job runner", () => {
  it("runs steps in order, retries a failing step without re-running completed ones, and records the run", async () => {
    const { user } = await signedUpUser("runner");
    const calls: string[] = [];
    let flakyFailures = 2;
    let seen: { runId: string; attempts: number[]; output?: unknown } = { runId: "", attempts: [] };
    const job = defineJob({ id: "test-steps", name: "Test steps", events: [TRIM], retries: 3 }, async ({ step, attempt, runId }) => {
      seen.runId = runId;
      seen.attempts.push(attempt);
      const first = await step.run("first", () => {
        calls.push("first");
        return { at: new Date("2026-01-02T03:04:05Z") };
      });
      const second = await step.run("flaky", () => {
        calls.push("flaky");
        if (flakyFailures-- > 0) throw new Error("provider hiccup");
        return 42;
      });
      seen.output = { first, second };
      return { first, second };
    });
    const { ids } = await runnerFor(job).dispatch({ name: TRIM, data: { userId: user.id } });
    expect(ids).toHaveLength(1);
    await runner!.idle();

    expect(calls).toEqual(["first", "flaky", "flaky", "flaky"]);
    // The first failure happens in the step after "first" completed: that step gets its own count.
    expect(seen.attempts).toEqual([0, 1, 2]);
    // Step results cross JSON, as they do in Inngest: the Date arrives as a string.
    expect(seen.output).toEqual({ first: { at: "2026-01-02T03:04:05.000Z" }, second: 42 });
    const row = await runRow(seen.runId);
    expect(row).toMatchObject({ userId: user.id, functionId: "test-steps", eventName: TRIM, status: "completed", attempt: 2, error: null });
    expect(row!.output).toEqual(seen.output);
    expect(row!.finishedAt).toBeInstanceOf(Date);
  });

  it("calls the failure handler once after the retries are spent, with the original event and the last error", async () => {
    const { user } = await signedUpUser("runner-fail");
    let attempts = 0;
    const failures: JobFailure<TrimEvent>[] = [];
    const job = defineJob(
      { id: "test-fails", name: "Test fails", events: [TRIM], retries: 2, onFailure: async (failure) => void failures.push(failure) },
      async ({ attempt }) => {
        attempts += 1;
        throw new Error(`attempt ${attempt} failed with token ghp_${"x".repeat(36)}`);
      },
    );
    await runnerFor(job).dispatch({ name: TRIM, data: { userId: user.id } });
    await runner!.idle();

    expect(attempts).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.event).toMatchObject({ name: TRIM, data: { userId: user.id } });
    expect(failures[0]!.error.message).toMatch(/^attempt 2 failed/);
    const row = await runRow(failures[0]!.runId);
    expect(row).toMatchObject({ status: "failed", attempt: 2 });
    expect(row!.error).toMatch(/^attempt 2 failed/);
    expect(row!.error).not.toContain("ghp_"); // errors are stored redacted
  });

  it("does not retry a NonRetriableError, and waits out a RetryAfterError", async () => {
    const { user } = await signedUpUser("runner-errors");
    let nonRetriable = 0;
    const stop = defineJob({ id: "test-non-retriable", name: "t", events: [TRIM], retries: 5 }, async () => {
      nonRetriable += 1;
      throw new NonRetriableError("the account was deleted");
    });
    const times: number[] = [];
    const later = defineJob({ id: "test-retry-after", name: "t", events: [TRIM], retries: 1 }, async () => {
      times.push(Date.now());
      if (times.length === 1) throw new RetryAfterError("rate limited", 1000);
    });
    await runnerFor(stop, later).dispatch({ name: TRIM, data: { userId: user.id } });
    await runner!.idle();
    expect(nonRetriable).toBe(1);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950); // not the 5 ms test backoff
  });

  it("step.sleep really waits, and is not slept again on a retry", async () => {
    const { user } = await signedUpUser("runner-sleep");
    const started = Date.now();
    let attempts = 0;
    let sleptFor = 0;
    const job = defineJob({ id: "test-sleep", name: "t", events: [TRIM], retries: 1 }, async ({ step, attempt }) => {
      await step.sleep("pause", "300ms");
      attempts += 1;
      sleptFor = Date.now() - started;
      if (attempt === 0) throw new Error("after the sleep");
    });
    await runnerFor(job).dispatch({ name: TRIM, data: { userId: user.id } });
    await runner!.idle();
    expect(attempts).toBe(2);
    expect(sleptFor).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(600); // one sleep, not two
  });

  it("limits concurrency per key: one run's steps at a time per user, users in parallel", async () => {
    const [a, b] = await Promise.all([signedUpUser("conc-a"), signedUpUser("conc-b")]);
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    let peakOverall = 0;
    const job = defineJob(
      { id: "test-concurrency", name: "t", events: [TRIM], concurrency: { key: "event.data.userId", limit: 1 } },
      async ({ event, step }) =>
        step.run("work", async () => {
          const id = event.data.userId;
          active.set(id, (active.get(id) ?? 0) + 1);
          peak.set(id, Math.max(peak.get(id) ?? 0, active.get(id)!));
          peakOverall = Math.max(peakOverall, [...active.values()].reduce((sum, n) => sum + n, 0));
          await new Promise((resolve) => setTimeout(resolve, 60));
          active.set(id, active.get(id)! - 1);
        }),
    );
    const run = runnerFor(job);
    for (let i = 0; i < 3; i++) await run.dispatch([{ name: TRIM, data: { userId: a.user.id } }, { name: TRIM, data: { userId: b.user.id } }]);
    await run.idle();
    expect(peak.get(a.user.id)).toBe(1);
    expect(peak.get(b.user.id)).toBe(1);
    expect(peakOverall).toBe(2);
  });

  it("debounces per key: a burst runs once, with the last event", async () => {
    const [a, b] = await Promise.all([signedUpUser("deb-a"), signedUpUser("deb-b")]);
    const runs: Array<{ userId: string; eventId?: string }> = [];
    const job = defineJob(
      { id: "test-debounce", name: "t", events: [TRIM], debounce: { key: "event.data.userId", period: "400ms" } },
      async ({ event }) => void runs.push({ userId: event.data.userId, eventId: event.id }),
    );
    const run = runnerFor(job);
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      sent.push(...(await run.dispatch({ name: TRIM, data: { userId: a.user.id } })).ids);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await run.dispatch({ name: TRIM, data: { userId: b.user.id } });
    expect(runs).toEqual([]); // nothing runs while the burst goes on
    await run.idle();
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.userId === a.user.id)?.eventId).toBe(sent.at(-1));
  });

  it("runs cron jobs on their schedule once started, and not before", async () => {
    let ticks = 0;
    let tickEvent: unknown;
    const job = defineJob({ id: "test-cron", name: "t", cron: "* * * * * *" }, async ({ event }) => {
      ticks += 1;
      tickEvent = event;
    });
    const run = runnerFor(job);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(ticks).toBe(0);
    await run.start();
    expect(run.nextScheduledRuns()["test-cron"]!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await run.stop();
    await run.idle();
    expect(ticks).toBeGreaterThanOrEqual(1);
    expect(tickEvent).toMatchObject({ name: "inngest/scheduled.timer", data: { cron: "* * * * * *" } });
  });

  it("accepts an event id once, and refuses events outside the catalog before anything runs", async () => {
    const { user } = await signedUpUser("runner-ids");
    let runs = 0;
    const job = defineJob({ id: "test-ids", name: "t", events: [TRIM] }, async () => void (runs += 1));
    const run = runnerFor(job);
    const id = `same-id-${user.id}`;
    expect(await run.dispatch({ name: TRIM, data: { userId: user.id }, id })).toEqual({ ids: [id] });
    expect(await run.dispatch({ name: TRIM, data: { userId: user.id }, id })).toEqual({ ids: [id] });
    await expect(run.dispatch({ name: "nope/unknown" as typeof TRIM, data: { userId: user.id } })).rejects.toThrow(InvalidJobEventError);
    await expect(run.dispatch([{ name: TRIM, data: { userId: user.id } }, { name: TRIM, data: { userId: "not-a-uuid" } }])).rejects.toThrow(
      /Invalid "sync\/history.trim-requested" event: userId/,
    );
    await run.idle();
    expect(runs).toBe(1); // the duplicate id and the refused batch ran nothing
  });

  it("remembers an accepted id in the database for 24 hours (a new runner, as after a restart, refuses it too), then accepts it again", async () => {
    const { user } = await signedUpUser("runner-id-window");
    let runs = 0;
    const job = defineJob({ id: "test-id-window", name: "t", events: [TRIM] }, async () => void (runs += 1));
    const id = `window-${user.id}`;
    await runnerFor(job).dispatch({ name: TRIM, data: { userId: user.id }, id });
    await runner!.idle();
    await runner!.stop({ graceMs: 0 });
    await runnerFor(job).dispatch({ name: TRIM, data: { userId: user.id }, id }); // another process, same database
    await runner!.idle();
    expect(runs).toBe(1);
    await (await getDb()).update(jobEvents).set({ receivedAt: new Date(Date.now() - 24 * 60 * 60 * 1000 - 60_000) }).where(eq(jobEvents.id, id));
    await runner!.dispatch({ name: TRIM, data: { userId: user.id }, id });
    await runner!.idle();
    expect(runs).toBe(2);
  });

  it("tells the run's owner each time the run changes state (queued, started, retrying, started again, completed)", async () => {
    const { user } = await signedUpUser("runner-live");
    const { heard, stop } = listenRealtime(user.id, { events: ["job:run_updated"] });
    try {
      let failures = 1;
      let runId = "";
      const job = defineJob({ id: "test-live", name: "Test live", events: [TRIM], retries: 1 }, async ({ runId: id }) => {
        runId = id;
        if (failures-- > 0) throw new Error("once");
      });
      await runnerFor(job).dispatch({ name: TRIM, data: { userId: user.id } });
      await runner!.idle();
      expect(heard).toEqual(Array.from({ length: 5 }, () => ({ userId: user.id, event: "job:run_updated", payload: { runId } })));
    } finally {
      stop();
    }
  });
});
