import { realtimeEvents, type RealtimeEventName, type RealtimePayload } from "~/lib/realtime/events";
import { logger } from "../logger";
import { metrics } from "../metrics/registry";
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
type Listener = (message: RealtimeMessage) => void;

/** In-process transport: delivers to subscribers in this server process. */
export function createLocalPublisher() {
  const listeners = new Set<Listener>();
  return {
    async publish<E extends RealtimeEventName>(userId: string, event: E, payload: RealtimePayload<E>) {
      const message = { userId, event, payload: realtimeEvents[event].parse(payload) };
      metrics.realtimeEvents.inc({ event });
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (error) {
          logger.warn("realtime listener failed", { event, error });
        }
      }
    },
    /** Returns an unsubscribe function. */
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
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
          await remote.publish(userId, event, payload);
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
