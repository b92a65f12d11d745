import { realtimeConnection } from "~/lib/realtime/connection";
import type { RealtimeEventName } from "~/lib/realtime/events";
import { getPusherTransport, pusherConnectionFor } from "../../realtime/pusher";
import { userEvents } from "../../realtime/user-events";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const realtimeRouter = createTRPCRouter({
  /** Signed in: the caller's own realtime events, streamed over server-sent events (in-process transport). */
  events: protectedProcedure.subscription(async function* ({ ctx, signal }) {
    for await (const message of userEvents(ctx.user.id, signal)) {
      yield { event: message.event as RealtimeEventName, payload: message.payload };
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
