import { getOpenApiDocument, REST_ENDPOINT } from "../openapi/document";
import { apiResponseHeaders, restErrorBody } from "./responses";

/**
 * A POST that carries nothing (no Content-Type, no body) as the API's `{}`. Operations whose only
 * input is in the path document no request body, so a client generated from the document sends
 * none; trpc-to-openapi would refuse that with 415 for want of `application/json`. A body of
 * another type is left as it is (and still refused).
 */
export function withEmptyObjectBody(request: Request): Request {
  if (request.method !== "POST" || request.headers.has("content-type")) return request;
  const carriesBody = (request.headers.get("content-length") ?? "0") !== "0" || request.headers.has("transfer-encoding");
  if (carriesBody) return request;
  const headers = new Headers(request.headers);
  headers.set("content-type", "application/json");
  headers.set("content-length", "2");
  return new Request(request, { headers, body: "{}" });
}

let routes: { pattern: RegExp; methods: string[] }[] | undefined;

/** The document's paths as patterns (`/sync/conflicts/{id}` matches one segment for `{id}`), with the methods each takes. */
function documentedRoutes() {
  routes ??= Object.entries(getOpenApiDocument().paths ?? {}).map(([template, item]) => ({
    pattern: new RegExp(`^${template.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^/]+")}/?$`),
    methods: Object.keys(item as object).map((method) => method.toUpperCase()),
  }));
  return routes;
}

/**
 * The adapter's answer, or 405 with `Allow` in place of its 404 for a path the API has, called with a
 * method it does not take there: trpc-to-openapi answers an unmatched method and an unmatched path
 * alike, which tells a client it has the wrong address when it has the wrong verb. Only a 404 is
 * looked at, so answered calls never consult the document.
 */
export function allowedMethodsFor404(request: Request, answer: Response): Response {
  if (answer.status !== 404) return answer;
  const path = new URL(request.url).pathname.slice(REST_ENDPOINT.length) || "/";
  const matched = documentedRoutes().filter((route) => route.pattern.test(path));
  const allowed = [...new Set(matched.flatMap((route) => route.methods))].sort();
  if (allowed.length === 0 || allowed.includes(request.method)) return answer;
  const body = restErrorBody("METHOD_NOT_SUPPORTED", 405, `${request.method} is not supported on ${path}: use ${allowed.join(" or ")}.`);
  return Response.json(body, { status: 405, headers: { ...apiResponseHeaders([]), allow: allowed.join(", ") } });
}
