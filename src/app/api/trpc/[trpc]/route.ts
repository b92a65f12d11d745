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
    createContext: () => createContextFromRequest(req),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error("tRPC procedure failed", { path, error: error.cause ?? error });
    },
  });

export { handler as GET, handler as POST };
