import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET } from "~/app/api/metrics/route";
import { getDb } from "~/server/db/client";
import { getJobRunner, jobs } from "~/server/jobs/send";
import { notify } from "~/server/notifications/notify";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { change, push, userWithDevices } from "../support/sync";
import { until } from "../support/until";

const TOKEN = "metrics-token-0123456789abcdef";
useEnv(() => ({ METRICS_TOKEN: TOKEN }));

const scrape = (authorization?: string) => GET(new Request("http://localhost/api/metrics", { headers: authorization ? { authorization } : {} }));

/** The value of one series in Prometheus text (0 when the series has not appeared yet). */
async function sample(name: string, labels = ""): Promise<number> {
  const text = await (await scrape(`Bearer ${TOKEN}`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

describe("/api/metrics", () => {
  it("answers 401 without the token or with a wrong one, and the Prometheus text with it", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Basic ${TOKEN}`)).status).toBe(401);
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/plain");
    const text = await ok.text();
    // The default Node metrics, and ours declared even before anything happened.
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("# TYPE devpulse_notifications_decided_total counter");
    expect(text).toContain("# TYPE devpulse_email_circuit_state gauge");
  });

  it("is off (404) when METRICS_TOKEN is unset", async () => {
    const { metricsResponse } = await import("~/server/metrics/endpoint");
    expect((await metricsResponse(new Request("http://localhost/api/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }), {})).status).toBe(404);
  });

  it("counts sync pushes, records and conflicts as they happen", async () => {
    const before = { pushes: await sample("devpulse_sync_pushes_total", 'outcome="applied"'), records: await sample("devpulse_sync_records_pushed_total"), conflicts: await sample("devpulse_sync_conflicts_total") };
    const alice = await userWithDevices("metrics");
    const id = `m-${randomUUID().slice(0, 8)}`;
    await push(alice.laptop, [change(id, null, "a"), change(`${id}-2`, null, "b")]);
    await push(alice.desktop, [change(id, null, "c")]); // conflicts with the laptop's
    expect(await sample("devpulse_sync_pushes_total", 'outcome="applied"')).toBe(before.pushes + 2);
    expect(await sample("devpulse_sync_records_pushed_total")).toBe(before.records + 2);
    expect(await sample("devpulse_sync_conflicts_total")).toBe(before.conflicts + 1);
  });

  it("counts open realtime streams and events published", async () => {
    const alice = await userWithDevices("metrics-rt");
    const open = await sample("devpulse_realtime_connections");
    const published = await sample("devpulse_realtime_events_total", 'event="sync:changed"');
    const stream = await alice.caller.realtime.events();
    const reading = (async () => {
      for await (const message of stream) if (message.event === "sync:changed") break;
    })();
    await until(() => sample("devpulse_realtime_connections"), (value) => value === open + 1);
    await push(alice.laptop, [change(`rt-${randomUUID().slice(0, 8)}`, null, "a")]);
    await reading;
    expect(await sample("devpulse_realtime_events_total", 'event="sync:changed"')).toBe(published + 1);
    await until(() => sample("devpulse_realtime_connections"), (value) => value === open);
  });

  it("counts each notification's decision per channel, outcome and reason, how long it took, and how it was listed", async () => {
    const { user } = await signedUpUser("metrics-notify");
    await getJobRunner().idle(); // nothing else notifies while the counters are read
    const decided = (channel: string, outcome: string, reason: string) => sample("devpulse_notifications_decided_total", `channel="${channel}",outcome="${outcome}",reason="${reason}"`);
    const listed = (form: string) => sample("devpulse_notifications_delivered_total", `channel="inApp",form="${form}"`);
    const read = async () => ({
      inApp: await decided("inApp", "send", "immediate"),
      desktop: await decided("desktop", "send", "immediate"),
      email: await decided("email", "send", "immediate"),
      webhook: await decided("webhook", "drop", "no_endpoint"),
      single: await listed("single"),
      folded: await listed("folded"),
      // The decision latency histogram: one observation per notify call.
      timed: await sample("devpulse_notification_decision_seconds_count"),
      seconds: await sample("devpulse_notification_decision_seconds_sum"),
    });
    const before = await read();
    const db = await getDb();
    // Default preferences, no webhook endpoint: in-app, desktop and email now, the webhook channel dropped.
    const first = await notify(db, user.id, "sync.conflict_detected", { count: 2, conflictIds: [randomUUID(), randomUUID()] });
    const once = await read();
    expect(once).toEqual({
      inApp: before.inApp + 1,
      desktop: before.desktop + 1,
      email: before.email + 1,
      webhook: before.webhook + 1,
      single: before.single + 1,
      folded: before.folded,
      timed: before.timed + 1,
      seconds: expect.closeTo(before.seconds + first.decisionMs / 1000, 6),
    });
    // A second conflict folds into the first, unread one: decided again, listed as a fold.
    await notify(db, user.id, "sync.conflict_detected", { count: 1, conflictIds: [randomUUID()] });
    const twice = await read();
    expect(twice.folded).toBe(once.folded + 1);
    expect(twice.single).toBe(once.single);
    expect(twice.timed).toBe(once.timed + 1);
  });

  it("counts background job runs by job and outcome", async () => {
    const before = await sample("devpulse_job_runs_total", 'job="cleanup-expired",outcome="completed"');
    await jobs.send({ name: "maintenance/cleanup.requested", data: {} });
    await until(() => sample("devpulse_job_runs_total", 'job="cleanup-expired",outcome="completed"'), (value) => value === before + 1);
  });
});
