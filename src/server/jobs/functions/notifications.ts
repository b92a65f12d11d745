import { getDb } from "../../db/client";
import { getEnv } from "../../env";
import { deliverDue, overdueDeliveries } from "../../notifications/deliver";
import { deliveryDue } from "../../notifications/schedule";
import { defineJob, fanOut } from "../define-job";

/**
 * Notification delivery on the durable jobs. The domain (src/server/notifications) decides,
 * claims and sends; these say when: one run per user, channel and due moment sleeps until
 * then (a digest window's close, the end of quiet hours) and survives restarts while it
 * waits; a sweep picks up anything overdue (a lost event, a sender that died mid-send).
 */
export const deliverNotifications = defineJob(
  {
    id: "deliver-notifications",
    name: "Deliver your notifications",
    events: ["notifications/delivery.due"],
    retries: 6,
    concurrency: { key: 'event.data.userId + ":" + event.data.channel', limit: 1 },
  },
  async ({ event, step }) => {
    const { userId, channel, at } = event.data;
    if (new Date(at) > new Date()) await step.sleepUntil("until-due", at);
    const outcome = await step.run("deliver", async () => {
      const delivered = await deliverDue(await getDb(), getEnv(), userId, channel);
      return { ...delivered, deferredTo: delivered.deferredTo?.toISOString() ?? null };
    });
    // Held again (a rate limit, a focus begun meanwhile): a run for the new moment.
    if (outcome.deferredTo) await step.sendEvent("deferred", deliveryDue({ userId, channel, at: new Date(outcome.deferredTo) }));
    return outcome;
  },
);

/** Every five minutes: deliveries overdue by more than a minute are asked for again (never lost, at worst late). */
export const sweepNotificationDeliveries = defineJob(
  { id: "sweep-notification-deliveries", name: "Deliver overdue notifications", cron: "*/5 * * * *", retries: 2 },
  async ({ step }) => {
    const overdue = await step.run("find-overdue", async () => overdueDeliveries(await getDb()));
    const at = new Date();
    return { overdue: await fanOut(step, "request-deliveries", overdue.map((owner) => deliveryDue({ ...owner, at }))) };
  },
);

export const notificationJobs = [deliverNotifications, sweepNotificationDeliveries];
