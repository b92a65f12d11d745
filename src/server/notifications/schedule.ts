import type { NotificationChannel } from "~/lib/notifications/catalog";
import type { JobEvent } from "../jobs/events";
import { jobs } from "../jobs/send";

/** A user's deliveries on one channel due at `at` (send now: at = now; a hold: its end). */
export type DueDelivery = { userId: string; channel: Exclude<NotificationChannel, "inApp">; at: Date };
export type Scheduler = (deliveries: DueDelivery[]) => Promise<void>;

/**
 * The delivery job's event for one user, channel and moment. Its id makes one run per moment
 * however many notifications wait for it: 40 conflicts held for the 17:00 digest are one run,
 * sleeping durably until 17:00 (and surviving restarts), that sends one digest.
 */
export function deliveryDue({ userId, channel, at }: DueDelivery): JobEvent {
  return { name: "notifications/delivery.due", data: { userId, channel, at: at.toISOString() }, id: `notification-delivery:${userId}:${channel}:${at.getTime()}` };
}

export const scheduleDeliveries: Scheduler = async (deliveries) => {
  await jobs.send(deliveries.map(deliveryDue));
};
