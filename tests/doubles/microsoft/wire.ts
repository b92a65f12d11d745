import { randomUUID } from "node:crypto";
import { type DoubleResponse, json } from "../shared/http";

/**
 * Wire details shared by the Microsoft identity platform and Graph parts of the double:
 * Graph's error body (`{ error: { code, message, innerError } }` with request-id headers),
 * the identity platform's AADSTS error body, and Graph's date-time formats.
 */

/** Seconds as Graph writes them: 7 fractional digits, "Z" (createdDateTime, expirationDateTime…). */
export const isoGraph = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");

export function requestIds(): Record<string, string> {
  const id = randomUUID();
  return { "request-id": id, "client-request-id": id, "x-ms-ags-diagnostic": '{"ServerInfo":{"DataCenter":"Sandbox","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"DEVPULSE-DOUBLE"}}' };
}

export function graphJson(status: number, value: unknown, headers: Record<string, string> = {}): DoubleResponse {
  return json(status, value, { ...requestIds(), "odata-version": "4.0", ...headers });
}

/** Graph's error body. */
export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): DoubleResponse {
  const ids = requestIds();
  const body = { error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), "request-id": ids["request-id"], "client-request-id": ids["client-request-id"] } } };
  return json(status, body, { ...ids, ...headers });
}

export const GRAPH_RESOURCE_APP_ID = "00000003-0000-0000-c000-000000000000";

/** 401 as Graph sends it, with its WWW-Authenticate challenge. */
export function invalidToken(message: string, loginUrl: string): DoubleResponse {
  return graphError(401, "InvalidAuthenticationToken", message, {
    "www-authenticate": `Bearer realm="", authorization_uri="${loginUrl}/common/oauth2/authorize", client_id="${GRAPH_RESOURCE_APP_ID}"`,
  });
}

/** A fault without a body gets the body Graph sends for that status (429 and 503 also a Retry-After). */
export function graphFaultBody(status: number): DoubleResponse {
  switch (status) {
    case 429:
      return graphError(429, "TooManyRequests", "Too many requests. Please retry after the time given in the Retry-After header.", { "retry-after": "1" });
    case 503:
      return graphError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.", { "retry-after": "1" });
    case 504:
      return graphError(504, "GatewayTimeout", "The gateway did not receive a response in time.");
    case 401:
      return graphError(401, "InvalidAuthenticationToken", "Access token validation failure.");
    case 403:
      return graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    case 404:
      return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    case 410:
      return graphError(410, "SyncStateNotFound", "The sync state generation is not found or has expired. Start a full synchronization.");
  }
  if (status >= 500) return graphError(status, "generalException", "An unexpected error occurred on the server.");
  return graphError(status, "BadRequest", "The request is not valid.");
}

/** The identity platform's error body: `AADSTS<code>: <description>` plus trace and correlation ids. */
export function aadError(status: number, error: string, code: number, description: string, loginUrl: string): DoubleResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${loginUrl}/error?code=${code}`,
  }, { "cache-control": "no-store, no-cache", pragma: "no-cache" });
}

// ---- time zones ------------------------------------------------------------

/** Windows time zone names Outlook uses, mapped to IANA (a common subset; IANA names are accepted as is). */
const WINDOWS_ZONES: Record<string, string> = {
  UTC: "UTC",
  "Coordinated Universal Time": "UTC",
  "GMT Standard Time": "Europe/London",
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "Central Europe Standard Time": "Europe/Budapest",
  "E. South America Standard Time": "America/Sao_Paulo",
  "Eastern Standard Time": "America/New_York",
  "Central Standard Time": "America/Chicago",
  "Mountain Standard Time": "America/Denver",
  "Pacific Standard Time": "America/Los_Angeles",
  "India Standard Time": "Asia/Kolkata",
  "Tokyo Standard Time": "Asia/Tokyo",
  "AUS Eastern Standard Time": "Australia/Sydney",
};

export function ianaZone(name: string | undefined | null): string | null {
  const zone = WINDOWS_ZONES[name ?? "UTC"] ?? name ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at this instant, in ms. */
function offsetMs(zone: string, utcMs: number): number {
  if (zone === "UTC") return 0;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** Wall-clock time in `zone` (as ms of a UTC date with the same fields) → the instant. */
export function wallToUtc(wallMs: number, zone: string): number {
  const first = wallMs - offsetMs(zone, wallMs);
  return wallMs - offsetMs(zone, first);
}

export const utcToWall = (utcMs: number, zone: string) => utcMs + offsetMs(zone, utcMs);

/** Graph's dateTimeTimeZone.dateTime: "2024-05-06T09:30:00.0000000" in the zone. */
export function graphDateTime(utcMs: number, zone: string): string {
  return new Date(utcToWall(utcMs, zone)).toISOString().replace(/\.(\d{3})Z$/, ".$10000");
}

/** Parses a dateTimeTimeZone (or a dateTime with an offset, which wins over the zone). NaN when malformed. */
export function parseDateTimeTimeZone(value: { dateTime?: unknown; timeZone?: unknown } | undefined | null): { ms: number; zone: string } | null {
  if (!value || typeof value.dateTime !== "string") return null;
  const zoneName = typeof value.timeZone === "string" && value.timeZone ? value.timeZone : "UTC";
  const zone = ianaZone(zoneName);
  if (!zone) return null;
  const text = value.dateTime.trim();
  if (/(Z|[+-]\d\d:\d\d)$/.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : { ms, zone: zoneName };
  }
  const match = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?$/.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0"] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, "0").slice(0, 3)));
  return { ms: wallToUtc(wall, zone), zone: zoneName };
}

/** A query-string instant (calendarView's startDateTime/endDateTime): an offset or Z wins; none means UTC. */
export function parseQueryInstant(value: string | null): number | null {
  if (!value) return null;
  const text = /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim()) ? value.trim() : `${value.trim()}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** `Prefer: outlook.timezone="…", odata.maxpagesize=50` → the parts. */
export function preferences(header: string | string[] | undefined): { timeZone: string | null; maxPageSize: number | null } {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  const zone = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(text)?.[1] ?? null;
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text)?.[1];
  return { timeZone: zone, maxPageSize: size ? Math.max(1, Number(size)) : null };
}
