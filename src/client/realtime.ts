/**
 * Receiving realtime events, in browsers and in Node (desktop app, CLI), over
 * whichever transport the server chose (`realtime.connection`): the user's private
 * Pusher channel via pusher-js, or the `realtime.events` server-sent-events
 * subscription. Every event is checked against the catalog before it reaches a
 * handler; unknown or invalid ones are dropped.
 */
import type { TRPCClient } from "@trpc/client";
import type { ChannelAuthorizationCallback, ChannelAuthorizationHandler, Options as PusherOptions } from "pusher-js";
import { z } from "zod";
import type { PusherConnection, RealtimeConnection, RealtimeTransportName } from "../lib/realtime/connection";
import { parseRealtimeEvent, type RealtimeEvent, type RealtimeEventName } from "../lib/realtime/events";
import type { AppRouter } from "../server/api/root";

export type RealtimeSubscription = {
  transport: RealtimeTransportName;
  /** Stops delivery and closes the connection. Safe to call more than once. */
  unsubscribe(): void;
};

export type RealtimeHandler<E extends RealtimeEventName> = (event: RealtimeEvent<E>) => void;

export type RealtimeOptions<E extends RealtimeEventName> = {
  /** Deliver only these events (default: every event in the catalog). */
  events?: readonly E[];
  /**
   * Connection, authorisation and subscription failures, and errors thrown by the
   * handler. The transport keeps reconnecting where it can; unsubscribe to give up.
   */
  onError?: (error: Error) => void;
  /** The subscription is in place: events published from now on will arrive. Fires again after each reconnection. */
  onReady?: () => void;
  /**
   * The subscription is not in place (the first connection failed, or an open one
   * dropped) and the transport is trying again. Events published until the next
   * `onReady` are not replayed: refetch what you show when it fires.
   */
  onInterrupted?: (error: Error) => void;
};

/** Where and as whom to connect. */
export type RealtimeEndpoint = {
  /** A vanilla tRPC client: the SSE transport subscribes through its `realtime.events`. */
  client: Pick<TRPCClient<AppRouter>, "realtime">;
  /** Base URL of the deployment, for POST <baseUrl>/api/pusher/auth; "" in a browser on the same origin. */
  baseUrl: string;
  /** A device's `authorization` header; without one, the browser's session cookie is sent instead. */
  authHeaders?: () => Record<string, string>;
  fetch?: typeof fetch;
};

/** The server refused the channel (pusher-js `pusher:subscription_error`); `status` is the HTTP status when known. */
export class RealtimeSubscriptionError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RealtimeSubscriptionError";
  }
}

export class RealtimeConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RealtimeConnectionError";
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Starts receiving the events `connection` describes and returns at once; events
 * flow once `onReady` fires. Nothing is ever thrown back into the transport: bad
 * events are dropped and failures go to `onError`.
 */
export function openRealtime<E extends RealtimeEventName = RealtimeEventName>(
  endpoint: RealtimeEndpoint,
  connection: RealtimeConnection,
  handler: RealtimeHandler<E>,
  options: RealtimeOptions<E> = {},
): RealtimeSubscription {
  let closed = false;
  const report = (error: unknown) => {
    if (closed) return;
    try {
      options.onError?.(asError(error));
    } catch {
      // an error handler that throws must not break the transport's event loop
    }
  };
  const wanted = options.events ? new Set<string>(options.events) : undefined;
  const deliver = (name: string, payload: unknown) => {
    if (closed || (wanted && !wanted.has(name))) return;
    const event = parseRealtimeEvent(name, payload);
    if (!event) return;
    try {
      handler(event as RealtimeEvent<E>);
    } catch (error) {
      report(error);
    }
  };
  const ready = () => {
    if (!closed) options.onReady?.();
  };
  const interrupted = (error: unknown) => {
    if (closed) return;
    report(error);
    try {
      options.onInterrupted?.(asError(error));
    } catch {
      // as for onError: a listener that throws must not break the transport
    }
  };
  const close =
    connection.transport === "pusher" ? openPusherChannel(endpoint, connection, { deliver, report, ready, interrupted })
      : openEventStream(endpoint, { deliver, report, ready, interrupted });
  return {
    transport: connection.transport,
    unsubscribe() {
      if (closed) return;
      closed = true;
      close();
    },
  };
}

type Sink = {
  deliver(name: string, payload: unknown): void;
  /** A failure that leaves the subscription in place (a handler threw, a transport warning). */
  report(error: unknown): void;
  ready(): void;
  /** The subscription is not in place; the transport is trying again. */
  interrupted(error: unknown): void;
};

/** Delays before re-opening an event stream that ended in error: 1 s, 2 s, 4 s … at most 30 s. */
export function streamRetryDelayMs(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 30_000);
}

/** A refusal (signed out, revoked token, forbidden) does not heal by asking again; a network or server failure may. */
function isRefusal(error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: unknown } } | undefined)?.data?.httpStatus;
  return typeof status === "number" && status >= 400 && status < 500;
}

function openEventStream(endpoint: RealtimeEndpoint, sink: Sink): () => void {
  let closed = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let subscription: { unsubscribe(): void } | undefined;
  const open = () => {
    subscription = endpoint.client.realtime.events.subscribe(undefined, {
      onStarted: () => {
        failures = 0;
        sink.ready();
      },
      onData: (message) => sink.deliver(message.event, message.payload),
      // EventSource reconnects by itself after a network error or a silent stream:
      // tRPC reports that as "connecting" with the error that caused it.
      onConnectionStateChange: (state) => {
        if (state.state === "connecting" && state.error) sink.interrupted(state.error);
      },
      // The stream ended for good (an HTTP error answer, or a refusal): EventSource
      // gives up here, so open a new one after a pause — unless the server refused us.
      onError: (error) => {
        if (closed) return;
        sink.interrupted(error);
        if (isRefusal(error)) return;
        failures += 1;
        timer = setTimeout(() => !closed && open(), streamRetryDelayMs(failures));
      },
    });
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    subscription?.unsubscribe();
  };
}

