import diagnostics from "node:diagnostics_channel";
import type { Server, ServerResponse } from "node:http";
import { closeDb } from "./db/client";
import { getEnv } from "./env";
import { logger } from "./logger";
import { closeRealtimeStreams } from "./realtime/user-events";

/**
 * Stopping without dropping anyone: on SIGTERM (a deploy, `docker stop`) the server stops taking
 * connections, lets what is in flight finish, asks realtime clients to reconnect elsewhere and
 * closes the database — in that order, in `shutDown` below.
 *
 * Next.js creates the HTTP server and does not hand it to the app, so the server and its requests
 * are found through Node's `http.server.request.start` diagnostics channel: every request announces
 * itself with its server and response. (Next leaves the signals to us: NEXT_MANUAL_SIG_HANDLE is set
 * by scripts/start.mjs and the Dockerfile.) A server that has not answered a request yet is not known,
 * but then nothing is in flight on it either; exiting closes it.
 */

/** How long clients are asked to wait before reconnecting (the SSE `retry:` hint spreads it up to three times that). */
export const RECONNECT_AFTER_MS = 1_000;

type Requests = { servers: Set<Server>; inFlight: Set<ServerResponse>; draining: boolean; settled: Set<() => void> };
const holder = globalThis as typeof globalThis & { __devpulseRequests?: Requests; __devpulseSignalsHandled?: boolean };

/** Starts following this process's HTTP servers and the requests they are answering (once per process). */
export function trackHttpRequests(): Requests {
  if (holder.__devpulseRequests) return holder.__devpulseRequests;
  const requests: Requests = { servers: new Set(), inFlight: new Set(), draining: false, settled: new Set() };
  holder.__devpulseRequests = requests;
  diagnostics.subscribe("http.server.request.start", (message) => {
    const { server, response } = message as { server: Server; response: ServerResponse };
    if (!requests.servers.has(server)) {
      requests.servers.add(server);
      // Seen only now, after draining began: it must stop accepting too.
      if (requests.draining) server.close();
    }
    // While draining, each answer closes its connection instead of keeping it alive for another request.
    if (requests.draining) response.shouldKeepAlive = false;
    requests.inFlight.add(response);
    response.once("close", () => {
      requests.inFlight.delete(response);
      if (requests.inFlight.size === 0) for (const settle of requests.settled) settle();
    });
  });
  return requests;
}

/** Resolves true once no request is in flight, or false at `deadline` if some still are. */
function requestsFinished(requests: Requests, deadline: number): Promise<boolean> {
  if (requests.inFlight.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (finished: boolean) => {
      clearTimeout(timer);
      requests.settled.delete(settle);
      resolve(finished);
    };
    const settle = () => done(true);
    const timer = setTimeout(() => done(requests.inFlight.size === 0), Math.max(0, deadline - Date.now()));
    requests.settled.add(settle);
  });
}

export type ShutdownResult = { clean: boolean; unfinishedRequests: number };

/**
 * The whole stop, in order. `graceMs` bounds steps 3 and 4 together; the database's own close is
 * bounded too (postgres.js gives queries 5 s), so the process is gone a few seconds after the grace at most.
 */
export async function shutDown({ graceMs = getEnv().SHUTDOWN_GRACE_MS }: { graceMs?: number } = {}): Promise<ShutdownResult> {
  const deadline = Date.now() + graceMs;
  const requests = trackHttpRequests();
  logger.info("stopping: finishing requests and background steps", { graceMs, inFlight: requests.inFlight.size });

  // 1. Stop accepting: listening servers refuse new connections and close idle keep-alive ones;
  //    the connections still answering close once their answer is sent.
  requests.draining = true;
  for (const server of requests.servers) server.close();
  for (const response of requests.inFlight) response.shouldKeepAlive = false;

  // 2. Stop claiming background work; the steps already running go on (in parallel with step 4).
  const steps = import("./jobs/send").then(({ stopJobEngine }) => stopJobEngine(Math.max(0, deadline - Date.now())));

  // 3. Close realtime streams: they never end by themselves. Each ends with an event telling its
  //    client to reconnect (to another instance, or to this one once restarted) and a `retry:` delay.
  closeRealtimeStreams(RECONNECT_AFTER_MS);

  // 4. Let in-flight requests (the closing streams among them) and running steps finish, until the deadline.
  const [finished] = await Promise.all([
    requestsFinished(requests, deadline),
    steps.catch((error: unknown) => logger.error("background jobs did not stop cleanly", { error })),
  ]);
  const unfinishedRequests = requests.inFlight.size;
  if (!finished) logger.warn("stopping with requests unfinished after the grace period", { unfinishedRequests });

  // 5. Close what connections are left: idle ones now, and those past the deadline.
  for (const server of requests.servers) {
    server.closeIdleConnections();
    if (!finished) server.closeAllConnections();
  }

  // 6. Close the database last: the requests and steps above were using it.
  try {
    await closeDb();
    logger.info("database closed");
  } catch (error) {
    logger.error("database did not close cleanly", { error });
    return { clean: false, unfinishedRequests };
  }
  return { clean: finished, unfinishedRequests };
}

/**
 * SIGTERM or SIGINT: shut down as above, then exit — 0 when everything finished in time, 1 otherwise.
 * A second signal exits at once. `exit` is replaceable for tests that check the process on its way out.
 */
export function stopGracefullyOnSignals({ exit = (code: number) => process.exit(code) }: { exit?: (code: number) => void | Promise<void> } = {}) {
  trackHttpRequests();
  // Once per process, however often start-up runs (Next's dev server may load instrumentation again).
  if (holder.__devpulseSignalsHandled) return;
  holder.__devpulseSignalsHandled = true;
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info("signal received", { signal });
      void shutDown()
        .catch((error: unknown) => {
          logger.error("shutdown failed", { error });
          return { clean: false };
        })
        .then(({ clean }) => exit(clean ? 0 : 1));
    });
  }
}
