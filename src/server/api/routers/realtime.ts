import { TRPCError } from "@trpc/server";
import { realtimeConnection } from "~/lib/realtime/connection";
import type { RealtimeEventName } from "~/lib/realtime/events";
import { getPusherTransport, pusherConnectionFor } from "../../realtime/pusher";
import { RealtimeStreamClosedError, userEvents } from "../../realtime/user-events";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const realtimeRouter = createTRPCRouter({
  /**
   * Signed in: the caller's own realtime events, streamed over server-sent events (in-process transport).
   * When the server stops, the stream ends with SERVICE_UNAVAILABLE, which tRPC clients answer by reconnecting.
   */
  events: protectedProcedure.subscription(async function* ({ ctx, signal }) {
    try {
      for await (const message of userEvents(ctx.user.id, signal)) {
        yield { event: message.event as RealtimeEventName, payload: message.payload };
      }
    } catch (error) {
      if (error instanceof RealtimeStreamClosedError) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });
      throw error;
    }
  }),

  /**
   * Signed in: how this caller should listen — on their Pusher channel when Pusher
   * is configured, else over `events`. The output schema keeps it to public fields.
   */
  connection: protectedProcedure.output(realtimeConnection).query(({ ctx }) => {
    const pusher = getPusherTransport();
    return pusher ? pusherConnectionFor(pusher.settings, ctx.user.id) : { transport: "sse" as const };
  }),
});
