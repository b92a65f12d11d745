import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { integrations, jobRuns, oauthStates, syncRevisions } from "~/server/db/schema";
import { parseEnv } from "~/server/env";
import { createInngestClient, jobModeOf } from "~/server/jobs/client";
import { defineJob } from "~/server/jobs/define-job";
import { InvalidJobEventError } from "~/server/jobs/events";
import { jobFunctions } from "~/server/jobs/functions";
import { integrationJobFailed } from "~/server/jobs/integration-failure";
import { createInProcessRunner } from "~/server/jobs/runner";
import { createJobSender, getJobRunner, jobs } from "~/server/jobs/send";
import { createInngestEndpoint } from "~/server/jobs/serve";
import { invokeThroughEndpoint } from "../doubles/inngest/executor";
import { signedUpUser } from "../support/callers";
import { useInngestDouble } from "../support/inngest";
import { change, push, userWithDevices } from "../support/sync";
import { listenRealtime } from "../support/realtime";

const inngest = useInngestDouble();

/** An integration job as issue 6's will be: it fails for good, and the integration pattern takes over. */
const failingIntegrationSync = defineJob(
  { id: "test-integration-sync", name: "Test sync", events: ["integration/sync.requested"], retries: 1, onFailure: integrationJobFailed },
  async ({ step }) => step.run("call-provider", () => Promise.reject(new Error("GitHub answered 502 Bad Gateway"))),
);

async function connectedIntegration(label: string) {
  const { user } = await signedUpUser(label);
  await (await getDb()).insert(integrations).values({ userId: user.id, provider: "github" });
  return user;
}

describe("choosing the engine", () => {
  it("uses Inngest with an event key or a dev server, and runs in-process otherwise", () => {
    expect(jobModeOf(parseEnv({}))).toBe("in-process");
    expect(jobModeOf(parseEnv({ INNGEST_DEV: "1" }))).toBe("inngest");
    expect(jobModeOf(parseEnv({ INNGEST_EVENT_KEY: "k", INNGEST_SIGNING_KEY: "signkey-test-1" }))).toBe("inngest");
  });
});

describe("jobs.send, embedded default (in-process)", () => {
  it("runs the real function in this process", async () => {
    const db = await getDb();
    const { user } = await signedUpUser("send-in-process");
    const stale = randomUUID();
    await db.insert(oauthStates).values({ stateHash: stale, userId: user.id, provider: "github", redirectUri: "http://x/cb", expiresAt: new Date(Date.now() - 1000) });

    const { ids } = await jobs.send({ name: "maintenance/cleanup.requested", data: {} });
    await getJobRunner().idle();

    expect(ids).toHaveLength(1);
    expect(await db.select().from(oauthStates).where(eq(oauthStates.stateHash, stale))).toEqual([]);
    const [run] = await db.select().from(jobRuns).where(and(eq(jobRuns.functionId, "cleanup-expired"), eq(jobRuns.status, "completed")));
    expect(run).toMatchObject({ userId: null, eventName: "maintenance/cleanup.requested" });
  });

  it("refuses events outside the catalog, and sends nothing of a batch with one bad event", async () => {
    await expect(jobs.send({ name: "sync/history.trim-requested", data: { userId: "nope" } })).rejects.toThrow(InvalidJobEventError);
    const sender = createJobSender({ mode: "inngest", inngest: () => inngest.client, runner: getJobRunner });
    const before = inngest.double.events.length;
    await expect(
      sender.send([
        { name: "maintenance/cleanup.requested", data: {} },
        { name: "integration/sync.requested", data: { userId: randomUUID(), provider: "myspace" as "github" } },
      ]),
    ).rejects.toThrow(/provider/);
    expect(inngest.double.events.length).toBe(before);
  });

  it("after the retries, an integration job's failure is recorded on the integration and published", async () => {
    const user = await connectedIntegration("integration-fails");
    // What the job's domain code announces (the engine's own job:run_updated per attempt left out).
    const { heard, stop } = listenRealtime(user.id, { except: ["job:run_updated"] });
    const runner = createInProcessRunner({ jobs: [failingIntegrationSync], retryDelayMs: () => 5 });
    await runner.dispatch({ name: "integration/sync.requested", data: { userId: user.id, provider: "github" } });
    await runner.idle();
    await runner.stop();
    stop();

    const [row] = await (await getDb()).select().from(integrations).where(eq(integrations.userId, user.id));
    expect(row).toMatchObject({ status: "error", lastError: "The last sync failed after several attempts: GitHub answered 502 Bad Gateway" });
    // The error, then the notification about it (issue 18): listed (the bell's count) and pinged to the desktop.
    expect(heard).toEqual([
      { userId: user.id, event: "integration:error", payload: { provider: "github", status: "error", message: row!.lastError } },
      { userId: user.id, event: "notification:unread", payload: { unread: 1 } },
      { userId: user.id, event: "notification:new", payload: expect.objectContaining({ title: "GitHub sync failed", body: row!.lastError, level: "error", href: "/integrations" }) },
    ]);
  });
});

