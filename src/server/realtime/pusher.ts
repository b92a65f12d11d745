import Pusher from "pusher";
import { userChannel } from "~/lib/realtime/channels";
import type { PusherConnection } from "~/lib/realtime/connection";
import { realtimeEvents, type RealtimeEventName, type RealtimePayload } from "~/lib/realtime/events";
import { getEnv, type Env } from "../env";
import { AppError } from "../errors";
import type { RealtimePublisher } from "./publisher";

/** Pusher's limit on one event's data. */
export const PUSHER_MAX_EVENT_BYTES = 10 * 1024;

/**
 * Everything needed to reach one Pusher app: Pusher Channels by cluster, or a
 * Pusher-protocol server such as Soketi by host. Read from the environment in one
 * place, for the server SDK and for what clients are told (`pusherConnectionFor`).
 */
export type PusherSettings = {
  appId: string;
  key: string;
  secret: string;
  useTLS: boolean;
  cluster?: string;
  host?: string;
  port?: number;
  /** Where clients reach a self-hosted server, when not where this server does (a container name is not a browser's host). */
  client?: { host: string; port?: number; useTLS: boolean };
};

export function pusherSettingsFromEnv(env: Env = getEnv()): PusherSettings | undefined {
  if (!env.PUSHER_APP_ID || !env.PUSHER_KEY || !env.PUSHER_SECRET) return undefined;
  const base = { appId: env.PUSHER_APP_ID, key: env.PUSHER_KEY, secret: env.PUSHER_SECRET, useTLS: env.PUSHER_USE_TLS };
  if (!env.PUSHER_HOST) return { ...base, cluster: env.PUSHER_CLUSTER! };
  const differs = env.PUSHER_CLIENT_HOST !== undefined || env.PUSHER_CLIENT_PORT !== undefined || env.PUSHER_CLIENT_USE_TLS !== undefined;
  const client = differs
    ? { host: env.PUSHER_CLIENT_HOST ?? env.PUSHER_HOST, port: env.PUSHER_CLIENT_PORT ?? env.PUSHER_PORT, useTLS: env.PUSHER_CLIENT_USE_TLS ?? env.PUSHER_USE_TLS }
    : undefined;
  return { ...base, host: env.PUSHER_HOST, port: env.PUSHER_PORT, cluster: env.PUSHER_CLUSTER, ...(client ? { client } : {}) };
}

export function pusherFromSettings(settings: PusherSettings): Pusher {
  const base = { appId: settings.appId, key: settings.key, secret: settings.secret, useTLS: settings.useTLS };
  return settings.host
    ? new Pusher({ ...base, host: settings.host, port: settings.port ? String(settings.port) : undefined })
    : new Pusher({ ...base, cluster: settings.cluster! });
}

/** Pusher Channels, or a Pusher-protocol server such as Soketi, when configured. */
export function pusherFromEnv(env: Env = getEnv()): Pusher | undefined {
  const settings = pusherSettingsFromEnv(env);
  return settings ? pusherFromSettings(settings) : undefined;
}

/** What pusher-js needs to join `userId`'s channel: the public key and hosts, never the secret. */
export function pusherConnectionFor(settings: PusherSettings, userId: string): PusherConnection {
  const reached = settings.client ?? { host: settings.host, port: settings.port, useTLS: settings.useTLS };
  return {
    transport: "pusher",
    key: settings.key,
    channel: userChannel(userId),
    ...(settings.cluster ? { cluster: settings.cluster } : {}),
    ...(reached.host ? { wsHost: reached.host } : {}),
    ...(reached.host && reached.port ? { wsPort: reached.port } : {}),
    forceTLS: reached.useTLS,
  };
}

export type PusherTransport = { settings: PusherSettings; pusher: Pusher };

function pusherTransportFrom(env: Env): PusherTransport | null {
  const settings = pusherSettingsFromEnv(env);
  return settings ? { settings, pusher: pusherFromSettings(settings) } : null;
}

/** null: chosen, and it is none (the in-process transport); undefined: not chosen yet. */
const chosen = globalThis as typeof globalThis & { __devpulsePusherTransport?: PusherTransport | null };

/** The Pusher app this process publishes to and authorises channels for: chosen once, from the environment. */
export function getPusherTransport(): PusherTransport | undefined {
  if (chosen.__devpulsePusherTransport === undefined) chosen.__devpulsePusherTransport = pusherTransportFrom(getEnv());
  return chosen.__devpulsePusherTransport ?? undefined;
}

/**
 * Points this process at the Pusher app `env` describes (or at none) until the
 * returned function restores the previous choice. For tests and tools that run the
 * app in-process: the environment is read once per process, so editing
 * process.env afterwards would change nothing.
 */
export function switchPusherTransport(env: Env): () => void {
  const previous = chosen.__devpulsePusherTransport;
  chosen.__devpulsePusherTransport = pusherTransportFrom(env);
  return () => {
    chosen.__devpulsePusherTransport = previous;
  };
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
