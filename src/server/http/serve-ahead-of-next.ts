import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { logger } from "../logger";
import { peerStampOf } from "./client-address";

/**
 * A few hot requests answered by the node:http server itself, ahead of Next.js, with the same
 * answer a route handler gives them:
 *  - realtime streams: served by a route handler, a stream kept Next's whole request pipeline alive
 *    while it was open (~75 KiB of heap per stream: 17 suspended async functions, ~145 closures,
 *    ~95 promises in a heap snapshot with 500 streams), and every event crossed Next's web-stream
 *    pipe into the socket (~30 µs each; bench/README.md);
 *  - pull pages: Next's routing, its web Request and the pipe of a 1.7 MB body cost the server more
 *    CPU than reading the page from Postgres.
 *
 * Next creates the HTTP server and does not hand it to the app; like shutdown.ts, this finds it
 * through Node's `http.server.request.start` diagnostics channel, which announces each request with
 * its server before the server emits it. On first sight of a server, its `request` listeners (Next's
 * handler) are put behind one that offers each request to the routes here first. What Next does to
 * a request before a route handler sees it is done here too: the `x-forwarded-*` headers it sets
 * when absent, and the headers next.config.mjs gives every response (`headers`).
 */
export type AheadOfNextRoute = {
  /** Whether this request is one to look at here (method and path). */
  matches: (method: string, url: URL) => boolean;
  /** The answer, written by `write` once the headers every response gets are added to `headers`. */
  answer: (request: Request) => Promise<{ headers: Headers; write: (response: ServerResponse) => void }>;
};

type State = { routes: Map<string, AheadOfNextRoute>; headers: ReadonlyArray<{ key: string; value: string }>; servers: WeakSet<Server> };
const holder = globalThis as typeof globalThis & { __devpulseAheadOfNext?: State };

/**
 * Starts offering `route`'s requests to it on every HTTP server of this process, from its next
 * request on. `name` identifies the route: registering a name again replaces it (a route module
 * evaluated twice). `headers`: what every response gets (next.config.mjs).
 */
export function serveAheadOfNext(name: string, route: AheadOfNextRoute, headers: ReadonlyArray<{ key: string; value: string }>): void {
  if (holder.__devpulseAheadOfNext) {
    holder.__devpulseAheadOfNext.routes.set(name, route);
    holder.__devpulseAheadOfNext.headers = headers;
    return;
  }
  const state: State = (holder.__devpulseAheadOfNext = { routes: new Map([[name, route]]), headers, servers: new WeakSet<Server>() });
  diagnostics.subscribe("http.server.request.start", (message) => {
    const { server } = message as { server: Server };
    if (state.servers.has(server)) return;
    state.servers.add(server);
    const handlers = server.listeners("request") as Array<(request: IncomingMessage, response: ServerResponse) => void>;
    server.removeAllListeners("request");
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? "/", "http://internal");
      const method = request.method ?? "GET";
      const route = [...state.routes.values()].find((candidate) => candidate.matches(method, url));
      if (route) void answerHere(state, route, request, response);
      else for (const handler of handlers) handler.call(server, request, response);
    });
  });
}

async function answerHere(state: State, route: AheadOfNextRoute, request: IncomingMessage, response: ServerResponse): Promise<void> {
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
    // Who the request came from, stamped at its start (client-address.ts) on the parsed headers, not the raw ones read above.
    const peer = peerStampOf(request);
    if (peer) headers.set(...peer);
    const webRequest = new Request(new URL(request.url ?? "/", `${encrypted ? "https" : "http"}://${host}`), { headers, signal: hangUp.signal });
    const answer = await route.answer(webRequest);
    if (hangUp.signal.aborted) return;
    for (const { key, value } of state.headers) if (!answer.headers.has(key)) answer.headers.set(key, value);
    answer.write(response);
  } catch (error) {
    logger.error("a request answered ahead of Next failed before its answer started", { error, path: request.url?.split("?")[0] });
    if (!response.headersSent) response.writeHead(500);
    response.end();
  }
}

/** Writes a whole answer (status, headers, body, its length) to a node:http response. */
export function writeWholeAnswer(response: ServerResponse, status: number, headers: Headers, body: Uint8Array | string): void {
  headers.set("content-length", String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength));
  response.writeHead(status, [...headers].flat());
  response.end(body);
}
