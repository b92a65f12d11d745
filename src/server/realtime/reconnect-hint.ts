import { realtimeStreamsClosing } from "./user-events";

/**
 * A wait between `retryAfterMs` and three times it: the clients of a stopping instance spread
 * their reconnections over a few seconds instead of all arriving at the next instance at once.
 */
export function reconnectDelayMs(retryAfterMs: number, random: () => number = Math.random): number {
  return Math.round(retryAfterMs * (1 + 2 * random()));
}

/**
 * Server-sent-event responses (the tRPC subscriptions) that end because the server is stopping
 * also end with a `retry:` field, the SSE way of saying how long EventSource should wait before
 * it reconnects (tRPC's final SERVICE_UNAVAILABLE event says that it should). Other responses pass through.
 */
export function withReconnectHint(response: Response): Response {
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
  const hinted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      flush(controller) {
        const closing = realtimeStreamsClosing();
        if (closing) controller.enqueue(new TextEncoder().encode(`retry: ${reconnectDelayMs(closing.retryAfterMs)}\n\n`));
      },
    }),
  );
  return new Response(hinted, { status: response.status, statusText: response.statusText, headers: response.headers });
}
