import { realtimeEvents, type RealtimeEventName, type RealtimePayload } from "~/lib/realtime/events";
import { logger } from "../logger";
import { metrics } from "../metrics/registry";
import { sendingTo } from "../health/outbound";
import { createPusherPublisher, getPusherTransport, type PusherTransport } from "./pusher";

/**
 * How domain code tells a user's browsers and devices that something happened.
 * One small interface; the transport behind it (in-process, Pusher) is chosen by
 * configuration. Publishing never fails the operation that triggered it.
 */
export interface RealtimePublisher {
  publish<E extends RealtimeEventName>(userId: string, event: E, payload: RealtimePayload<E>): Promise<void>;
}

export type RealtimeMessage = { userId: string; event: RealtimeEventName; payload: unknown };
export type RealtimeListener = (message: RealtimeMessage) => void;

/**
 * In-process transport: delivers to subscribers in this server process. Listeners are kept per
 * user, so a publish touches only its user's open streams (not every stream of every user: with
 * 1,000 streams open, a publish called 1,000 listeners to reach 20); a user is forgotten with
 * their last listener.
 */
export function createLocalPublisher() {
  const byUser = new Map<string, Set<RealtimeListener>>();
  /** Listeners to every user's events (tests, diagnostics): usually none. */
  const everyone = new Set<RealtimeListener>();
  const deliver = (listener: RealtimeListener, message: RealtimeMessage) => {
    try {
      listener(message);
    } catch (error) {
      logger.warn("realtime listener failed", { event: message.event, error });
    }
  };
  return {
    async publish<E extends RealtimeEventName>(userId: string, event: E, payload: RealtimePayload<E>) {
      const message: RealtimeMessage = { userId, event, payload: realtimeEvents[event].parse(payload) };
      metrics.realtimeEvents.inc({ event });
      const listeners = byUser.get(userId);
      if (listeners) for (const listener of listeners) deliver(listener, message);
      for (const listener of everyone) deliver(listener, message);
    },
    /** `userId`'s events only. Returns an unsubscribe function (calling it twice is harmless). */
    subscribeUser(userId: string, listener: RealtimeListener): () => void {
      let listeners = byUser.get(userId);
      if (!listeners) byUser.set(userId, (listeners = new Set()));
      listeners.add(listener);
      return () => {
        const current = byUser.get(userId);
        if (current?.delete(listener) && current.size === 0) byUser.delete(userId);
      };
    },
    /** Every user's events. Returns an unsubscribe function. */
    subscribe(listener: RealtimeListener): () => void {
      everyone.add(listener);
      return () => everyone.delete(listener);
    },
    /** How many listeners `userId` has now (their open streams). */
    listenerCount(userId: string): number {
      return byUser.get(userId)?.size ?? 0;
    },
    /** How many users have a listener now. */
    listenedUserCount(): number {
      return byUser.size;
    },
  };
}

export type LocalPublisher = ReturnType<typeof createLocalPublisher>;

const holder = globalThis as typeof globalThis & { __devpulsePublisher?: LocalPublisher };

/** The process-wide in-process bus (the default transport). */
export function getLocalPublisher(): LocalPublisher {
  holder.__devpulsePublisher ??= createLocalPublisher();
  return holder.__devpulsePublisher;
}

const configured = globalThis as typeof globalThis & {
  __devpulsePublisherFor?: { pusher: PusherTransport | undefined; publisher: RealtimePublisher };
};

/**
 * Where events go: always to this process's subscribers (SSE), and to Pusher as
 * well when it is configured, so browsers on pusher-js and clients on SSE both hear them.
 * Built once per Pusher choice (see getPusherTransport), not on every publish.
 */
export function getPublisher(): RealtimePublisher {
  const pusher = getPusherTransport();
  const cached = configured.__devpulsePublisherFor;
  if (cached && cached.pusher === pusher) return cached.publisher;
  const local = getLocalPublisher();
  const remote = pusher ? createPusherPublisher(pusher.pusher) : undefined;
  const publisher: RealtimePublisher = remote
    ? {
        async publish(userId, event, payload) {
          await local.publish(userId, event, payload);
          await sendingTo("pusher", () => remote.publish(userId, event, payload));
        },
      }
    : local;
  configured.__devpulsePublisherFor = { pusher, publisher };
  return publisher;
}

/** Publishes without letting a transport failure undo or fail the caller's work. */
export async function publishSafely<E extends RealtimeEventName>(userId: string, event: E, payload: RealtimePayload<E>): Promise<void> {
  try {
    await getPublisher().publish(userId, event, payload);
  } catch (error) {
    logger.warn("realtime publish failed", { event, error });
  }
}
