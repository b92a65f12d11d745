import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { logger } from "../logger";
import { writeEventStreamTo, type EventStreamAnswer } from "./event-stream";

/**
 * Realtime streams answered by the node:http server itself, ahead of Next.js. A stream served by a
 * route handler keeps Next's whole request pipeline alive while it is open — ~75 KiB of heap per
 * stream (17 suspended async functions, ~145 closures, ~95 promises: a heap snapshot with 500 streams,
 * bench/README.md) — and every event crosses Next's web-stream pipe into the socket (~30 µs each).
 * Here the same answer (same authorisation, same bytes and headers: `answer`) is written straight
 * to the node:http response.
 *
 * Next creates the HTTP server and does not hand it to the app; like shutdown.ts, this finds it
 * through Node's `http.server.request.start` diagnostics channel, which announces each request with
 * its server before the server emits it. On first sight of a server, its `request` listeners (Next's
 * handler) are put behind one that takes the realtime requests and hands every other to them.
 * What Next does to a request before a route handler sees it is done here too: the `x-forwarded-*`
 * headers it sets when absent, and the headers next.config.mjs gives every response (`headers`).
 */
export type AheadOfNext = {
  /** Whether this request is one to answer here (method and path). */
  matches: (method: string, url: URL) => boolean;
  answer: (request: Request) => Promise<EventStreamAnswer>;
  /** Headers every response gets (next.config.mjs). */
  headers: ReadonlyArray<{ key: string; value: string }>;
};

const holder = globalThis as typeof globalThis & { __devpulseAheadOfNext?: { route: AheadOfNext; servers: WeakSet<Server> } };

/** Starts answering `route`'s requests on every HTTP server of this process from its next request on (once per process). */
export function serveAheadOfNext(route: AheadOfNext): void {
  if (holder.__devpulseAheadOfNext) {
    holder.__devpulseAheadOfNext.route = route;
    return;
  }
  const state = (holder.__devpulseAheadOfNext = { route, servers: new WeakSet<Server>() });
  diagnostics.subscribe("http.server.request.start", (message) => {
    const { server } = message as { server: Server };
    if (state.servers.has(server)) return;
    state.servers.add(server);
    const handlers = server.listeners("request") as Array<(request: IncomingMessage, response: ServerResponse) => void>;
    server.removeAllListeners("request");
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? "/", "http://internal");
      if (state.route.matches(request.method ?? "GET", url)) void answerHere(state.route, request, response);
      else for (const handler of handlers) handler.call(server, request, response);
    });
  });
}

async function answerHere(route: AheadOfNext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const hangUp = new AbortController();
  response.once("close", () => hangUp.abort());
  try {
    const headers = new Headers();
    for (let index = 0; index < request.rawHeaders.length; index += 2) headers.append(request.rawHeaders[index]!, request.rawHeaders[index + 1]!);
    const encrypted = "encrypted" in request.socket && Boolean(request.socket.encrypted);
    const host = headers.get("host") ?? "localhost";
    // As Next sets them (base-server.ts), only when the client did not.
    const forwarded = { "x-forwarded-host": host, "x-forwarded-port": String(request.socket.localPort ?? ""), "x-forwarded-proto": encrypted ? "https" : "http", "x-forwarded-for": request.socket.remoteAddress ?? "" };
    for (const [name, value] of Object.entries(forwarded)) if (!headers.has(name) && value) headers.set(name, value);
    const webRequest = new Request(new URL(request.url ?? "/", `${encrypted ? "https" : "http"}://${host}`), { headers, signal: hangUp.signal });
    const answer = await route.answer(webRequest);
    if (hangUp.signal.aborted) return;
    for (const { key, value } of route.headers) if (!answer.headers.has(key)) answer.headers.set(key, value);
    writeEventStreamTo(response, answer);
  } catch (error) {
    logger.error("realtime stream failed before it started", { error });
    if (!response.headersSent) response.writeHead(500);
    response.end();
  }
}
