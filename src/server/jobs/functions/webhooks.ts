import { getDb } from "../../db/client";
import { getEnv } from "../../env";
import { attemptDelivery } from "../../webhooks/deliveries";
import { retrySchedule } from "../../webhooks/policy";
import { defineJob } from "../define-job";

/**
 * One outbound webhook delivery: an attempt, then a durable sleep before the next, for as long
 * as WEBHOOK_RETRY_SCHEDULE says (about a day by default). Each attempt is a step, so a restart
 * resumes at the next attempt instead of sending again; what an attempt means (sign, send, record,
 * the endpoint's health) is src/server/webhooks/deliveries.ts.
 */
export const deliverWebhook = defineJob(
  {
    id: "deliver-webhook",
    name: "Deliver a webhook",
    events: ["webhook/delivery.requested"],
    // Retries of a step are for our own failures (the database); the endpoint's failures are the attempts below.
    retries: 3,
    concurrency: { key: "event.data.userId", limit: 5 },
  },
  async ({ event, step }) => {
    const { deliveryId } = event.data;
    // Read once, when the delivery starts: a change of the setting never reshapes a delivery under way.
    const waits = await step.run("plan-attempts", () => retrySchedule(getEnv().WEBHOOK_RETRY_SCHEDULE));
    for (let attempt = 1; ; attempt++) {
      const wait = waits[attempt - 1];
      const result = await step.run(`attempt ${attempt}`, async () =>
        attemptDelivery(await getDb(), getEnv(), deliveryId, attempt, wait === undefined ? null : new Date(Date.now() + wait)),
      );
      if (result.done || wait === undefined) return { attempts: attempt, status: result.status };
      await step.sleep(`wait after attempt ${attempt}`, wait);
    }
  },
);
