import { getErrorShape, getTRPCErrorFromUnknown, sseHeaders, TRPCError } from "@trpc/server/unstable-core-do-not-import";
import type { AheadOfNextRoute } from "../http/serve-ahead-of-next";
import { eventStreamBody, sseErrorFrame, writeEventStreamTo, type EventStreamAnswer } from "../realtime/event-stream";
import { limitTrpcBody } from "../security/body-limits";
import { apiResponseHeaders, logUnexpectedError } from "./responses";
import { appRouter, createCaller } from "./root";
import { streamClosedError, UserEventSubscription } from "./routers/realtime";
import { createContextFromRequest, type Context } from "./trpc";

const PATH = "realtime.events";
const ENDPOINT = `/api/trpc/${PATH}`;

/**
 * `GET /api/trpc/realtime.events`, the subscription tRPC's httpSubscriptionLink opens (a batch is
 * left to tRPC, which refuses it). Everything else on /api/trpc goes to tRPC's fetch handler.
 */
export function isRealtimeEventsRequest(method: string, url: URL): boolean {
  return method === "GET" && url.pathname === ENDPOINT && !url.searchParams.has("batch");
}

/**
 * The realtime subscription, answered as tRPC's fetch handler answers it — status, headers, events
 * and error shapes — but with the events written by realtime/event-stream.ts (one serialisation
 * per publish, no per-stream generator or web-stream chain). The caller is authorised by calling
 * the `realtime.events` procedure itself, so its middleware chain (credentials, client version,
 * cross-site refusal, rate limits, markActive) is the one every tRPC call runs. A refusal is
 * `connected` then `serialized-error`, with HTTP 200, as tRPC sends it.
 */
export async function answerRealtimeEvents(request: Request): Promise<EventStreamAnswer> {
  const contextHeaders = new Headers();
  let ctx: Context | undefined;
  const errorFrame = (cause: unknown) => {
    const error = getTRPCErrorFromUnknown(cause);
    logUnexpectedError({ error, path: PATH });
    return sseErrorFrame(getErrorShape({ config: appRouter._def._config, error, type: "subscription", path: PATH, input: undefined, ctx }));
  };
  const headers = () => {
    // The headers in tRPC's order: its own, the SSE ones, then what the context and the route's responseMeta add.
    const all = new Headers([["vary", "trpc-accept, accept"], ...Object.entries(sseHeaders)]);
    for (const [name, value] of contextHeaders) all.append(name, value);
    for (const [name, value] of Object.entries(apiResponseHeaders([]))) all.append(name, value);
    return all;
  };
  try {
    limitTrpcBody(request).refuseDeclaredSize();
    ctx = await createContextFromRequest(request, contextHeaders);
    const subscription: unknown = await createCaller(ctx, { signal: request.signal }).realtime.events();
    if (!(subscription instanceof UserEventSubscription)) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${PATH} did not return a UserEventSubscription` });
    return { headers: headers(), userId: subscription.userId, closedFrame: (closing) => errorFrame(streamClosedError(closing)) };
  } catch (cause) {
    return { headers: headers(), refusal: errorFrame(cause) };
  }
}

/** The realtime subscription as a route handler's Response (tests, and a server this process has not seen yet: see http/serve-ahead-of-next.ts). */
export async function realtimeEventsResponse(request: Request): Promise<Response> {
  const answer = await answerRealtimeEvents(request);
  return new Response(eventStreamBody(answer, request.signal), { status: 200, headers: answer.headers });
}

/** The realtime streams answered by the HTTP server itself, ahead of Next (http/serve-ahead-of-next.ts). */
export const realtimeEventsAheadOfNext: AheadOfNextRoute = {
  matches: isRealtimeEventsRequest,
  answer: async (request) => {
    const answer = await answerRealtimeEvents(request);
    return { headers: answer.headers, write: (response) => writeEventStreamTo(response, answer) };
  },
};
