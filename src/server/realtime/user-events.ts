import { metrics } from "../metrics/registry";
import type { RealtimeMessage } from "./publisher";
import { getLocalPublisher } from "./publisher";

/**
 * The stream ends because this server is stopping (a deploy, a restart): the client should
 * reconnect — to another instance, or to this one once it is back — after about `retryAfterMs`.
 */
export class RealtimeStreamClosedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super("DevPulse is restarting: reconnect to keep receiving events.");
    this.name = "RealtimeStreamClosedError";
  }
}

/**
 * This process's open streams (one per connected browser tab or device on the in-process transport),
 * and whether they are being closed. On globalThis: the health and shutdown code runs from other
 * bundles than the tRPC route's.
 */
type Streams = { open: Set<() => void>; closing: RealtimeStreamClosedError | null };
const holder = globalThis as typeof globalThis & { __devpulseRealtimeStreams?: Streams };
const streams = (holder.__devpulseRealtimeStreams ??= { open: new Set(), closing: null });

/** How many realtime streams this process is serving now. */
export function openRealtimeStreamCount(): number {
  return streams.open.size;
}

/** Set once closeRealtimeStreams was called: how long clients are asked to wait before reconnecting. */
export function realtimeStreamsClosing(): RealtimeStreamClosedError | null {
  return streams.closing;
}

/**
 * Ends every open stream, and any opened from now on, with RealtimeStreamClosedError: the SSE
 * subscription turns it into a final "reconnect" event. For shutdown; there is no reopening.
 */
export function closeRealtimeStreams(retryAfterMs: number): void {
  streams.closing ??= new RealtimeStreamClosedError(retryAfterMs);
  for (const wake of streams.open) wake();
}

/**
 * Counts one open stream (health, metrics) until the returned function is called; `end` is
 * called if the server closes the streams meanwhile (closeRealtimeStreams), and the stream must
 * then end with `realtimeStreamsClosing()`'s error.
 */
export function trackRealtimeStream(end: () => void): () => void {
  streams.open.add(end);
  metrics.realtimeConnections.inc();
  let tracked = true;
  return () => {
    if (!tracked) return;
    tracked = false;
    metrics.realtimeConnections.dec();
    streams.open.delete(end);
  };
}

/**
 * The in-process transport's delivery side, as an async generator: yields one user's events as
 * they are published in this server process, until the client goes away (`signal`), or the
 * server closes the streams to stop (then it throws RealtimeStreamClosedError).
 * Only that user's events ever enter the queue. (The SSE route serves the same events without a
 * generator per stream: event-stream.ts.)
 */
export async function* userEvents(userId: string, signal?: AbortSignal): AsyncGenerator<RealtimeMessage> {
  const queue: RealtimeMessage[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = getLocalPublisher().subscribeUser(userId, (message) => {
    queue.push(message);
    wake?.();
  });
  const interrupt = () => wake?.();
  signal?.addEventListener("abort", interrupt);
  const untrack = trackRealtimeStream(interrupt);
  try {
    while (!signal?.aborted) {
      if (streams.closing) throw streams.closing;
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    untrack();
    unsubscribe();
    signal?.removeEventListener("abort", interrupt);
  }
}
