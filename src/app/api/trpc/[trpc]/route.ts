import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createContextFromRequest } from "~/server/api/trpc";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { withReconnectHint } from "~/server/realtime/reconnect-hint";

export const dynamic = "force-dynamic";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => createContextFromRequest(req, resHeaders),
    // API answers are per user (never cache them) and mostly ciphertext, which gzip
    // cannot shrink much but costs ~2/3 of a pull's time (bench/PROFILE.md):
    // no-transform tells the server's compression to leave them alone.
    responseMeta: ({ errors }) => {
      const headers = new Headers({ "cache-control": "no-store, no-transform" });
      // A rate-limited call (server/security/rate-limits.ts) also says when to retry, in HTTP's own terms.
      const waits = errors.map((error) => (error.cause instanceof AppError ? error.cause.details?.retryAfterSeconds : undefined));
      const wait = Math.max(0, ...waits.filter((seconds): seconds is number => typeof seconds === "number"));
      if (wait > 0) headers.set("retry-after", String(wait));
      return { headers };
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error("tRPC procedure failed", { path, error: error.cause ?? error });
    },
  });

/** An event stream that ends because the server is stopping also says when to reconnect. */
const respond = async (req: Request) => withReconnectHint(await handler(req));

export { respond as GET, respond as POST };
