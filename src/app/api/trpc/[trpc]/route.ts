import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { isRealtimeEventsRequest, realtimeEventsResponse } from "~/server/api/realtime-events";
import { apiResponseHeaders, logUnexpectedError } from "~/server/api/responses";
import { appRouter } from "~/server/api/root";
import { createContextFromRequest } from "~/server/api/trpc";
import { limitTrpcBody } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

const handler = (request: Request) => {
  // The body limit (server/security/body-limits.ts), refused in tRPC's error shape before any input is read.
  const { request: req, refuseDeclaredSize } = limitTrpcBody(request);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => {
      refuseDeclaredSize();
      return createContextFromRequest(req, resHeaders);
    },
    responseMeta: ({ errors }) => ({ headers: new Headers(apiResponseHeaders(errors)) }),
    onError: logUnexpectedError,
  });
};

/** The realtime subscription's stream is written without tRPC's per-stream pipeline (server/api/realtime-events.ts). */
const respond = (req: Request) => (isRealtimeEventsRequest(req) ? realtimeEventsResponse(req) : handler(req));

export { respond as GET, respond as POST };
