import staticSecurityHeaders from "~/lib/static-security-headers.json";
import { isRealtimeEventsRequest, realtimeEventsAheadOfNext, realtimeEventsResponse } from "~/server/api/realtime-events";
import { isPullRequest, pullAheadOfNext, pullResponse } from "~/server/api/pull-answer";
import { handleTrpcRequest } from "~/server/api/trpc-handler";
import { serveAheadOfNext } from "~/server/http/serve-ahead-of-next";

export const dynamic = "force-dynamic";

// The realtime streams and the pull pages are answered by the HTTP server itself from the next
// request on (server/http/serve-ahead-of-next.ts: Next's request pipeline would stay alive per open
// stream, and cost a pull page more than its read); until then, and where no server runs (tests),
// by this route, the same way.
serveAheadOfNext("realtime.events", realtimeEventsAheadOfNext, staticSecurityHeaders);
serveAheadOfNext("sync.pull", pullAheadOfNext, staticSecurityHeaders);

const respond = async (req: Request) => {
  const url = new URL(req.url);
  if (isRealtimeEventsRequest(req.method, url)) return realtimeEventsResponse(req);
  // A pull page's bytes straight from Postgres (server/api/pull-answer.ts).
  if (isPullRequest(req.method, url)) return pullResponse(req);
  return handleTrpcRequest(req);
};

export { respond as GET, respond as POST };
