import { metrics } from "../metrics/registry";
import type { RealtimeMessage } from "./publisher";
import { getLocalPublisher } from "./publisher";

/**
 * This process's open streams (one per connected browser tab or device on the in-process transport).
 * On globalThis: the health and shutdown code runs from other bundles than the tRPC route's.
 */
const holder = globalThis as typeof globalThis & { __devpulseRealtimeStreams?: Set<() => void> };
const openStreams = (holder.__devpulseRealtimeStreams ??= new Set());

/** How many realtime streams this process is serving now. */
export function openRealtimeStreamCount(): number {
  return openStreams.size;
}

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
  openStreams.add(onAbort);
  metrics.realtimeConnections.inc();
  try {
    while (!signal?.aborted) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    metrics.realtimeConnections.dec();
    openStreams.delete(onAbort);
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
  }
}
