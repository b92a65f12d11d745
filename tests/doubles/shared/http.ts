import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FaultQueue, HttpFault } from "./faults";

/**
 * Plumbing shared by the provider doubles: one request shape in, one response shape
 * out, so each double's handlers stay plain functions; a request log that never holds
 * a secret; Link headers in the RFC 8288 format GitHub and GitLab both emit.
 */
export type DoubleRequest = {
  method: string;
  url: URL;
  /** Pathname as received (percent-encoding kept, so GitLab's `group%2Fproject` ids survive). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
};

export type DoubleResponse = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Destroy the socket instead of answering (a network error for the client). */
  networkError?: true;
};

export type AuthorizationKind = "token" | "bearer" | "basic" | "private-token" | null;

export type LoggedRequest = {
  method: string;
  path: string;
  /** Query parameters; values of secret-bearing keys are replaced by "[redacted]". */
  query: Record<string, string>;
  /** 0 when the double destroyed the socket (injected network error). */
  status: number;
  ifNoneMatch?: string;
  /** How the request authenticated; the credential itself is never logged. */
  authorization: AuthorizationKind;
  /** True when the answer came from failNext(), not from the provider model. */
  fault?: true;
  /** Date.now() when the request arrived (real time, as the app waits for a reset in real time). */
  receivedAt: number;
};

/**
 * Requests that reached a double after one of its rate-limit answers (`index` in its log) and before that
 * limit's reset: what a client must not send. 50 ms are allowed for requests already on their way.
 */
export function requestsBeforeReset(log: readonly LoggedRequest[], limited: ReadonlyArray<{ index: number; resetAfterMs: number }>): LoggedRequest[] {
  return limited.flatMap(({ index, resetAfterMs }) => {
    const answeredAt = log[index]!.receivedAt;
    return log.slice(index + 1).filter((request) => request.receivedAt > answeredAt + 50 && request.receivedAt < answeredAt + resetAfterMs - 50);
  });
}

const SECRET_KEYS = new Set(["client_secret", "code", "code_verifier", "refresh_token", "access_token", "token", "private_token", "password"]);

export function redactedQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of query) out[key] = SECRET_KEYS.has(key) ? "[redacted]" : value;
  return out;
}

export function authorizationKind(headers: IncomingHttpHeaders): AuthorizationKind {
  const value = headers.authorization;
  if (value) {
    const scheme = value.split(" ")[0]?.toLowerCase();
    if (scheme === "token") return "token";
    if (scheme === "bearer") return "bearer";
    if (scheme === "basic") return "basic";
  }
  if (headers["private-token"]) return "private-token";
  return null;
}

/** The credential after `token ` / `Bearer ` (case-insensitive scheme), or null. */
export function credentialFrom(headers: IncomingHttpHeaders, schemes: readonly string[]): string | null {
  const match = /^(\S+)\s+(.+)$/.exec(headers.authorization ?? "");
  if (!match || !schemes.includes(match[1]!.toLowerCase())) return null;
  return match[2]!.trim();
}

export function basicCredentials(headers: IncomingHttpHeaders): { user: string; password: string } | null {
  const match = /^basic\s+(.+)$/i.exec(headers.authorization ?? "");
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decodeURIComponent(decoded.slice(0, colon)), password: decodeURIComponent(decoded.slice(colon + 1)) };
}

/** Body parameters of a form or JSON body, merged over the query string (OAuth endpoints accept both). */
export function params(req: DoubleRequest): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(req.query);
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (!req.body) return out;
  if (type.includes("application/json")) {
    try {
      const parsed = JSON.parse(req.body) as Record<string, unknown>;
      for (const [key, value] of Object.entries(parsed)) if (value !== undefined && value !== null) out[key] = String(value);
    } catch {
      /* a malformed body reads as no parameters, which the endpoint then refuses */
    }
    return out;
  }
  for (const [key, value] of new URLSearchParams(req.body)) out[key] = value;
  return out;
}

export function jsonBody<T>(req: DoubleRequest): T | null {
  try {
    return JSON.parse(req.body) as T;
  } catch {
    return null;
  }
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): DoubleResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(value) };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): DoubleResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers }, body };
}

