import type { ServerResponse } from "node:http";
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
 * same bytes are written to each of the user's streams; a stream holds one listener in the
 * publisher's per-user registry and no generator. The bytes go to a web stream (a route handler's
 * Response) or straight to a node:http response (serve-ahead-of-next.ts).
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

/** Each publish's frame, made by the first of the user's streams to need it. */
const frames = new WeakMap<RealtimeMessage, Uint8Array>();
function frameOf(message: RealtimeMessage): Uint8Array {
  let bytes = frames.get(message);
  if (!bytes) frames.set(message, (bytes = sseDataFrame({ event: message.event, payload: message.payload })));
  return bytes;
}

/** Where a stream's bytes go. `end` is called at most once, and nothing is written after it. */
export type EventSink = { write(chunk: Uint8Array): void; end(): void };

/**
 * How a realtime request was answered: the user whose events it streams, or the frame that refuses it
 * (tRPC's error shape), with the response headers either way. The stream of a user ends with
 * `closedFrame` when the server closes the streams to stop.
 */
export type EventStreamAnswer = { headers: Headers } & (
  | { userId: string; closedFrame: (closing: RealtimeStreamClosedError) => Uint8Array; refusal?: undefined }
  | { refusal: Uint8Array; userId?: undefined }
);

/**
 * Writes the answer's stream to `sink`: `connected`, then the user's events published in this
 * process from now on, until `stop` is called (the client went away) or the server closes the
 * streams (closeRealtimeStreams: `closedFrame` and a `retry:` field, the SSE way of saying how long
 * EventSource should wait before it reconnects). A refusal is `connected` and the refusal's frame.
 * Counted in the realtime metrics while open. Returns `stop`.
 */
export function writeEventStream(answer: EventStreamAnswer, sink: EventSink): () => void {
  if (answer.refusal) {
    sink.write(CONNECTED);
    sink.write(answer.refusal);
    sink.end();
    return () => {};
  }
  const { userId, closedFrame } = answer;
  // Listening before `connected` is sent: a client that heard it misses nothing published after.
  const unsubscribe = getLocalPublisher().subscribeUser(userId, (message) => sink.write(frameOf(message)));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    untrack();
  };
  const endForShutdown = () => {
    const closing = realtimeStreamsClosing()!;
    stop();
    sink.write(closedFrame(closing));
    sink.write(encoder.encode(`retry: ${reconnectDelayMs(closing.retryAfterMs)}\n\n`));
    sink.end();
  };
  const untrack = trackRealtimeStream(endForShutdown);
  sink.write(CONNECTED);
  if (realtimeStreamsClosing()) endForShutdown();
  return stop;
}

/** The stream as a web ReadableStream (a route handler's Response body); it ends when `signal` aborts. */
export function eventStreamBody(answer: EventStreamAnswer, signal: AbortSignal): ReadableStream<Uint8Array> {
  let stop = () => {};
  let hangUp = () => {};
  // The first of the stream's own end, the request's abort and the reader's cancel ends it:
  // a controller throws on close() once its reader has cancelled.
  let ended = false;
  const finish = () => {
    if (ended) return false;
    ended = true;
    signal.removeEventListener("abort", hangUp);
    return true;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        if (finish()) controller.close();
      };
      hangUp = () => {
        stop();
        end();
      };
      stop = writeEventStream(answer, { write: (chunk) => controller.enqueue(chunk), end });
      if (ended) return;
      if (signal.aborted) hangUp();
      else signal.addEventListener("abort", hangUp);
    },
    cancel() {
      stop();
      finish();
    },
  });
}

/** The stream written straight to a node:http response, with its status and headers; it ends when the response closes. */
export function writeEventStreamTo(response: ServerResponse, answer: EventStreamAnswer): void {
  response.writeHead(200, [...answer.headers].flat());
  const stop = writeEventStream(answer, { write: (chunk) => response.write(chunk), end: () => response.end() });
  response.once("close", stop);
}
