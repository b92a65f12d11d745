import { randomUUID } from "node:crypto";
import { InngestTestEngine, mockCtx, type InngestTestRun } from "@inngest/test";
import { durationToMs, type InngestFunction, type OutgoingOp } from "inngest";
import { describe, expect, it } from "vitest";
import { defineJob, type Job } from "~/server/jobs/define-job";
import { createInngestEndpoint } from "~/server/jobs/serve";
import { jobEngineContract, type JobEngineAdapter, type PlannedPause, type RunOutcome } from "../contract/jobs-contract";
import { useInngestDouble } from "../support/inngest";

/**
 * The job contract on Inngest. There is no Inngest server here, so the adapter below plays its
 * part, one request at a time, around the real SDK execution engine run by @inngest/test:
 *   - it keeps the run's step state as Inngest does (JSON: a Date comes back as a string) and
 *     calls the function again with it, so memoisation is the SDK's own;
 *   - retries: it counts a step's failures against the `retries` the function *registered*
 *     (PUT /api/inngest to the Inngest double), and a NonRetriableError is the SDK's own verdict
 *     (a StepFailed op); @inngest/test models no retries itself;
 *   - sleeps are not waited for: the SDK's Sleep op (its duration or date) is recorded, then the
 *     sleep is resolved at once — what is proven is what the SDK asked the server to do;
 *   - waitForEvent: the SDK's WaitForEvent op (event, `if`, timeout) is recorded, and the adapter
 *     answers it with the first `during` event satisfying that `if`, else null (a timeout). The
 *     matching itself is Inngest's: here a small evaluator of the `event.X == async.X` form the SDK
 *     generates stands in for it;
 *   - cancelOn is done by the Inngest server: the adapter cancels a paused run when a `during`
 *     event satisfies a `cancel` rule of the registered config (same evaluator); the describe
 *     below also asserts that registered rule literally;
 *   - step.sendEvent really posts to the Inngest double's Event API, which answers ids in the
 *     order of the posted events as Inngest does: that order pairs each id with its event.
 * @inngest/test 1.0 hands the inngest 4 engine each mocked step result as a Promise, which the
 * engine reads before awaiting it: a mocked waitForEvent result fails validation ("Event not
 * found in triggers: undefined", inngest/inngest-js#1652, fix pending in #1669) and a mocked step
 * error is taken for data (the run goes on as if the step had succeeded). So once the state holds
 * a wait's answer or a step's final error, the remaining requests go to our real /api/inngest
 * endpoint with the same JSON state, as the Inngest server sends it; the SDK engine that runs the
 * function is the same. Drop that fallback when #1669 ships.
 */

const inngest = useInngestDouble();

type StepState = { data: unknown } | { error: unknown };
type CallResult = { type: "resolved"; data: unknown } | { type: "rejected"; error: unknown; retriable: boolean } | { type: "ops"; ops: OutgoingOp[] };
type RegisteredFunction = { id: string; cancel?: Array<{ event: string; if?: string }>; steps: { step: { retries: { attempts: number } } } };
type EventPayload = { name: string; data: Record<string, unknown>; id: string; ts: number };

/** @inngest/test's checkpoint type, distributed over its kinds so `type` narrows it. */
type Checkpoint = { [K in InngestTestRun.CheckpointKey]: InngestTestRun.Checkpoint<K> }[InngestTestRun.CheckpointKey];

/** One request of the Inngest server, through @inngest/test: the function replays with `steps` as its state. */
class SteppedTestEngine extends InngestTestEngine {
  async call(steps: InngestTestEngine.MockedStep[]): Promise<CallResult> {
    const result = (await this.individualExecution({ steps })).result as Checkpoint;
    switch (result.type) {
      case "function-resolved":
        return { type: "resolved", data: result.data };
      case "function-rejected":
        return { type: "rejected", error: result.error, retriable: result.retriable !== false };
      case "step-ran":
        return { type: "ops", ops: [result.step] };
      case "steps-found":
        return { type: "ops", ops: result.steps };
      default:
        throw new Error(`the contract adapter does not model a "${result.type}" result`);
    }
  }
}

