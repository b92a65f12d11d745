/**
 * The realtime benchmark's subscribers: many server-sent-event streams on raw
 * node:http (one keep-alive agent, no socket limit), parsed line by line here, so
 * a thousand of them cost the client little (no EventSource objects, no fetch
 * streams). The same code reads the app's `realtime.events` and the floor server
 * (sse-floor-server.mjs), which speaks the same wire format:
 *
 *   event: connected\ndata: {}\n\n\n                          (tRPC, on open)
 *   data: {"json":{"event":"sync:changed","payload":{"cursor":7,…}}}\n\n\n
 *
 * Each event is timestamped when the chunk that completes it is handed to this
 * process (performance.now()), before it is parsed.
 */
import { spawn } from "node:child_process";
import { Agent, request, type ClientRequest } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import superjson from "superjson";

export type Subscriber = {
  index: number;
  /** Whose stream it is: deliveries are counted per group (a user, or a floor-server group). */
  group: number;
  /** performance.now() when the `connected` event arrived. */
  connectedAt: number | undefined;
  /** cursor of each sync:changed event → performance.now() when it arrived. */
  received: Map<number, number>;
  /** Other data events (not sync:changed, or unparseable). */
  unexpected: number;
  /** Set when the stream failed or ended before the pool was closed. */
  failure: string | undefined;
  request: ClientRequest | undefined;
};

export type SubscriberPool = {
  subscribers: Subscriber[];
  /** Resolves when `count` subscribers of `group` have the event with `cursor`, or after `timeoutMs` (false). */
  waitForDelivery(group: number, cursor: number, count: number, timeoutMs: number): Promise<boolean>;
  /** Streams that failed or ended while the pool was open. */
  failures(): Subscriber[];
  close(): void;
};

export type PoolOptions = {
  /** Full URL of the event stream; `host` is replaced by 127.0.0.1 (no DNS, no IPv6 detour). */
  url: (index: number) => string;
  headers: (index: number) => Record<string, string>;
  group: (index: number) => number;
  count: number;
  /** Streams being opened at once (a burst of 1,000 would overflow the listen backlog). */
  concurrency: number;
  /** Give up opening after this long. */
  timeoutMs: number;
  /** Hears each new `sync:changed` of a stream as it arrives (a desktop app pulls then). */
  onSyncChanged?: (subscriber: Subscriber, event: { cursor: number; sourceDeviceId: string | undefined }) => void;
};

/** A `sync:changed` event's cursor and the device whose change it announces; undefined for anything else. */
function parseSyncChanged(data: string): { cursor: number; sourceDeviceId: string | undefined } | undefined {
  try {
    const message = superjson.parse<{ event?: unknown; payload?: { cursor?: unknown; sourceDeviceId?: unknown } }>(data);
    if (message?.event !== "sync:changed" || typeof message.payload?.cursor !== "number") return undefined;
    return { cursor: message.payload.cursor, sourceDeviceId: typeof message.payload.sourceDeviceId === "string" ? message.payload.sourceDeviceId : undefined };
  } catch {
    return undefined;
  }
}

/** Opens `count` streams, at most `concurrency` at a time; resolves once every one has its `connected` event. */
export async function openSubscribers(options: PoolOptions): Promise<SubscriberPool> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  let closed = false;
  const subscribers: Subscriber[] = [];
  /** `${group}:${cursor}` → deliveries so far, and who waits for how many. */
  const counts = new Map<string, number>();
  const waiters = new Map<string, { count: number; resolve: (ok: boolean) => void }>();

  const delivered = (group: number, cursor: number) => {
    const key = `${group}:${cursor}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const waiter = waiters.get(key);
    if (waiter && count >= waiter.count) {
      waiters.delete(key);
      waiter.resolve(true);
    }
  };

  const open = (subscriber: Subscriber) =>
    new Promise<void>((resolve, reject) => {
      const target = new URL(options.url(subscriber.index));
      target.hostname = "127.0.0.1";
      const fail = (reason: string) => {
        if (closed || subscriber.failure) return;
        subscriber.failure = reason;
        reject(new Error(`subscriber ${subscriber.index}: ${reason}`));
      };
      const req = request(target, { agent, headers: { accept: "text/event-stream", "cache-control": "no-cache", ...options.headers(subscriber.index) } }, (res) => {
        if (res.statusCode !== 200) {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => fail(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
          return;
        }
        res.setEncoding("utf8");
        let buffer = "";
        let event: string | undefined;
        let data: string[] = [];
        res.on("data", (chunk: string) => {
          const now = performance.now();
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.endsWith("\r", newline) ? buffer.slice(0, newline - 1) : buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line === "") {
              // Dispatch (a blank line without data, like tRPC's extra "\n", dispatches nothing).
              if (data.length > 0) {
                if (event === "connected") {
                  subscriber.connectedAt = now;
                  resolve();
                } else if (event === undefined || event === "message") {
                  const changed = parseSyncChanged(data.join("\n"));
                  if (changed === undefined) subscriber.unexpected++;
                  else if (!subscriber.received.has(changed.cursor)) {
                    subscriber.received.set(changed.cursor, now);
                    delivered(subscriber.group, changed.cursor);
                    options.onSyncChanged?.(subscriber, changed);
                  }
                } else if (event !== "ping") subscriber.unexpected++;
              }
              event = undefined;
              data = [];
            } else if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
            else if (line.startsWith("event:")) event = line.slice(6).trim();
            // id:, retry: and comments are ignored.
          }
        });
        res.on("end", () => fail("the server ended the stream"));
        res.on("error", (error) => fail(error.message));
      });
      req.on("error", (error) => fail(error.message));
      req.setTimeout(0);
      req.end();
      subscriber.request = req;
    });

  const close = () => {
    closed = true;
    for (const subscriber of subscribers) subscriber.request?.destroy();
    agent.destroy();
    for (const waiter of waiters.values()) waiter.resolve(false);
    waiters.clear();
  };

  for (let index = 0; index < options.count; index++) {
    subscribers.push({ index, group: options.group(index), connectedAt: undefined, received: new Map(), unexpected: 0, failure: undefined, request: undefined });
  }
  let next = 0;
  const worker = async () => {
    while (next < subscribers.length) await open(subscribers[next++]!);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${subscribers.filter((s) => s.connectedAt !== undefined).length} of ${options.count} streams connected within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
      }),
    ]);
  } catch (error) {
    close();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    subscribers,
    waitForDelivery(group, cursor, count, timeoutMs) {
      const key = `${group}:${cursor}`;
      if ((counts.get(key) ?? 0) >= count) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timeout = setTimeout(() => {
          waiters.delete(key);
          resolve(false);
        }, timeoutMs);
        waiters.set(key, {
          count,
          resolve: (ok) => {
            clearTimeout(timeout);
            resolve(ok);
          },
        });
      });
    },
    failures: () => subscribers.filter((subscriber) => subscriber.failure !== undefined),
    close,
  };
}

// ───────────────────────────── the floor server ─────────────────────────────

export type FloorServer = { url: string; pid: number; stop: () => Promise<void> };

/** Starts sse-floor-server.mjs with plain Node (its own process, like the app server) and waits until it listens. */
export async function startFloorServer(): Promise<FloorServer> {
  const script = join(dirname(fileURLToPath(import.meta.url)), "sse-floor-server.mjs");
  const child = spawn(process.execPath, [script, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`the floor server exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