describe("Inngest mode", () => {
  it("jobs.send posts validated events to Inngest's Event API with the event key", async () => {
    const sender = createJobSender({ mode: "inngest", inngest: () => inngest.client, runner: () => { throw new Error("must not run in-process"); } });
    const userId = randomUUID();
    const { ids } = await sender.send({ name: "sync/history.trim-requested", data: { userId } });
    expect(ids).toHaveLength(1);
    expect(inngest.double.events.at(-1)).toMatchObject({ name: "sync/history.trim-requested", data: { userId } });

    const wrongKey = createInngestClient(parseEnv({ INNGEST_DEV: inngest.double.url, INNGEST_EVENT_KEY: "not-the-key" }));
    await expect(createJobSender({ mode: "inngest", inngest: () => wrongKey, runner: getJobRunner }).send({ name: "maintenance/cleanup.requested", data: {} })).rejects.toThrow(/401|Event key/);
  });

  it("PUT /api/inngest registers every job with its triggers, retries, concurrency and failure handler", async () => {
    const endpoint = createInngestEndpoint(inngest.client, [...jobFunctions, failingIntegrationSync]);
    const response = await endpoint.PUT(new Request("http://localhost:3000/api/inngest", { method: "PUT" }) as never, undefined as never);
    expect(response.status).toBe(200);
    const functions = inngest.double.registrations.at(-1)!.functions;
    const byId = new Map(functions.map((fn) => [fn.id.replace(/^devpulse-cloud-/, ""), fn]));
    for (const job of jobFunctions) expect(byId.has(job.id), job.id).toBe(true);
    expect(byId.get("cleanup-expired")!.triggers).toEqual([{ event: "maintenance/cleanup.requested" }, { cron: "*/15 * * * *" }]);
    expect(byId.get("trim-sync-history")).toMatchObject({ concurrency: { key: "event.data.userId", limit: 1 } });
    expect(byId.get("trim-sync-history")!.steps).toMatchObject({ step: { retries: { attempts: 3 } } });
    expect(byId.get("test-integration-sync-failure")!.triggers).toEqual([
      { event: "inngest/function.failed", expression: "event.data.function_id == 'devpulse-cloud-test-integration-sync'" },
    ]);
  });

  it("runs a function step by step when Inngest calls the endpoint", async () => {
    const db = await getDb();
    const { user, laptop } = await userWithDevices("endpoint-run");
    await push(laptop, [change("p1", null, "v1")]);
    await push(laptop, [change("p1", 1, "v2")]);
    await db.update(syncRevisions).set({ createdAt: new Date(Date.now() - 400 * 86_400_000) }).where(eq(syncRevisions.userId, user.id));

    const endpoint = createInngestEndpoint(inngest.client);
    const run = await invokeThroughEndpoint(endpoint, "devpulse-cloud-trim-sync-history", { name: "sync/history.trim-requested", data: { userId: user.id } });

    expect(run).toMatchObject({ status: "completed", output: { retentionDays: 365, deletedRevisions: 1, deletedProviderItems: 0 }, ranSteps: ["read-retention-setting", "delete-old-revisions", "delete-old-records", "delete-old-provider-data", "record-processing"] });
    const [recorded] = await db.select().from(jobRuns).where(eq(jobRuns.runId, run.runId));
    expect(recorded).toMatchObject({ userId: user.id, status: "completed" });
  });

  it("runs the failure handler when Inngest reports the run failed", async () => {
    const user = await connectedIntegration("endpoint-failure");
    const { heard, stop } = listenRealtime(user.id, { except: ["job:run_updated"] });
    const endpoint = createInngestEndpoint(inngest.client, [failingIntegrationSync]);
    const original = { name: "integration/sync.requested", data: { userId: user.id, provider: "github" } };
    const failedRunId = randomUUID();
    const result = await invokeThroughEndpoint(endpoint, "devpulse-cloud-test-integration-sync-failure", {
      name: "inngest/function.failed",
      data: { function_id: "devpulse-cloud-test-integration-sync", run_id: failedRunId, error: { name: "Error", message: "GitLab is down" }, event: { ...original, id: "e1", ts: Date.now() } },
    });
    stop();

    expect(result.status).toBe("completed");
    const db = await getDb();
    expect((await db.select().from(integrations).where(eq(integrations.userId, user.id)))[0]).toMatchObject({ status: "error", lastError: expect.stringContaining("GitLab is down") });
    expect((await db.select().from(jobRuns).where(eq(jobRuns.runId, failedRunId)))[0]).toMatchObject({ status: "failed", userId: user.id, functionId: "test-integration-sync" });
    expect(heard.map((message) => message.event)).toEqual(["integration:error", "notification:unread", "notification:new"]);
  });
});

describe("jobs.runs", () => {
  it("shows the caller their own runs with the job's name and outcome, never another user's or system runs", async () => {
    const alice = await signedUpUser("runs-alice");
    const bob = await signedUpUser("runs-bob");
    // A runner of its own, stopped at the end: left polling with every job, it would claim later files' runs
    // behind the suite runner's back (whose idle() cannot wait for them).
    const runner = createInProcessRunner({ jobs: jobFunctions, retryDelayMs: () => 5 });
    try {
      await runner.dispatch([
        { name: "sync/history.trim-requested", data: { userId: alice.user.id } },
        { name: "maintenance/cleanup.requested", data: {} },
      ]);
      await runner.idle();
    } finally {
      await runner.stop();
    }

    const mine = await alice.caller.jobs.runs();
    expect(mine.engine).toBe("in-process");
    expect(mine.runs).toEqual([
      expect.objectContaining({ functionId: "trim-sync-history", name: "Delete synced data and provider data older than your retention settings", status: "completed", output: expect.objectContaining({ deletedRevisions: 0 }) }),
    ]);
    expect((await bob.caller.jobs.runs()).runs).toEqual([]);
  });
});
