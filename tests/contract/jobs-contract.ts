import { randomUUID } from "node:crypto";
import { NonRetriableError } from "inngest";
import { describe, expect, it } from "vitest";
import { defineJob, type Job } from "~/server/jobs/define-job";
import type { JobEvent } from "~/server/jobs/events";
import { signedUpUser } from "../support/callers";

/**
 * The job engine contract: the semantics every job definition relies on, written once and
 * run against both engines — the embedded one (tests/integration/jobs-contract-embedded.test.ts)
 * and Inngest under @inngest/test (tests/integration/jobs-contract-inngest.test.ts).
 *
 * An engine is reached through the small adapter below. Each case defines a fresh job (its own
 * id, so runs never share memoised steps), runs it for a real catalog event of a real user
 * (job_runs.user_id references users), and asserts only what both engines must agree on.
 * What each adapter really proves — real waiting on one side, the SDK's planned ops on the
 * other — is said in the adapters; `waitsForReal` lets a case assert timing where it is real.
 */

/** A sleep or a wait as the engine planned it. */
export type PlannedPause =
  | { kind: "sleep"; id: string; /** The earliest time the run may go on. */ notBefore: Date }
  | { kind: "wait"; id: string; event: string; /** The expression both events must satisfy. */ if: string; /** The latest time the wait may end. */ timeoutAt: Date };

export type RunOutcome = {
  status: "completed" | "failed" | "cancelled";
  /** The run's output as stored (after JSON). */
  output?: unknown;
  error?: string;
  /** Sleeps and waits in the order the run reached them. */
  pauses: PlannedPause[];
  startedAt: Date;
  finishedAt: Date;
};

export type RunOptions = {
  /** Events that arrive once the run is paused (sleeping or waiting), delivered through the engine as any event would be. */
  during?: JobEvent[];
};

export interface JobEngineAdapter {
  readonly name: string;
  /** True when sleeps and waits take real time on this engine; false when the adapter resumes them at once. */
  readonly waitsForReal: boolean;
  /** Runs `job` for `trigger` until the run is completed, failed (retries spent) or cancelled. */
  runToEnd(job: Job, trigger: JobEvent, options?: RunOptions): Promise<RunOutcome>;
  /** The events this engine accepted among `ids` (what step.sendEvent returned), as name and data. */
  acceptedEvents(ids: readonly string[]): Promise<Array<{ id: string; name: string; data: unknown }>>;
}

let jobCount = 0;
/** A job id of its own per case and engine: memoised steps and runs never mix between tests. */
function jobId(label: string) {
  jobCount += 1;
  return `contract-${label}-${jobCount}-${Date.now().toString(36)}`;
}

/** The trigger every case uses: a catalog event that concerns one user. */
const trimRequested = (userId: string): JobEvent => ({ name: "sync/history.trim-requested", data: { userId } });
/** The event cases wait for or cancel on: no job of the contract is triggered by it. */
const syncRequested = (userId: string): JobEvent => ({ name: "integration/sync.requested", data: { userId, provider: "github" } });

const FIXED_DATE = new Date("2026-03-04T05:06:07.000Z");

