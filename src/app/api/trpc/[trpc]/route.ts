import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { apiResponseHeaders, logUnexpectedError } from "~/server/api/responses";
import { createContextFromRequest } from "~/server/api/trpc";

export const dynamic = "force-dynamic";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => createContextFromRequest(req, resHeaders),
    responseMeta: ({ errors }) => ({ headers: new Headers(apiResponseHeaders(errors)) }),
    onError: logUnexpectedError,
  });

export { handler as GET, handler as POST };