/** The same request over HTTP to our real endpoint (protocol v2), as the Inngest server sends it. */
async function callEndpoint(job: Job, fnId: string, event: EventPayload, steps: Map<string, StepState>, ctx: { runId: string; attempt: number }): Promise<CallResult> {
  const endpoint = createInngestEndpoint(inngest.client, [job]);
  const stack = [...steps.keys()];
  const body = {
    event,
    events: [event],
    steps: Object.fromEntries([...steps].map(([id, state]) => [id, "data" in state ? { type: "data", data: state.data } : { type: "error", error: state.error }])),
    ctx: { run_id: ctx.runId, attempt: ctx.attempt, disable_immediate_execution: false, use_api: false, stack: { stack, current: stack.length } },
    version: 2,
  };
  const url = `http://localhost:3000/api/inngest?fnId=${encodeURIComponent(fnId)}&stepId=step`;
  const response = await endpoint.POST(new Request(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }) as never, undefined as never);
  const text = await response.text();
  if (response.status === 200) return { type: "resolved", data: text ? JSON.parse(text) : null };
  if (response.status === 206) return { type: "ops", ops: JSON.parse(text) as OutgoingOp[] };
  return { type: "rejected", error: JSON.parse(text), retriable: response.headers.get("x-inngest-no-retry") !== "true" };
}

const json = (value: unknown) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
const messageOf = (error: unknown) => String((error as { message?: unknown } | null)?.message ?? error);

function valueAt(object: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), object);
}

/** Stands in for Inngest's expression matching, for the one form the SDK and define-job generate. */
function satisfies(expression: string, trigger: EventPayload, incoming: EventPayload): boolean {
  const parsed = /^(event|async)\.([\w.]+) == (event|async)\.([\w.]+)$/.exec(expression);
  if (!parsed) throw new Error(`the contract adapter cannot evaluate "${expression}"`);
  const side = (which: string, path: string) => valueAt(which === "event" ? trigger : incoming, path);
  const left = side(parsed[1]!, parsed[2]!);
  return left !== undefined && left === side(parsed[3]!, parsed[4]!);
}

/** When a Sleep op lets the run go on: its name is a duration ("1s") or, for sleepUntil, an ISO date. */
function sleepEnd(op: OutgoingOp, plannedAt: number): Date {
  const name = String(op.name);
  return /^\d{4}-\d\d-\d\dT/.test(name) ? new Date(name) : new Date(plannedAt + durationToMs(name));
}

async function registered(job: Job): Promise<RegisteredFunction> {
  const endpoint = createInngestEndpoint(inngest.client, [job]);
  const response = await endpoint.PUT(new Request("http://localhost:3000/api/inngest", { method: "PUT" }) as never, undefined as never);
  if (response.status !== 200) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const functions = inngest.double.registrations.at(-1)!.functions as unknown as RegisteredFunction[];
  return functions.find((fn) => fn.id === `devpulse-cloud-${job.id}`)!;
}

const MAX_CALLS = 100;

