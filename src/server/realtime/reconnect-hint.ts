/**
 * A wait between `retryAfterMs` and three times it: the clients of a stopping instance spread
 * their reconnections over a few seconds instead of all arriving at the next instance at once.
 * A realtime stream that ends because the server is stopping says it in a `retry:` field
 * (event-stream.ts), the SSE way of telling EventSource how long to wait before it reconnects.
 */
export function reconnectDelayMs(retryAfterMs: number, random: () => number = Math.random): number {
  return Math.round(retryAfterMs * (1 + 2 * random()));
}
