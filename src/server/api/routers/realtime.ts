import { TRPCError } from "@trpc/server";
import { realtimeConnection } from "~/lib/realtime/connection";
import type { RealtimeEventName } from "~/lib/realtime/events";
import { getPusherTransport, pusherConnectionFor } from "../../realtime/pusher";
import { RealtimeStreamClosedError, userEvents } from "../../realtime/user-events";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** A stream closed because the server is stopping, in tRPC's terms: SERVICE_UNAVAILABLE, which tRPC clients answer by reconnecting. */
export function streamClosedError(error: RealtimeStreamClosedError): TRPCError {
  return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });
}

/**
 * What `realtime.events` returns once the caller is authorised: the caller's events, iterable (an
 * in-process caller, or tRPC's own SSE handler, iterates them), and whose they are: the tRPC route
 * serves `GET /api/trpc/realtime.events` itself from `userId` (api/realtime-events.ts), with the
 * same wire format and one serialisation per publish instead of one per stream.
 */
export class UserEventSubscription implements AsyncIterable<{ event: RealtimeEventName; payload: unknown }, void> {
  constructor(
    readonly userId: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async *[Symbol.asyncIterator]() {
    try {
      for await (const message of userEvents(this.userId, this.signal)) yield { event: message.event, payload: message.payload };
    } catch (error) {
      if (error instanceof RealtimeStreamClosedError) throw streamClosedError(error);
      throw error;
    }
  }
}

export const realtimeRouter = createTRPCRouter({
  /**
   * Signed in: the caller's own realtime events, streamed over server-sent events (in-process transport).
   * When the server stops, the stream ends with SERVICE_UNAVAILABLE, which tRPC clients answer by reconnecting.
   */
  events: protectedProcedure.subscription(({ ctx, signal }) => new UserEventSubscription(ctx.user.id, signal)),

  /**
   * Signed in: how this caller should listen — on their Pusher channel when Pusher
   * is configured, else over `events`. The output schema keeps it to public fields.
   */
  connection: protectedProcedure.output(realtimeConnection).query(({ ctx }) => {
    const pusher = getPusherTransport();
    return pusher ? pusherConnectionFor(pusher.settings, ctx.user.id) : { transport: "sse" as const };
  }),
});
