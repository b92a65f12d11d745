import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { limitTrpcBody } from "../security/body-limits";
import { apiResponseHeaders, logUnexpectedError } from "./responses";
import { appRouter } from "./root";
import { createContextFromRequest } from "./trpc";

/** Every /api/trpc request tRPC answers itself: the route's handler, and the reference the answers written elsewhere are held to. */
export function handleTrpcRequest(request: Request): Promise<Response> {
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
}
