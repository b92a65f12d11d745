import { z } from "zod";

/**
 * How a client receives its realtime events, as `realtime.connection` tells it:
 * over the server-sent-events subscription (`realtime.events`), or on its private
 * Pusher channel. Public connection details only: the app secret never leaves the server.
 */
export const realtimeConnection = z.discriminatedUnion("transport", [
  z.object({ transport: z.literal("sse") }),
  z.object({
    transport: z.literal("pusher"),
    /** The app's public key. */
    key: z.string().min(1).max(200),
    /** The caller's own private channel. */
    channel: z.string().min(1).max(200),
    cluster: z.string().min(1).max(100).optional(),
    /** A self-hosted Pusher-protocol server (Soketi) instead of Pusher's cluster hosts. */
    wsHost: z.string().min(1).max(255).optional(),
    wsPort: z.number().int().positive().max(65535).optional(),
    forceTLS: z.boolean(),
  }),
]);

export type RealtimeConnection = z.infer<typeof realtimeConnection>;
export type PusherConnection = Extract<RealtimeConnection, { transport: "pusher" }>;
export type RealtimeTransportName = RealtimeConnection["transport"];
