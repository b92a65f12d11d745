import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import staticSecurityHeaders from "~/lib/static-security-headers.json";
import { answerRealtimeEvents, isRealtimeEventsRequest, realtimeEventsResponse } from "~/server/api/realtime-events";
import { isPullRequest, pullResponse } from "~/server/api/pull-answer";
import { apiResponseHeaders, logUnexpectedError } from "~/server/api/responses";
import { appRouter } from "~/server/api/root";
import { createContextFromRequest } from "~/server/api/trpc";
import { serveAheadOfNext } from "~/server/realtime/serve-ahead-of-next";
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

// The realtime subscription's streams are answered by the HTTP server itself from the next request
// on (server/realtime/serve-ahead-of-next.ts: Next's request pipeline would stay alive per open
// stream); until then, and where no server runs (tests), by this route, the same way.
serveAheadOfNext({ matches: isRealtimeEventsRequest, answer: answerRealtimeEvents, headers: staticSecurityHeaders });

const respond = async (req: Request) => {
  const url = new URL(req.url);
  if (isRealtimeEventsRequest(req.method, url)) return realtimeEventsResponse(req);
  // A pull page's bytes straight from Postgres (server/api/pull-answer.ts); a refused pull is tRPC's to answer.
  if (isPullRequest(req.method, url)) return (await pullResponse(req)) ?? handler(req);
  return handler(req);
};

export { respond as GET, respond as POST };
