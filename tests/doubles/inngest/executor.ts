import { randomUUID } from "node:crypto";

/**
 * Calls a function through our /api/inngest endpoint the way the Inngest executor
 * does (request version 2): POST the event with the memoised step results so far;
 * a 206 lists the steps that just ran (their results are added to the state and
 * the function is called again), a 200 carries the function's result, a 500 its
 * error (with `x-inngest-no-retry: true` when retrying is pointless).
 */
type Endpoint = { POST: (request: never, context: never) => Promise<Response> };
type StepOp = { id: string; op: string; name?: string; data?: unknown; error?: unknown };

export async function invokeThroughEndpoint(
  endpoint: Endpoint,
  fnId: string,
  event: { name: string; data: Record<string, unknown> },
  options: { attempt?: number; runId?: string; maxCalls?: number } = {},
) {
  const runId = options.runId ?? randomUUID();
  const fullEvent = { ...event, id: randomUUID(), ts: Date.now() };
  const steps: Record<string, { type: "data"; data: unknown }> = {};
  const stack: string[] = [];
  const ranSteps: string[] = [];
  for (let call = 0; call < (options.maxCalls ?? 20); call++) {
    const body = {
      event: fullEvent,
      events: [fullEvent],
      steps,
      ctx: { run_id: runId, attempt: options.attempt ?? 0, disable_immediate_execution: false, use_api: false, stack: { stack, current: stack.length } },
      version: 2,
    };
    const url = `http://localhost:3000/api/inngest?fnId=${encodeURIComponent(fnId)}&stepId=step`;
    const response = await endpoint.POST(new Request(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }) as never, undefined as never);
    const text = await response.text();
    if (response.status === 200) return { status: "completed" as const, runId, output: text ? JSON.parse(text) : null, ranSteps };
    if (response.status >= 400) return { status: "error" as const, runId, error: JSON.parse(text) as { message?: string }, noRetry: response.headers.get("x-inngest-no-retry") === "true", ranSteps };
    if (response.status !== 206) throw new Error(`unexpected ${response.status}: ${text}`);
    for (const op of JSON.parse(text) as StepOp[]) {
      if (op.op !== "StepRun") throw new Error(`this executor double only runs StepRun ops, got ${op.op}`);
      steps[op.id] = { type: "data", data: op.data ?? null };
      stack.push(op.id);
      ranSteps.push(op.name ?? op.id);
    }
  }
  throw new Error("the function did not finish");
}
