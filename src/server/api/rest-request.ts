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