export function jobEngineContract(adapterFor: () => JobEngineAdapter) {
  describe("steps and retries", () => {
    it("runs steps in order, memoises their JSON results, and a retry re-runs only the failed step", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-steps");
      const ran: string[] = [];
      let secondCalls = 0;
      const job = defineJob({ id: jobId("steps"), name: "Contract: steps", events: ["sync/history.trim-requested"], retries: 2 }, async ({ step }) => {
        const first = await step.run("first", () => {
          ran.push("first");
          return { at: FIXED_DATE, count: 1 };
        });
        const second = await step.run("second", () => {
          ran.push("second");
          secondCalls += 1;
          if (secondCalls === 1) throw new Error("flaky provider");
          // The memoised result crossed JSON: the Date is an ISO string here on both engines.
          return { sawType: typeof first.at };
        });
        const third = await step.run("third", () => {
          ran.push("third");
          return first.count + 1;
        });
        return { first, second, third };
      });

      const outcome = await engine.runToEnd(job, trimRequested(user.id));

      expect(outcome).toMatchObject({ status: "completed", output: { first: { at: FIXED_DATE.toISOString(), count: 1 }, second: { sawType: "string" }, third: 2 } });
      expect(ran).toEqual(["first", "second", "second", "third"]);
    });

    it("a failing step is retried until it succeeds, within the job's retries", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-retry");
      let calls = 0;
      const job = defineJob({ id: jobId("retry"), name: "Contract: retry", events: ["sync/history.trim-requested"], retries: 2 }, async ({ step }) =>
        step.run("flaky", () => {
          calls += 1;
          if (calls < 3) throw new Error(`attempt ${calls} failed`);
          return { calls };
        }),
      );

      const outcome = await engine.runToEnd(job, trimRequested(user.id));

      expect(outcome).toMatchObject({ status: "completed", output: { calls: 3 } });
      expect(calls).toBe(3); // the first attempt and both retries
    });

    it("a step that keeps failing fails the run once its retries are spent", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-exhausted");
      let calls = 0;
      const after: string[] = [];
      const job = defineJob({ id: jobId("exhausted"), name: "Contract: exhausted", events: ["sync/history.trim-requested"], retries: 1 }, async ({ step }) => {
        await step.run("always-fails", () => {
          calls += 1;
          throw new Error("the provider is down");
        });
        await step.run("after", () => after.push("after"));
      });

      const outcome = await engine.runToEnd(job, trimRequested(user.id));

      expect(outcome.status).toBe("failed");
      expect(outcome.error).toContain("the provider is down");
      expect(calls).toBe(2);
      expect(after).toEqual([]);
    });

    it("NonRetriableError fails the run at once: the step is not retried and the next step never runs", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-non-retriable");
      const ran: string[] = [];
      const job = defineJob({ id: jobId("non-retriable"), name: "Contract: non-retriable", events: ["sync/history.trim-requested"], retries: 3 }, async ({ step }) => {
        await step.run("refuse", () => {
          ran.push("refuse");
          throw new NonRetriableError("the account is gone");
        });
        await step.run("after", () => ran.push("after"));
      });

      const outcome = await engine.runToEnd(job, trimRequested(user.id));

      expect(outcome.status).toBe("failed");
      expect(outcome.error).toContain("the account is gone");
      expect(ran).toEqual(["refuse"]);
    });
  });

  describe("sleeps", () => {
    it("honours step.sleep and step.sleepUntil: the step after them runs no earlier than planned", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-sleep");
      const SLEEP_MS = 250;
      const UNTIL_AFTER_START_MS = 500;
      const job = defineJob({ id: jobId("sleep"), name: "Contract: sleep", events: ["sync/history.trim-requested"] }, async ({ step }) => {
        // Memoised, so every replay computes the same sleepUntil date.
        const startedAt = await step.run("start", () => Date.now());
        await step.sleep("short-nap", SLEEP_MS);
        await step.sleepUntil("until-mark", new Date(startedAt + UNTIL_AFTER_START_MS));
        const resumedAt = await step.run("resume", () => Date.now());
        return { startedAt, resumedAt };
      });

      const outcome = await engine.runToEnd(job, trimRequested(user.id));

      expect(outcome.status).toBe("completed");
      const { startedAt, resumedAt } = outcome.output as { startedAt: number; resumedAt: number };
      const [nap, until] = outcome.pauses;
      expect(outcome.pauses.map((pause) => [pause.kind, pause.id])).toEqual([["sleep", "short-nap"], ["sleep", "until-mark"]]);
      // Inngest rounds sleeps under a second up to 1 s (its durable resolution): "at least" holds on both.
      expect((nap as { notBefore: Date }).notBefore.getTime()).toBeGreaterThanOrEqual(startedAt + SLEEP_MS);
      expect((until as { notBefore: Date }).notBefore.getTime()).toBe(startedAt + UNTIL_AFTER_START_MS);
      if (engine.waitsForReal) {
        expect(resumedAt).toBeGreaterThanOrEqual(startedAt + UNTIL_AFTER_START_MS);
        expect(resumedAt).toBeLessThan(startedAt + UNTIL_AFTER_START_MS + 5_000);
      }
    });
  });

  describe("step.waitForEvent", () => {
    const waitingJob = (label: string, ran: string[]) =>
      defineJob({ id: jobId(label), name: "Contract: wait", events: ["sync/history.trim-requested"] }, async ({ step }) => {
        await step.run("before", () => ran.push("before"));
        const received = await step.waitForEvent("provider-synced", { event: "integration/sync.requested", match: "data.userId", timeout: 500 });
        await step.run("after", () => ran.push("after"));
        return { received };
      });

    it("a matching event wakes the run with that event", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-wait-match");
      const ran: string[] = [];
      const startedAt = Date.now();

      const outcome = await engine.runToEnd(waitingJob("wait-match", ran), trimRequested(user.id), { during: [syncRequested(user.id)] });

      expect(outcome).toMatchObject({ status: "completed", output: { received: { name: "integration/sync.requested", data: { userId: user.id, provider: "github" } } } });
      expect(outcome.pauses).toEqual([
        { kind: "wait", id: "provider-synced", event: "integration/sync.requested", if: expect.stringMatching(/^(event|async)\.data\.userId == (event|async)\.data\.userId$/), timeoutAt: expect.any(Date) },
      ]);
      expect((outcome.pauses[0] as { timeoutAt: Date }).timeoutAt.getTime()).toBeGreaterThanOrEqual(startedAt + 500);
      expect(ran).toEqual(["before", "after"]);
      // Woken by the event, not by the timeout (only measurable where waits are real).
      if (engine.waitsForReal) expect(outcome.finishedAt.getTime()).toBeLessThan((outcome.pauses[0] as { timeoutAt: Date }).timeoutAt.getTime());
    });

    it("an event of another user does not wake it: the wait times out with null", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-wait-other");
      const { user: other } = await signedUpUser("contract-wait-stranger");
      const ran: string[] = [];

      const outcome = await engine.runToEnd(waitingJob("wait-other", ran), trimRequested(user.id), { during: [syncRequested(other.id)] });

      expect(outcome).toMatchObject({ status: "completed", output: { received: null } });
      expect(ran).toEqual(["before", "after"]);
      if (engine.waitsForReal) expect(outcome.finishedAt.getTime()).toBeGreaterThanOrEqual((outcome.pauses[0] as { timeoutAt: Date }).timeoutAt.getTime());
    });
  });

  describe("cancelOn", () => {
    const cancellableJob = (label: string, ran: string[]) =>
      defineJob(
        { id: jobId(label), name: "Contract: cancel", events: ["sync/history.trim-requested"], cancelOn: [{ event: "integration/sync.requested", match: "data.userId" }] },
        async ({ step }) => {
          await step.run("before", () => ran.push("before"));
          await step.sleep("long-nap", 400);
          await step.run("after-sleep", () => ran.push("after-sleep"));
          return "finished";
        },
      );

    it("a matching event cancels a sleeping run: it never reaches the step after the sleep", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-cancel");
      const ran: string[] = [];

      const outcome = await engine.runToEnd(cancellableJob("cancel-match", ran), trimRequested(user.id), { during: [syncRequested(user.id)] });

      expect(outcome.status).toBe("cancelled");
      expect(ran).toEqual(["before"]);
    });

    it("an event of another user does not cancel it", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-cancel-other");
      const { user: other } = await signedUpUser("contract-cancel-stranger");
      const ran: string[] = [];

      const outcome = await engine.runToEnd(cancellableJob("cancel-other", ran), trimRequested(user.id), { during: [syncRequested(other.id)] });

      expect(outcome).toMatchObject({ status: "completed", output: "finished" });
      expect(ran).toEqual(["before", "after-sleep"]);
    });

    // The same rule on a run parked in step.waitForEvent: it waits for another event than the one that cancels,
    // so only the cancelOn rule can end it early (a wake would carry it on to "after-wait").
    const WAIT_TIMEOUT_MS = 1_000;
    const cancellableWaitingJob = (label: string, ran: string[]) =>
      defineJob(
        { id: jobId(label), name: "Contract: cancel wait", events: ["sync/history.trim-requested"], cancelOn: [{ event: "integration/sync.requested", match: "data.userId" }] },
        async ({ step }) => {
          await step.run("before", () => ran.push("before"));
          const received = await step.waitForEvent("heartbeat", { event: "status/heartbeat.received", match: "data.userId", timeout: WAIT_TIMEOUT_MS });
          await step.run("after-wait", () => ran.push("after-wait"));
          return { received };
        },
      );

    it("a matching event cancels a run waiting for another event: it never reaches the step after the wait", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-cancel-wait");
      const ran: string[] = [];

      const outcome = await engine.runToEnd(cancellableWaitingJob("cancel-wait-match", ran), trimRequested(user.id), { during: [syncRequested(user.id)] });

      expect(outcome.status).toBe("cancelled");
      expect(ran).toEqual(["before"]);
      expect(outcome.pauses.map((pause) => [pause.kind, pause.id])).toEqual([["wait", "heartbeat"]]);
      // Cancelled by the event, not ended by the wait's timeout (only measurable where waits are real).
      if (engine.waitsForReal) expect(outcome.finishedAt.getTime()).toBeLessThan((outcome.pauses[0] as { timeoutAt: Date }).timeoutAt.getTime());
    });

    it("an event of another user does not cancel a waiting run: its wait times out with null and the run goes on", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-cancel-wait-other");
      const { user: other } = await signedUpUser("contract-cancel-wait-stranger");
      const ran: string[] = [];

      const outcome = await engine.runToEnd(cancellableWaitingJob("cancel-wait-other", ran), trimRequested(user.id), { during: [syncRequested(other.id)] });

      expect(outcome).toMatchObject({ status: "completed", output: { received: null } });
      expect(ran).toEqual(["before", "after-wait"]);
      if (engine.waitsForReal) expect(outcome.finishedAt.getTime()).toBeGreaterThanOrEqual((outcome.pauses[0] as { timeoutAt: Date }).timeoutAt.getTime());
    });
  });

  describe("step.sendEvent", () => {
    it("returns one id per event (the given one, else a new one), and the engine accepted those events", async () => {
      const engine = adapterFor();
      const { user } = await signedUpUser("contract-send");
      // An id chosen by the job makes the send safe to repeat (accepted once); the other gets a new one.
      const chosenId = `contract-send-${randomUUID()}`;
      const job = defineJob({ id: jobId("send"), name: "Contract: send", events: ["sync/history.trim-requested"] }, async ({ step, event }) => {
        const userId = (event.data as { userId: string }).userId;
        return step.sendEvent("fan-out", [
          { name: "integration/sync.requested", data: { userId, provider: "gitlab" }, id: chosenId },
          { name: "maintenance/cleanup.requested", data: {} },
        ]);
      });

      const outcome = await engine.runToEnd(job, trimRequested(user.id));

      expect(outcome.status).toBe("completed");
      const { ids } = outcome.output as { ids: string[] };
      expect(ids).toEqual([chosenId, expect.any(String)]);
      expect(ids[1]).not.toBe(chosenId);
      const accepted = await engine.acceptedEvents(ids);
      expect(accepted.map(({ name, data }) => ({ name, data })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: "integration/sync.requested", data: { userId: user.id, provider: "gitlab" } },
        { name: "maintenance/cleanup.requested", data: {} },
      ]);
    });
  });
}
