import { metrics } from "../metrics/registry";
import type { RealtimeMessage } from "./publisher";
import { getLocalPublisher } from "./publisher";

/**
 * The in-process transport's delivery side: yields one user's events as they are
 * published in this server process, until the client goes away (`signal`). Only
 * that user's events ever enter the queue.
 */
export async function* userEvents(userId: string, signal?: AbortSignal): AsyncGenerator<RealtimeMessage> {
  const queue: RealtimeMessage[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = getLocalPublisher().subscribe((message) => {
    if (message.userId !== userId) return;
    queue.push(message);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  metrics.realtimeConnections.inc();
  try {
    while (!signal?.aborted) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    metrics.realtimeConnections.dec();
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
  }
}