const inngestAdapter = (): JobEngineAdapter => {
  /** Where this run's events begin among those the Inngest double received. */
  let postedFrom = 0;
  return {
    name: "inngest (@inngest/test)",
    waitsForReal: false,
    async runToEnd(job, trigger, options = {}): Promise<RunOutcome> {
      const config = await registered(job);
      const retries = config.steps.step.retries.attempts;
      const fn = job.toInngestFunction(inngest.client) as InngestFunction.Any;
      const runId = randomUUID();
      const event: EventPayload = { ...(trigger as { name: string; data: Record<string, unknown> }), id: randomUUID(), ts: Date.now() };
      const steps = new Map<string, StepState>();
      const failures = new Map<string, number>();
      const pauses: PlannedPause[] = [];
      let arriving = [...(options.during ?? [])].map((sent) => ({ ...(sent as { name: string; data: Record<string, unknown> }), id: randomUUID(), ts: Date.now() }));
      let answeredWait = false;
      let functionFailures = 0;
      /** Zero-based, as Inngest counts: failures of the step being retried (or of the function). */
      let attempt = 0;
      const startedAt = new Date();
      postedFrom = inngest.double.events.length;
      const end = (outcome: Omit<RunOutcome, "pauses" | "startedAt" | "finishedAt">): RunOutcome => ({ ...outcome, pauses, startedAt, finishedAt: new Date() });
      /** Events reach a run once it is paused; a cancel rule they satisfy ends it there. */
      const deliver = () => {
        const delivered = arriving;
        arriving = [];
        const cancelled = delivered.some((incoming) => (config.cancel ?? []).some((rule) => rule.event === incoming.name && satisfies(rule.if ?? "", event, incoming)));
        return { delivered, cancelled };
      };

      for (let call = 0; call < MAX_CALLS; call++) {
        const needsEndpoint = answeredWait || [...steps.values()].some((state) => "error" in state);
        const result = needsEndpoint
          ? await callEndpoint(job, config.id, event, steps, { runId, attempt })
          : await new SteppedTestEngine({
              function: fn,
              events: [event],
              // A new engine per call (it caches step results), with a stable run id and the retry count.
              transformCtx: (ctx) => ({ ...mockCtx(ctx), runId, attempt }) as typeof ctx,
            }).call(
              [...steps].map(([id, state]) => ({
                id,
                idIsHashed: true,
                handler: () => {
                  if ("error" in state) throw state.error;
                  return state.data;
                },
              })),
            );

        if (result.type === "resolved") return end({ status: "completed", output: json(result.data) });
        if (result.type === "rejected") {
          if (result.retriable && functionFailures < retries) {
            functionFailures += 1;
            attempt += 1;
            continue;
          }
          return end({ status: "failed", error: messageOf(result.error) });
        }
        for (const op of result.ops) {
          switch (op.op) {
            case "StepRun":
            case "Step":
              steps.set(op.id, { data: json(op.data) });
              attempt = 0;
              break;
            case "StepError": {
              // The server retries the step; once its retries are spent, the function gets the error.
              const count = (failures.get(op.id) ?? 0) + 1;
              failures.set(op.id, count);
              attempt = count;
              if (count > retries) steps.set(op.id, { error: op.error });
              break;
            }
            case "StepFailed":
              steps.set(op.id, { error: op.error });
              break;
            case "Sleep": {
              pauses.push({ kind: "sleep", id: op.displayName ?? op.id, notBefore: sleepEnd(op, Date.now()) });
              if (deliver().cancelled) return end({ status: "cancelled" });
              steps.set(op.id, { data: null });
              break;
            }
            case "WaitForEvent": {
              const opts = op.opts as { timeout: string; if?: string };
              pauses.push({ kind: "wait", id: op.displayName ?? op.id, event: String(op.name), if: opts.if ?? "", timeoutAt: new Date(Date.now() + durationToMs(opts.timeout)) });
              const { delivered, cancelled } = deliver();
              if (cancelled) return end({ status: "cancelled" });
              const matched = delivered.find((incoming) => incoming.name === op.name && (!opts.if || satisfies(opts.if, event, incoming)));
              steps.set(op.id, { data: matched ?? null });
              answeredWait = true;
              break;
            }
            case "RunComplete":
              return end({ status: "completed", output: json(op.data) });
            default:
              throw new Error(`the contract adapter does not model the ${op.op} op`);
          }
        }
      }
      throw new Error(`the run did not finish within ${MAX_CALLS} calls`);
    },
    async acceptedEvents(ids) {
      // The double answers each POST with `event.id ?? a new id`, in order; one send per run here.
      const posted = inngest.double.events.slice(postedFrom);
      if (posted.length !== ids.length) return [];
      return posted.map((received, index) => ({ id: received.id ?? ids[index]!, name: received.name, data: received.data })).filter((event) => ids.includes(event.id));
    },
  };
};

describe("job engine contract: Inngest under @inngest/test", () => {
  jobEngineContract(inngestAdapter);

  it("registers cancelOn as the cancellation rule the Inngest server applies", async () => {
    const job = defineJob(
      { id: "contract-cancel-config", name: "Contract: cancel config", events: ["sync/history.trim-requested"], cancelOn: [{ event: "integration/sync.requested", match: "data.userId" }] },
      async ({ step }) => step.sleep("nap", "1h"),
    );
    expect((await registered(job)).cancel).toEqual([{ event: "integration/sync.requested", if: "async.data.userId == event.data.userId" }]);
  });

  it("the waitForEvent op carries the match as the `if` Inngest evaluates, and its timeout", async () => {
    const job = defineJob({ id: "contract-wait-op", name: "Contract: wait op", events: ["sync/history.trim-requested"] }, async ({ step }) =>
      step.waitForEvent("provider-synced", { event: "integration/sync.requested", match: "data.userId", timeout: "2h" }),
    );
    const engine = new InngestTestEngine({ function: job.toInngestFunction(inngest.client), events: [{ name: "sync/history.trim-requested", data: { userId: randomUUID() } }] });
    const { step } = await engine.executeStep("provider-synced");
    expect(step).toMatchObject({ op: "WaitForEvent", name: "integration/sync.requested", opts: { timeout: "2h", if: "event.data.userId == async.data.userId" } });
  });
});
