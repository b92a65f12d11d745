import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { apiResponseHeaders, logUnexpectedError } from "~/server/api/responses";
import { createContextFromRequest } from "~/server/api/trpc";
import { withReconnectHint } from "~/server/realtime/reconnect-hint";
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

/** An event stream that ends because the server is stopping also says when to reconnect. */
const respond = async (req: Request) => withReconnectHint(await handler(req));

export { respond as GET, respond as POST };
