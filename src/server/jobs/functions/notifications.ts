import { getDb } from "../../db/client";
import { getEnv } from "../../env";
import { deliverDue, overdueDeliveries } from "../../notifications/deliver";
import { notifySafely } from "../../notifications/notify";
import { focusReminderTime, remindFocusBlock } from "../../notifications/producers/focus-reminders";
import { previousWeekStart, sendWeeklySummary, usersForWeeklySummary } from "../../notifications/producers/weekly-summary";
import { deliveryDue } from "../../notifications/schedule";
import { defineJob, fanOut } from "../define-job";

/**
 * Notification delivery on the durable jobs. The domain (src/server/notifications) decides,
 * claims and sends; these say when: one run per user, channel and due moment sleeps until
 * then (a digest window's close, the end of quiet hours) and survives restarts while it
 * waits; a sweep picks up anything overdue (a lost event, a sender that died mid-send).
 *
 * The runs need no priority of their own: each one delivers everything due for its user and
 * channel, most important first (deliver.ts), so whichever run of a user and channel goes first,
 * urgent notices leave first; across users, the global limit keeps a reserve for urgent ones and
 * makes less important mail give way while more important mail waits (rate-limits.ts), so the
 * order in which deferred runs wake does not decide who goes first either.
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

/** Sleeps until N minutes before a focus block, then reminds; a removed or moved block cancels it. */
export const remindFocusBlockJob = defineJob(
  {
    id: "remind-focus-block",
    name: "Remind you before a focus block",
    events: ["notifications/focus-reminder.requested"],
    retries: 3,
    cancelOn: [{ event: "notifications/focus-reminder.cancelled", match: "data.blockId" }],
  },
  async ({ event, step }) => {
    const { userId, blockId, startsAt } = event.data;
    const at = await step.run("reminder-time", async () => focusReminderTime(await getDb(), userId, startsAt));
    if (new Date(at) > new Date()) await step.sleepUntil("until-reminder", at);
    return step.run("remind", async () => remindFocusBlock(await getDb(), userId, blockId, startsAt));
  },
);

/** Mondays 08:00 UTC: one summary run per user for the week before. */
export const scheduleWeeklySummaries = defineJob(
  { id: "schedule-weekly-summaries", name: "Send the weekly summaries", cron: "0 8 * * 1", retries: 2 },
  async ({ step }) => {
    const weekStart = previousWeekStart(new Date());
    const userIds = await step.run("find-users", async () => usersForWeeklySummary(await getDb()));
    return { users: await fanOut(step, "request-summaries", userIds.map((userId) => ({ name: "notifications/weekly-summary.requested" as const, data: { userId, weekStart }, id: `weekly-summary:${userId}:${weekStart}` }))) };
  },
);

export const sendWeeklySummaryJob = defineJob(
  { id: "send-weekly-summary", name: "Send your weekly summary", events: ["notifications/weekly-summary.requested"], retries: 3, concurrency: { key: "event.data.userId", limit: 1 } },
  async ({ event, step }) => step.run("send", async () => sendWeeklySummary(await getDb(), event.data.userId, event.data.weekStart)),
);

/**
 * The conflict notice of a sync push, made here rather than in the push: the push is the hot path
 * (the user's pushes queue on its lock), and the durable event it sends is the notice's promise.
 */
export const notifySyncConflicts = defineJob(
  { id: "notify-sync-conflicts", name: "Tell you about sync conflicts", events: ["sync/conflicts.detected"], retries: 0, concurrency: { key: "event.data.userId", limit: 1 } },
  async ({ event, step }) =>
    // One try, as inline before: a repeat would fold the same conflicts in twice.
    step.run("notify", async () => {
      const { userId, count, conflictIds } = event.data;
      return (await notifySafely(await getDb(), userId, "sync.conflict_detected", { count, conflictIds }))?.notificationId ?? null;
    }),
);

export const notificationJobs = [notifySyncConflicts, deliverNotifications, sweepNotificationDeliveries, remindFocusBlockJob, scheduleWeeklySummaries, sendWeeklySummaryJob];
