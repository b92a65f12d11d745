import { z } from "zod";
import { parseCookieHeader } from "./session";

/**
 * next-auth v4 answers some malformed requests with a 500 and a stack in the log:
 * a JSON content type whose body is not JSON (it calls `req.json()` unguarded), a
 * GET of the credentials callback ("callback for provider type credentials not
 * supported"), a NUL, CR or LF in a value it copies into a Location or Set-Cookie
 * header (`?error=`, `callbackUrl`), and a `_log` post with an unknown level (logged
 * as a LOGGER_ERROR with its stack), and a callback URL, in the query or the callback-url
 * cookie, that is neither an http(s) URL nor a path (its assertConfig logs and answers a 500).
 * This refuses them with a 4xx before the library sees the request; anything else passes
 * through untouched.
 */

/** The email-and-password provider (options.ts): its callback takes only the posted sign-in form. */
const CREDENTIALS_PROVIDER_ID = "credentials";

/** Characters no header value may hold (Fetch's header-value rules): next-auth copies values into redirects and cookies. */
const UNSAFE_VALUE = /[\0\r\n]/;

/** What next-auth's client posts to `_log` (a URLSearchParams of level, code and the error's fields). */
const ZClientLog = z.looseObject({
  level: z.enum(["error", "warn", "debug"]),
  code: z.string().regex(/^[A-Za-z0-9_]{1,100}$/),
});

/** next-auth's callback-url cookie, plain and with the __Secure- prefix it takes on https. */
const CALLBACK_URL_COOKIES = ["next-auth.callback-url", "__Secure-next-auth.callback-url"];

/** What next-auth accepts as a callback URL (its assertConfig's isValidHttpUrl): an http(s) URL, or a path on the app. */
function isAcceptedCallbackUrl(value: string, origin: string): boolean {
  try {
    return /^https?:$/.test(new URL(value, value.startsWith("/") ? origin : undefined).protocol);
  } catch {
    return false;
  }
}

const refuse = (status: number, error: string, headers?: Record<string, string>) => Response.json({ error }, { status, headers });

type Body = { ok: true; value: unknown } | { ok: false };

/** The body as next-auth will read it (JSON or form), from a clone so the library can still read the original. */
async function readBody(request: Request): Promise<Body> {
  if (request.method !== "POST" || !request.body) return { ok: true, value: undefined };
  const contentType = request.headers.get("content-type") ?? "";
  const text = await request.clone().text();
  if (contentType.includes("application/json")) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false };
    }
  }
  if (contentType.includes("application/x-www-form-urlencoded")) return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  return { ok: true, value: undefined };
}

/** Every string in a parsed body, however deeply nested: a loop, as recursion would overflow the stack on a body nested thousands deep. */
function stringsIn(body: unknown): string[] {
  const strings: string[] = [];
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") strings.push(value);
    else if (value && typeof value === "object") for (const item of Object.values(value)) pending.push(item);
  }
  return strings;
}

/** A 4xx for a request next-auth would fail on, or null to hand it to next-auth. `segments` are the [...nextauth] segments. */
export async function guardAuthRequest(request: Request, segments: readonly string[]): Promise<Response | null> {
  const [action, providerId] = segments;
  if (action === "callback" && providerId === CREDENTIALS_PROVIDER_ID && request.method !== "POST") {
    return refuse(405, "Sign in with email and password by posting the sign-in form.", { allow: "POST" });
  }
  const body = await readBody(request);
  if (!body.ok) return refuse(400, "The body is not valid JSON.");
  if (action === "_log") {
    return ZClientLog.safeParse(body.value).success ? null : refuse(400, 'A log entry needs a level ("error", "warn" or "debug") and a code.');
  }
  const url = new URL(request.url);
  const values = [...url.searchParams.values(), ...stringsIn(body.value)];
  if (values.some((value) => UNSAFE_VALUE.test(value))) return refuse(400, "Parameters may not contain NUL, CR or LF characters.");
  const cookies = parseCookieHeader(request.headers.get("cookie"));
  // next-auth reads the query as an object (the last of repeated keys wins) and its cookie by name.
  const callbackUrls = [url.searchParams.getAll("callbackUrl").at(-1), ...CALLBACK_URL_COOKIES.map((name) => cookies[name])];
  if (callbackUrls.some((value) => value && !isAcceptedCallbackUrl(value, url.origin))) return refuse(400, "The callback URL must be a path on this site or an http(s) URL.");
  return null;
}