function openPusherChannel(endpoint: RealtimeEndpoint, connection: PusherConnection, sink: Sink): () => void {
  let stop: (() => void) | undefined;
  let closed = false;
  void import("pusher-js")
    .then(({ default: imported }) => {
      if (closed) return;
      // CommonJS interop differs between bundlers: some hand back module.exports, some wrap it once more.
      const Pusher = (imported as unknown as { default?: typeof imported }).default ?? imported;
      const authorizer = channelAuthorizer(endpoint);
      const pusher = new Pusher(connection.key, pusherOptions(connection, authorizer.handler));
      pusher.connection.bind("error", (error: unknown) => sink.report(new RealtimeConnectionError(describeConnectionError(error))));
      pusher.connection.bind("state_change", ({ previous, current }: { previous: string; current: string }) => {
        if (current === "failed") sink.interrupted(new RealtimeConnectionError("No transport can reach the realtime server from here."));
        // pusher-js reconnects by itself and re-subscribes (subscription_succeeded fires again).
        else if (current === "unavailable" || (previous === "connected" && current === "connecting")) {
          sink.interrupted(new RealtimeConnectionError("The connection to the realtime server was lost; reconnecting."));
        }
      });
      const channel = pusher.subscribe(connection.channel);
      channel.bind("pusher:subscription_succeeded", () => sink.ready());
      channel.bind("pusher:subscription_error", (error: { error?: unknown; status?: unknown }) => {
        const status = typeof error?.status === "number" ? error.status : authorizer.lastFailureStatus();
        sink.interrupted(new RealtimeSubscriptionError(typeof error?.error === "string" ? error.error : "The realtime channel was refused.", status));
      });
      channel.bind_global((name: string, data: unknown) => {
        if (!name.startsWith("pusher:")) sink.deliver(name, data);
      });
      stop = () => {
        pusher.unsubscribe(connection.channel);
        pusher.disconnect();
      };
    })
    .catch((error: unknown) => sink.interrupted(error));
  return () => {
    closed = true;
    stop?.();
  };
}

function pusherOptions(connection: PusherConnection, authorize: ChannelAuthorizationHandler): PusherOptions {
  const selfHosted = connection.wsHost
    ? {
        wsHost: connection.wsHost,
        ...(connection.wsPort ? { wsPort: connection.wsPort, wssPort: connection.wsPort } : {}),
        // A Pusher-protocol server (Soketi) speaks WebSocket only: no HTTP fallbacks, no stats.
        enabledTransports: ["ws", "wss"] as PusherOptions["enabledTransports"],
      }
    : {};
  return {
    // pusher-js requires a cluster even when wsHost makes it irrelevant; "mt1" is Pusher's default.
    cluster: connection.cluster ?? "mt1",
    forceTLS: connection.forceTLS,
    ...selfHosted,
    channelAuthorization: { customHandler: authorize },
  };
}

const channelAuthorization = z.object({ auth: z.string().min(1), channel_data: z.string().optional(), shared_secret: z.string().optional() });

/** Asks POST /api/pusher/auth to sign this socket into the channel: as the device (bearer token) or the browser session (cookie). */
function channelAuthorizer(endpoint: RealtimeEndpoint) {
  const doFetch = endpoint.fetch ?? globalThis.fetch;
  let lastFailureStatus: number | undefined;
  const authorize = async (socketId: string, channelName: string): Promise<z.infer<typeof channelAuthorization>> => {
    const headers = endpoint.authHeaders?.() ?? {};
    const response = await doFetch(`${endpoint.baseUrl}/api/pusher/auth`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
      body: new URLSearchParams({ socket_id: socketId, channel_name: channelName }).toString(),
      credentials: headers.authorization ? "omit" : "same-origin",
    });
    if (!response.ok) {
      lastFailureStatus = response.status;
      const body = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
      throw new RealtimeSubscriptionError(typeof body?.error === "string" ? body.error : `Channel authorisation failed (${response.status}).`, response.status);
    }
    lastFailureStatus = undefined;
    return channelAuthorization.parse(await response.json());
  };
  return {
    handler: (({ socketId, channelName }, callback: ChannelAuthorizationCallback) => {
      authorize(socketId, channelName).then(
        (data) => callback(null, data),
        (error: unknown) => callback(asError(error), null),
      );
    }) satisfies ChannelAuthorizationHandler,
    lastFailureStatus: () => lastFailureStatus,
  };
}

function describeConnectionError(error: unknown): string {
  // pusher-js reports { type: "PusherError", data: { code, message } } or { type: "WebSocketError", error }.
  const e = error as { type?: unknown; data?: { code?: unknown; message?: unknown }; error?: { message?: unknown } } | undefined;
  if (typeof e?.data?.message === "string") return `${e.data.message}${typeof e.data.code === "number" ? ` (${e.data.code})` : ""}`;
  if (typeof e?.error?.message === "string") return e.error.message;
  return typeof e?.type === "string" ? e.type : "The realtime connection failed.";
}

/** Asks the server how to listen (`realtime.connection`), then opens that transport. */
export async function subscribeRealtime<E extends RealtimeEventName = RealtimeEventName>(
  endpoint: RealtimeEndpoint,
  handler: RealtimeHandler<E>,
  options: RealtimeOptions<E> = {},
): Promise<RealtimeSubscription> {
  const connection = await endpoint.client.realtime.connection.query();
  return openRealtime(endpoint, connection, handler, options);
}
