import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createContextFromRequest } from "~/server/api/trpc";
import { logger } from "~/server/logger";
import { withReconnectHint } from "~/server/realtime/reconnect-hint";
import { limitTrpcBody } from "~/server/security/body-limits";
import { rateLimitHeadersOfErrors } from "~/server/security/rate-limit-http";

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
    // API answers are per user (never cache them) and mostly ciphertext, which gzip
    // cannot shrink much but costs ~2/3 of a pull's time (bench/PROFILE.md):
    // no-transform tells the server's compression to leave them alone.
    responseMeta: ({ errors }) => {
      // A rate-limited call also says when to retry and which limit refused, in HTTP's own terms (Retry-After, RateLimit-Policy, RateLimit).
      const headers = rateLimitHeadersOfErrors(errors.map((error) => error.cause));
      headers.set("cache-control", "no-store, no-transform");
      return { headers };
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error("tRPC procedure failed", { path, error: error.cause ?? error });
    },
  });
};

/** An event stream that ends because the server is stopping also says when to reconnect. */
const respond = async (req: Request) => withReconnectHint(await handler(req));

export { respond as GET, respond as POST };