export function redirect(location: string): DoubleResponse {
  return { status: 302, headers: { location, "cache-control": "no-cache" }, body: "" };
}

/** An injected fault's answer: its own body (string as is, else JSON) over the provider's default, its headers over `base`. */
export function faultAnswer(fault: HttpFault, base: Record<string, string>, fallback: DoubleResponse): DoubleResponse {
  if (fault.body === undefined) return { status: fault.status, headers: { ...base, ...(fallback.headers ?? {}), ...(fault.headers ?? {}) }, body: fallback.body ?? "" };
  const isText = typeof fault.body === "string";
  const type = isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
  return {
    status: fault.status,
    headers: { ...base, "content-type": type, ...(fault.headers ?? {}) },
    body: isText ? (fault.body as string) : JSON.stringify(fault.body),
  };
}

export const noContent = (headers: Record<string, string> = {}): DoubleResponse => ({ status: 204, headers, body: "" });

export function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/** Does an If-None-Match header list this ETag? (Weak comparison: W/ prefixes ignored, `*` matches.) */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}

/** `<url>; rel="next", <url>; rel="last"` with every other query parameter kept, page replaced. */
export function linkHeader(base: URL, pages: Partial<Record<"prev" | "next" | "first" | "last", number>>, order: readonly ("prev" | "next" | "first" | "last")[]): string {
  const parts: string[] = [];
  for (const rel of order) {
    const page = pages[rel];
    if (page === undefined) continue;
    const url = new URL(base);
    url.searchParams.set("page", String(page));
    parts.push(`<${url.toString()}>; rel="${rel}"`);
  }
  return parts.join(", ");
}

export function clampPerPage(value: string | null, fallback: number, max = 100): number {
  const n = Number.parseInt(value ?? "", 10);
  if (!Number.isFinite(n) || n < 1) return fallback;
  return Math.min(n, max);
}

export function pageNumber(value: string | null): number {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) && n >= 1 ? n : 1;
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

type Handler = (req: DoubleRequest) => DoubleResponse | Promise<DoubleResponse>;

/**
 * Starts a loopback server around `handle`. Faults queued on `faults` are served first
 * (before authentication, as an upstream failure would be); every exchange is logged.
 */
export async function serve(options: {
  port?: number;
  faults: FaultQueue;
  log: LoggedRequest[];
  /** Normalizes a path for fault matching (e.g. strips GitHub's /api/v3 prefix). */
  apiPath?: (path: string) => string;
  /** The provider's answer for an injected HTTP fault (its usual headers and, when the fault has none, its usual body). */
  faultResponse: (req: DoubleRequest, fault: HttpFault) => DoubleResponse;
  handle: Handler;
}) {
  const write = (res: ServerResponse, response: DoubleResponse) => {
    res.writeHead(response.status, response.headers ?? {});
    res.end(response.body ?? "");
  };
  const server: Server = createServer((incoming: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    const receivedAt = Date.now();
    incoming.on("end", () => {
      const url = new URL(incoming.url ?? "/", "http://double");
      const req: DoubleRequest = {
        method: (incoming.method ?? "GET").toUpperCase(),
        url,
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const entry = (status: number, fault?: true): LoggedRequest => {
        const logged: LoggedRequest = { method: req.method, path: req.path, query: redactedQuery(req.query), status, authorization: authorizationKind(req.headers), receivedAt };
        const inm = req.headers["if-none-match"];
        if (inm) logged.ifNoneMatch = inm;
        if (fault) logged.fault = true;
        return logged;
      };
      void (async () => {
        const fault = options.faults.take(req.method, req.path, options.apiPath?.(req.path));
        if (fault) {
          if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          if ("networkError" in fault) {
            options.log.push(entry(0, true));
            incoming.socket.destroy();
            return;
          }
          options.log.push(entry(fault.status, true));
          return write(res, options.faultResponse(req, fault));
        }
        let response: DoubleResponse;
        try {
          response = await options.handle(req);
        } catch (error) {
          response = json(500, { message: `double failed: ${(error as Error).message}` });
        }
        if (response.networkError) {
          options.log.push(entry(0));
          incoming.socket.destroy();
          return;
        }
        options.log.push(entry(response.status));
        write(res, response);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
