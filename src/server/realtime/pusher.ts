import Pusher from "pusher";
import { userChannel } from "~/lib/realtime/channels";
import { realtimeEvents, type RealtimeEventName, type RealtimePayload } from "~/lib/realtime/events";
import { getEnv, type Env } from "../env";
import { AppError } from "../errors";
import type { RealtimePublisher } from "./publisher";

/** Pusher's limit on one event's data. */
export const PUSHER_MAX_EVENT_BYTES = 10 * 1024;

/** Pusher Channels, or a Pusher-protocol server such as Soketi, when configured. */
export function pusherFromEnv(env: Env = getEnv()): Pusher | undefined {
  if (!env.PUSHER_APP_ID || !env.PUSHER_KEY || !env.PUSHER_SECRET) return undefined;
  const base = { appId: env.PUSHER_APP_ID, key: env.PUSHER_KEY, secret: env.PUSHER_SECRET, useTLS: env.PUSHER_USE_TLS };
  return env.PUSHER_HOST
    ? new Pusher({ ...base, host: env.PUSHER_HOST, port: env.PUSHER_PORT ? String(env.PUSHER_PORT) : undefined })
    : new Pusher({ ...base, cluster: env.PUSHER_CLUSTER! });
}

export function createPusherPublisher(pusher: Pusher): RealtimePublisher {
  return {
    async publish<E extends RealtimeEventName>(userId: string, event: E, payload: RealtimePayload<E>) {
      const data = realtimeEvents[event].parse(payload);
      const size = new TextEncoder().encode(JSON.stringify(data)).length;
      if (size > PUSHER_MAX_EVENT_BYTES) throw new Error(`${event} payload is ${size} bytes, over Pusher's ${PUSHER_MAX_EVENT_BYTES}`);
      const response = await pusher.trigger(userChannel(userId), event, data);
      if (response.status >= 300) throw new Error(`Pusher answered ${response.status} to ${event}`);
    },
  };
}

/**
 * Channel authorisation for pusher-js (POST /api/pusher/auth): a signed-in caller
 * may join exactly their own private channel, nothing else.
 */
export function authorizeUserChannel(pusher: Pusher, userId: string | null, form: { socketId: unknown; channelName: unknown }) {
  if (!userId) throw new AppError("FORBIDDEN", "Sign in (or use a device token) to receive realtime events.");
  const { socketId, channelName } = form;
  if (typeof socketId !== "string" || !/^\d+\.\d+$/.test(socketId)) throw new AppError("BAD_REQUEST", "socket_id is missing or malformed.");
  if (channelName !== userChannel(userId)) throw new AppError("FORBIDDEN", "You may only subscribe to your own channel.");
  return pusher.authorizeChannel(socketId, channelName);
}
