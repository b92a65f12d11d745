import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { appRouter } from "~/server/api/root";
import { apiResponseHeaders, domainHttpStatus, logUnexpectedError, restErrorBody } from "~/server/api/responses";
import { allowedMethodsFor404, withEmptyObjectBody } from "~/server/api/rest-request";
import { createContextFromRequest } from "~/server/api/trpc";
import { REST_ENDPOINT } from "~/server/openapi/document";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

/**
 * The REST API (/api/v1, documented at /api/openapi.json and /docs): the same procedures
 * as /api/trpc, routed by their `meta.openapi`, with the same context (device token or
 * session cookie, client version), errors and headers. No logic of its own.
 */
const handler = withBodyLimit("rest", async (req: Request) =>
  allowedMethodsFor404(
    req,
    await createOpenApiFetchHandler({
      endpoint: REST_ENDPOINT,
      req: withEmptyObjectBody(req),
      router: appRouter,
      createContext: () => createContextFromRequest(req),
      responseMeta: ({ errors }) => ({ headers: apiResponseHeaders(errors), status: domainHttpStatus(errors) }),
      onError: logUnexpectedError,
    }),
  ),
  // The adapter reads the whole body before any procedure runs: the limit answers for it, in the API's error shape.
  { refusal: (message) => restErrorBody("PAYLOAD_TOO_LARGE", 413, message) },
);

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
