import { transformer } from "~/lib/transformer";
import { getLocalPublisher, type RealtimeMessage } from "./publisher";
import { reconnectDelayMs } from "./reconnect-hint";
import { realtimeStreamsClosing, trackRealtimeStream, type RealtimeStreamClosedError } from "./user-events";

/**
 * One user's realtime events as a server-sent-event body, in tRPC's wire format for a subscription
 * (@trpc/server v11, `sseStreamProducer`), byte for byte, so tRPC's httpSubscriptionLink (the SDK,
 * the browser) reads it unchanged:
 *
 *   event: connected\ndata: {}\n\n\n                         at once (`{}`: no client options)
 *   data: <JSON of transformer.serialize({ event, payload })>\n\n\n      per event
 *   event: serialized-error\ndata: <JSON of the serialized error shape>\n\n\n   when it ends with an error
 *
 * tRPC's own producer runs every event of every stream through an async generator and a chain of
 * web streams and serialises it once per stream: at 1,000 streams of one user a publish cost the
 * server ~300 ms of CPU (bench/README.md). Here a publish is serialised once (`frameOf`) and the
 * same bytes are queued on each of the user's streams; a stream holds one listener in the
 * publisher's per-user registry and no generator.
 */

const encoder = new TextEncoder();
/** tRPC ends every event with "\n\n" after its fields' own "\n". */
const frame = (fields: string) => encoder.encode(`${fields}\n\n`);

const CONNECTED = frame("event: connected\ndata: {}\n");

/** The frame of a value the subscription yields. */
export function sseDataFrame(value: unknown): Uint8Array {
  return frame(`data: ${JSON.stringify(transformer.serialize(value))}\n`);
}

/** The frame of the error a subscription ends with: tRPC's error shape (getErrorShape), serialized. */
export function sseErrorFrame(shape: unknown): Uint8Array {
  return frame(`event: serialized-error\ndata: ${JSON.stringify(transformer.serialize(shape))}\n`);
}

/** A stream that only says it connected and then why it ends: a refused subscription, as tRPC answers one. */
export function refusedEventStream(error: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(CONNECTED);
      controller.enqueue(error);
      controller.close();
    },
  });
}

/** Each publish's frame, made by the first of the user's streams to need it. */
const frames = new WeakMap<RealtimeMessage, Uint8Array>();
function frameOf(message: RealtimeMessage): Uint8Array {
  let bytes = frames.get(message);
  if (!bytes) frames.set(message, (bytes = sseDataFrame({ event: message.event, payload: message.payload })));
  return bytes;
}

export type UserEventStreamOptions = {
  /** The client went away: the stream ends. */
  signal?: AbortSignal;
  /** The frame that ends a stream the server closes to stop (an sseErrorFrame that tells tRPC clients to reconnect). */
  closedFrame: (closing: RealtimeStreamClosedError) => Uint8Array;
};

/**
 * `userId`'s events published in this process from now on, as an SSE body (see above). When the
 * server closes the streams (closeRealtimeStreams) it ends with `closedFrame` and a `retry:` field,
 * the SSE way of saying how long EventSource should wait before it reconnects. Counted in the
 * realtime metrics while open.
 */
export function userEventStream(userId: string, { signal, closedFrame }: UserEventStreamOptions): ReadableStream<Uint8Array> {
  let stop = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // Listening before `connected` is sent: a client that heard it misses nothing published after.
      const unsubscribe = getLocalPublisher().subscribeUser(userId, (message) => controller.enqueue(frameOf(message)));
      const endForShutdown = () => {
        const closing = realtimeStreamsClosing()!;
        stop();
        controller.enqueue(closedFrame(closing));
        controller.enqueue(encoder.encode(`retry: ${reconnectDelayMs(closing.retryAfterMs)}\n\n`));
        controller.close();
      };
      const hangUp = () => {
        stop();
        controller.close();
      };
      const untrack = trackRealtimeStream(endForShutdown);
      stop = () => {
        stop = () => {};
        unsubscribe();
        untrack();
        signal?.removeEventListener("abort", hangUp);
      };
      controller.enqueue(CONNECTED);
      if (realtimeStreamsClosing()) endForShutdown();
      else if (signal?.aborted) hangUp();
      else signal?.addEventListener("abort", hangUp);
    },
    cancel() {
      stop();
    },
  });
}
