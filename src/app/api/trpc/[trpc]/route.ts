import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createContextFromRequest } from "~/server/api/trpc";
import { logger } from "~/server/logger";

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
    responseMeta: () => ({ headers: new Headers({ "cache-control": "no-store, no-transform" }) }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error("tRPC procedure failed", { path, error: error.cause ?? error });
    },
  });

export { handler as GET, handler as POST };
