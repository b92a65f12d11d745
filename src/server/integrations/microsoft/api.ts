import { Client, type GraphError, HTTPMessageHandler, type Middleware } from "@microsoft/microsoft-graph-client";
import type { Env } from "../../env";
import { errorForStatus, ProviderError, RESILIENCE, retryAtFrom, withCircuitBreaker } from "../resilience";
import { MICROSOFT, microsoftGraphUrl } from "./facts";
import { toPage } from "./transform";

type Context = Parameters<Middleware["execute"]>[0];

/**
 * Signs every request with the user's access token, and gives each its own timeout.
 *
 * The SDK's own AuthenticationHandler only signs https:// URLs of Graph hosts (customHosts too:
 * its host check requires "https://"), so a Graph at an http:// MICROSOFT_GRAPH_URL (the local
 * double, a proxy) would get no token. This middleware signs unconditionally instead; it is safe
 * because the client only ever requests paths under MICROSOFT_GRAPH_URL (links Graph returns are
 * followed only when they point there, see graphPath).
 */
class BearerToken implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly accessToken: string) {}

  async execute(context: Context): Promise<void> {
    const headers = new Headers(context.options?.headers as HeadersInit | undefined);
    headers.set("Authorization", `Bearer ${this.accessToken}`);
    context.options = { ...context.options, headers: Object.fromEntries(headers), signal: AbortSignal.timeout(RESILIENCE.requestTimeoutMs) };
    if (!this.next) throw new Error("BearerToken must be followed by HTTPMessageHandler");
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** MICROSOFT_GRAPH_URL ("https://graph.microsoft.com/v1.0") as the SDK wants it: a base and a version segment. */
function sdkRoot(env: Env): { baseUrl: string; defaultVersion: string } {
  const root = microsoftGraphUrl(env);
  const cut = root.lastIndexOf("/");
  return { baseUrl: root.slice(0, cut), defaultVersion: root.slice(cut + 1) };
}

/**
 * @microsoft/microsoft-graph-client pointed at MICROSOFT_GRAPH_URL, with only our bearer
 * middleware and the SDK's HTTP handler: no RetryHandler, so a 429 is never slept on inside a
 * job step (our durable jobs wait until `retryAt`), and no logging (debugLogging stays off, so
 * URLs and tokens are never printed).
 */
export function graphClient(env: Env, accessToken: string): Client {
  return Client.initWithMiddleware({ ...sdkRoot(env), middleware: [new BearerToken(accessToken), new HTTPMessageHandler()] });
}

/**
 * An @odata.nextLink or @odata.deltaLink as a path the client can request: the SDK only parses
 * absolute https:// links (an http:// one would be glued onto the base), and a link to any other
 * host must never get the user's token. Null when the link does not point under MICROSOFT_GRAPH_URL.
 */
export function graphPath(env: Env, link: string): string | null {
  const root = `${microsoftGraphUrl(env)}/`;
  return link.startsWith(root) ? link.slice(root.length - 1) : null;
}

/**
 * Graph's answer when it refused a request with a status (and its error code), or null for
 * anything else. The SDK's GraphError is recognised by shape: the package ships a CommonJS and an
 * ES build, and an `instanceof` against the other one's class would miss. A transport failure is a
 * GraphError too, with statusCode -1.
 */
export function refusal(error: unknown): { status: number; code: string | null } | null {
  const failure = error as Partial<GraphError> | null;
  return typeof failure?.statusCode === "number" && failure.statusCode > 0 ? { status: failure.statusCode, code: typeof failure.code === "string" ? failure.code : null } : null;
}

const throttled = (headers: Headers | undefined, now: number) => {
  const retryAt = (headers && retryAtFrom(headers, now)) ?? new Date(now + MICROSOFT.limits.defaultRetryAfterSeconds * 1000);
  return new ProviderError("microsoft", "rate_limited", `Microsoft Graph is throttling requests until ${retryAt.toISOString()}.`, retryAt);
};

/**
 * A Graph failure as the ProviderError the framework understands. 429, and 503 with a
 * Retry-After (Graph throttles with both), are `rate_limited` with `retryAt`; other 5xx and
 * transport failures are `unavailable`. Messages name Graph's error code, never a token.
 */
export function microsoftError(error: unknown, now = Date.now()): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = refusal(error);
  if (!failure) {
    const name = (error as { code?: unknown; name?: unknown } | null)?.code ?? (error as { name?: unknown } | null)?.name;
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return new ProviderError("microsoft", "unavailable", timedOut ? "Microsoft Graph did not answer in time." : "Microsoft Graph could not be reached.");
  }
  const headers = (error as GraphError).headers;
  if (failure.status === 429 || (failure.status === 503 && headers?.get("retry-after"))) return throttled(headers, now);
  if (failure.status >= 500) return new ProviderError("microsoft", "unavailable", `Microsoft Graph answered ${failure.status}${failure.code ? ` (${failure.code})` : ""}; it may be having an outage.`);
  const message = (error as GraphError).message;
  return errorForStatus("microsoft", failure.status, [failure.code, message].filter(Boolean).join(": "));
}

