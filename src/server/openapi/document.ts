import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import packageJson from "../../../package.json" with { type: "json" };
import { CLIENT_HEADER } from "~/lib/client-header";
import { appRouter } from "../api/root";
import { getEnv } from "../env";
import { apiGuide } from "./guide";

/**
 * The OpenAPI 3.1 document of the REST API (/api/v1), generated from the procedures'
 * `meta.openapi`, inputs and outputs (served at /api/openapi.json, rendered at /docs).
 * trpc-to-openapi describes errors with a shape of its own; the body our handler really
 * sends is the tRPC error shape (api/trpc.ts's errorFormatter) with the code as text, so
 * every error response is rewritten to the one `Error` schema below.
 */

const TAGS = ["Auth", "Sync", "Integrations", "External data"];

/** What every failed call answers (the REST adapter spreads the tRPC error shape and names the code). */
export const ZApiError = z
  .object({
    /** For people: show it as it is. */
    message: z.string(),
    /** For programs: the error class (tRPC's code names). */
    code: z.string().meta({ examples: ["BAD_REQUEST", "UNAUTHORIZED", "NOT_FOUND", "PRECONDITION_FAILED", "TOO_MANY_REQUESTS"] }),
    data: z.object({
      code: z.string(),
      httpStatus: z.number().int(),
      /** The procedure that failed (its tRPC name). */
      path: z.string().optional(),
      /** Field messages for forms, when the input was invalid. */
      zodError: z.object({ formErrors: z.array(z.string()), fieldErrors: z.record(z.string(), z.array(z.string())) }).nullable(),
      /** In development only. */
      stack: z.string().optional(),
      /** Machine-readable details: `reason`, `oauthError`, `retryAfterSeconds`, `minimumVersion`, … */
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
    }),
    /** Input validation failures only: zod's issues, each with its `path` and `message`. */
    issues: z.array(z.looseObject({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
  })
  .meta({
    description: "Every error: a message for people, a code and details for programs.",
    examples: [
      { message: "Sign in to continue.", code: "UNAUTHORIZED", data: { code: "UNAUTHORIZED", httpStatus: 401, path: "auth.me", zodError: null, details: null } },
      {
        message: "Waiting for the code to be approved in the browser.",
        code: "BAD_REQUEST",
        data: { code: "BAD_REQUEST", httpStatus: 400, path: "devices.pollAuthorization", zodError: null, details: { oauthError: "authorization_pending", interval: 5 } },
      },
    ],
  });

/** Every status an operation can fail with, beyond the ones trpc-to-openapi lists, and what it means there. */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  400: "Invalid input: `issues` and `data.zodError` name the fields (`PARSE_ERROR`: a body that is not valid JSON)",
  401: "No usable credentials: a missing, malformed or revoked device token",
  403: "Not allowed (e.g. cloud sync is off: `data.details.reason`)",
  404: "Not found (another user's data does not exist for you)",
  409: "Conflicts with the current state (e.g. already done)",
  410: "Gone: the cursor is older than the retention horizon, or past the end of the changes (`RESYNC_REQUIRED`)",
  412: "A precondition failed (e.g. the key was rotated: `KEY_ROTATED`)",
  413: "The request is too large",
  415: "A body that is not JSON: send `Content-Type: application/json` (a POST with no body at all is taken as `{}`)",
  422: "The idempotency key was already used for a different request: nothing was applied (use a new key)",
  426: "This client is too old for the server: update DevPulse (`X-DevPulse-Client`)",
  429: "Too many requests: wait `Retry-After` seconds",
  500: "Something went wrong on our side",
};

/** What a 429 says about the limit that refused (server/security/rate-limit-http.ts). */
const RATE_LIMIT_HEADERS = {
  "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" } },
  "RateLimit-Policy": { description: 'The limit that refused: its name, quota and window in seconds, e.g. `"calls";q=600;w=60` (absent on the device grant\'s `slow_down`, which only asks for a slower poll)', schema: { type: "string" } },
  RateLimit: { description: 'What is left of it (nothing) and the seconds until it resets, e.g. `"calls";r=0;t=42` (absent on `slow_down`, like RateLimit-Policy)', schema: { type: "string" } },
};

type Operation = { parameters?: unknown[]; responses: Record<string, unknown>; security?: unknown[] };

const errorResponse = (status: string) => ({
  description: ERROR_DESCRIPTIONS[status] ?? "Error",
  ...(status === "429" ? { headers: RATE_LIMIT_HEADERS } : {}),
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** Where the REST API is mounted: the route handler's endpoint and the document's base URL. */
export const REST_ENDPOINT = "/api/v1";

/** Builds the document for a deployment at `appUrl` (servers, links in the guide). */
export function buildOpenApiDocument(appUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: "DevPulse Cloud API",
    version: packageJson.version,
    description: apiGuide(appUrl),
    baseUrl: `${appUrl}${REST_ENDPOINT}`,
    docsUrl: `${appUrl}/docs`,
    tags: TAGS,
    securitySchemes: {
      DeviceToken: { type: "http", scheme: "bearer", description: "A device token (`dp_…`) from the device grant: `POST /auth/device`, then `POST /auth/device/token`." },
    },
    defs: { Error: ZApiError },
  });

  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item) as Operation[]) {
      const statuses = new Set([
        // The statuses particular to the operation: its procedure's `meta.openapi.errorResponses`, else trpc-to-openapi's guesses.
        ...Object.keys(operation.responses).filter((status) => status !== "200"),
        // Any call: a malformed X-DevPulse-Client or input, an outdated client, a rate limit, our own failure.
        "400",
        "426",
        "429",
        "500",
        // Any signed-in call: the credentials, and rows that are not the caller's (they do not exist for them).
        ...(operation.security ? ["401", "403", "404"] : []),
        // A body: one that is not JSON (415).
        ...("requestBody" in operation ? ["415"] : []),
      ]);
      for (const status of [...statuses].sort()) operation.responses[status] = errorResponse(status);
      operation.parameters = [...(operation.parameters ?? []), { $ref: "#/components/parameters/DevPulseClient" }];
    }
  }

  // trpc-to-openapi's own error schemas are replaced by `Error` above.
  const schemas = Object.fromEntries(Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith("error.")));
  document.components = {
    ...document.components,
    schemas,
    parameters: {
      DevPulseClient: {
        name: CLIENT_HEADER,
        in: "header",
        required: false,
        description: "Your client's name and version. Clients older than the server's minimum for that name get 426.",
        schema: { type: "string", examples: ["devpulse-cli/0.1.0"] },
      },
    },
  };
  return document;
}

let cached: { appUrl: string; document: OpenAPIObject } | undefined;

/** The document of this deployment (built once: the routers do not change while it runs, and APP_URL rarely does). */
export function getOpenApiDocument(): OpenAPIObject {
  const { appUrl } = getEnv();
  if (cached?.appUrl !== appUrl) cached = { appUrl, document: buildOpenApiDocument(appUrl) };
  return cached.document;
}
