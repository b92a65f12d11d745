import { z } from "zod";

/**
 * The realtime event catalog: every event a browser or desktop client can receive,
 * with its payload schema. Payloads carry ids and short summaries only — never
 * secrets, never plaintext of encrypted data (and stay far below Pusher's 10 KB).
 */
export const realtimeEvents = {
  "sync:changed": z.object({
    /** The user's sequence number after the change: pull from your cursor up to here. */
    cursor: z.number().int().nonnegative(),
    changes: z.number().int().nonnegative(),
    /** The device that pushed, so it can ignore its own echo. */
    sourceDeviceId: z.string().nullable(),
  }),
  "sync:conflict": z.object({
    conflictIds: z.array(z.string()).max(100),
    count: z.number().int().positive(),
    sourceDeviceId: z.string().nullable(),
  }),
  "sync:conflict_resolved": z.object({
    conflictId: z.string(),
    strategy: z.string(),
    revision: z.number().int().nullable(),
  }),
} as const;

export type RealtimeEventName = keyof typeof realtimeEvents;
export type RealtimePayload<E extends RealtimeEventName> = z.infer<(typeof realtimeEvents)[E]>;
