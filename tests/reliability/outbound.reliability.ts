import { afterAll, describe, expect, it } from "vitest";
import { userChannel } from "~/lib/realtime/channels";
import { parseEnv } from "~/server/env";
import { checkDeepHealth } from "~/server/health/deep";
import { outboundState } from "~/server/health/outbound";
import { createInngestClient } from "~/server/jobs/client";
import { createJobSender, getJobRunner } from "~/server/jobs/send";
import { publishSafely } from "~/server/realtime/publisher";
import { switchPusherTransport } from "~/server/realtime/pusher";
import { startInngestDouble } from "../doubles/inngest/server";
import { startPusherDouble } from "../doubles/pusher/server";
import { signedUpUser } from "../support/callers";
import { measured, scaled } from "./support/figures";

/**
 * Pusher and Inngest going away and coming back, with the app's own publisher and job sender
 * pointed at their doubles: while away, a realtime publish degrades to a warning (the caller's
 * work goes on) and a job send fails to its caller; /api/health/deep says which, since when and
 * why; once they are back (a double started again on the same port), sends go through and
 * the report is ok again, with no restart.
 */

/** Each round with the services away waits out the Inngest SDK's retries of every job send (~1.5 s each). */
const ROUNDS = scaled(20, 2);
const SENDS = 5;
const PUSHER_APP = { appId: "4242", key: "outbound-key", secret: "outbound-secret-of-the-pusher-app" };
const EVENT_KEY = "outbound-event-key";

let restoreTransport = () => {};
afterAll(() => restoreTransport());

describe("outbound services going away", () => {
  it(`Pusher and Inngest stopped and started again ${ROUNDS} times: degraded and reported while away, recovered after`, { timeout: 10 * 60_000 }, async () => {
    let pusher = await startPusherDouble(PUSHER_APP);
    let inngest = await startInngestDouble({ eventKey: EVENT_KEY });
    const pusherPort = pusher.port;
    const inngestPort = Number(new URL(inngest.url).port);
    const env = parseEnv({
      ...process.env,
      PUSHER_APP_ID: PUSHER_APP.appId,
      PUSHER_KEY: PUSHER_APP.key,
      PUSHER_SECRET: PUSHER_APP.secret,
      PUSHER_HOST: "127.0.0.1",
      PUSHER_PORT: String(pusherPort),
      PUSHER_USE_TLS: "false",
      INNGEST_DEV: inngest.url,
      INNGEST_EVENT_KEY: EVENT_KEY,
    });
    restoreTransport = switchPusherTransport(env);
    const sender = createJobSender({ mode: "inngest", inngest: () => createInngestClient(env), runner: getJobRunner });
    const { user } = await signedUpUser("outbound");
    const publish = () => publishSafely(user.id, "sync:changed", { cursor: 1, changes: 1, sourceDeviceId: null });
    const sendJob = () => sender.send({ name: "maintenance/cleanup.requested", data: {} }).then(() => true, () => false);

    const findings: string[] = [];
    let sends = 0;
    const figure = await measured({ area: "Providers and engines", check: "Pusher and the Inngest server stopped and started again while the app publishes and queues jobs", trials: "sends" }, async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        // Up: everything goes through, and the report is ok.
        // Other work of this process (job runs, other users) publishes too: count this user's events.
        const ours = () => pusher.events.filter((event) => event.name === "sync:changed" && event.channels.includes(userChannel(user.id))).length;
        const publishedBefore = ours();
        for (let send = 0; send < SENDS; send += 1) {
          await publish();
          if (!(await sendJob())) findings.push(`round ${round}: a job send failed while Inngest was up`);
          sends += 2;
        }
        if (ours() - publishedBefore !== SENDS) findings.push(`round ${round}: ${ours() - publishedBefore} of ${SENDS} events reached Pusher`);
        const healthy = await checkDeepHealth({ env });
        if (healthy.status !== "ok" || outboundState("pusher").status !== "ok" || outboundState("inngest").status !== "ok") findings.push(`round ${round}: up, but deep health said ${healthy.status}: ${healthy.problems.join("; ")}`);

        // Away: a publish degrades to a warning; a job send fails to its caller; the report says both.
        await Promise.all([pusher.close(), inngest.close()]);
        for (let send = 0; send < SENDS; send += 1) {
          await publish(); // must not throw
          if (await sendJob()) findings.push(`round ${round}: a job send succeeded with Inngest away`);
          sends += 2;
        }
        const away = await checkDeepHealth({ env });
        const reported = away.status === "degraded" && away.problems.some((problem) => problem.startsWith("Pusher")) && away.problems.some((problem) => problem.startsWith("Inngest"));
        if (!reported) findings.push(`round ${round}: away, but deep health said ${away.status}: ${away.problems.join("; ")}`);
        if (away.realtime.publishing?.status !== "failing" || away.jobs.engine !== "inngest" || away.jobs.sending.status !== "failing") findings.push(`round ${round}: away, but the states were not "failing"`);

        // Back on the same ports: no restart of anything of ours.
        [pusher, inngest] = await Promise.all([startPusherDouble(PUSHER_APP, { port: pusherPort }), startInngestDouble({ eventKey: EVENT_KEY, port: inngestPort })]);
      }
      await Promise.all([pusher.close(), inngest.close()]);
      return {
        tried: sends,
        lost: findings.length,
        detail: `${ROUNDS} rounds of ${SENDS} publishes and ${SENDS} job sends with both up, then with both stopped; a finding is an event that did not reach Pusher or a job send that failed while up, a publish that threw or a job send that "succeeded" while away, or /api/health/deep not saying which service was failing (and ok again after)${findings.length ? `: ${findings.slice(0, 5).join("; ")}` : ""}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });
});
