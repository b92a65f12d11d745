import type { RealtimeEventName } from "~/lib/realtime/events";
import { userEvents } from "../../realtime/user-events";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const realtimeRouter = createTRPCRouter({
  /** Signed in: the caller's own realtime events, streamed over server-sent events (in-process transport). */
  events: protectedProcedure.subscription(async function* ({ ctx, signal }) {
    for await (const message of userEvents(ctx.user.id, signal)) {
      yield { event: message.event as RealtimeEventName, payload: message.payload };
    }
  }),
});
