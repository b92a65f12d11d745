import { realtimeEvents, type RealtimeEventName } from "~/lib/realtime/events";
import { getLocalPublisher, type RealtimeMessage } from "~/server/realtime/publisher";
import { until } from "./until";

/**
 * A user's own notification traffic: the notices and the bell's count (tested in notifications-*.test.ts)
 * and the job runs that deliver them. It arrives whenever something the user did earlier is notified
 * (signing in a device, a sync conflict), so a test about something else leaves it out.
 */
export const NOTIFICATION_TRAFFIC: readonly RealtimeEventName[] = [
  ...(Object.keys(realtimeEvents) as RealtimeEventName[]).filter((event) => event.startsWith("notification:")),
  "job:run_updated",
];

export type RealtimeFilter = {
  /** Only these events (all of the user's when absent). */
  events?: readonly RealtimeEventName[];
  /** Never these, e.g. NOTIFICATION_TRAFFIC. */
  except?: readonly RealtimeEventName[];
};

/**
 * What one user's open pages and devices hear on the in-process bus from now until `stop()`:
 * only that user's events, filtered by name. `waitFor` resolves with everything heard once
 * `done` holds for it, and fails after `timeoutMs` saying what was heard.
 */
export function listenRealtime(userId: string, filter: RealtimeFilter = {}) {
  const heard: RealtimeMessage[] = [];
  const stop = getLocalPublisher().subscribe((message) => {
    if (message.userId !== userId) return;
    if (filter.events && !filter.events.includes(message.event)) return;
    if (filter.except?.includes(message.event)) return;
    heard.push(message);
  });
  const waitFor = (done: (heard: RealtimeMessage[]) => boolean, timeoutMs = 10_000) => until(() => heard, done, timeoutMs, 10);
  return { heard, stop, waitFor };
}