/**
 * Worth asking again: the request may not have arrived (the SDK reports a transport failure or a
 * timeout as statusCode -1), or Graph failed without saying when to come back.
 */
function transient(error: unknown): boolean {
  const failure = refusal(error);
  if (!failure) return (error as Partial<GraphError> | null)?.statusCode === -1;
  return failure.status >= 500 && !(failure.status === 503 && (error as GraphError).headers?.get("retry-after"));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One Graph request behind Microsoft's circuit breaker, its failure translated. With `retry`
 * (requests safe to repeat: reads, PATCH, DELETE, and a create carrying a transactionId), a
 * transport failure or a 5xx is retried with backoff (RESILIENCE) before it counts as an outage.
 */
export function callGraph<T>(request: () => Promise<T>, options: { retry: boolean }): Promise<T> {
  return withCircuitBreaker("microsoft", async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (options.retry && attempt < RESILIENCE.retries && transient(error)) {
          await sleep(RESILIENCE.backoffBaseMs * 2 ** attempt);
          continue;
        }
        throw microsoftError(error);
      }
    }
  });
}

export const GONE = Symbol("gone");

/** Runs a request, answering GONE when Graph refuses it with one of `statuses` (404: already deleted; 410: the delta cursor expired). */
export async function unlessGone<T>(statuses: readonly number[], request: () => Promise<T>): Promise<T | typeof GONE> {
  try {
    return await request();
  } catch (error) {
    if (statuses.includes(refusal(error)?.status ?? 0)) return GONE;
    throw error;
  }
}

/**
 * Every page of a Graph collection: the first request, then each @odata.nextLink, with the same
 * Prefer header on every page (Graph applies it per request). Returns the items and the last
 * page's @odata.deltaLink (delta queries), or GONE when a page is refused with one of `gone`.
 */
export async function readPages(
  env: Env,
  client: Client,
  first: { path: string; query?: Record<string, string> },
  options: { what: string; prefer?: string; gone?: readonly number[] },
): Promise<{ items: unknown[]; deltaLink: string | null } | typeof GONE> {
  const items: unknown[] = [];
  let path = first.path;
  for (let pages = 0; pages < MICROSOFT.limits.maxPages; pages++) {
    const query = pages === 0 ? first.query : undefined; // later pages' links carry the query
    const get = (): Promise<unknown> => {
      const request = client.api(path);
      if (query) request.query(query);
      if (options.prefer) request.header("Prefer", options.prefer);
      return request.get();
    };
    const result = await callGraph(() => unlessGone(options.gone ?? [], get), { retry: true });
    if (result === GONE) return GONE;
    const page = toPage(result, options.what);
    items.push(...page.value);
    const next = page["@odata.nextLink"];
    if (!next) return { items, deltaLink: page["@odata.deltaLink"] ?? null };
    const nextPath = graphPath(env, next);
    if (nextPath === null) throw new ProviderError("microsoft", "bad_response", `Microsoft Graph linked ${options.what}'s next page outside MICROSOFT_GRAPH_URL.`);
    path = nextPath;
  }
  throw new ProviderError("microsoft", "bad_response", `Microsoft Graph kept paging ${options.what} past ${MICROSOFT.limits.maxPages} pages.`);
}
