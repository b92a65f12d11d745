import type { DiscordAPIError, REST, RequestData } from "discord.js";
import type { Env } from "../../env";
import { AppError } from "../../errors";
import { ProviderError, RESILIENCE, withCircuitBreaker } from "../resilience";
import { DISCORD_API_VERSION, DISCORD_ERROR_CODES } from "./facts";

/**
 * Discord's REST API through discord.js's REST client (@discordjs/rest), API v10, and its
 * errors as the ProviderErrors the framework understands.
 *
 * - A new REST client per operation: the client forgets its token after a 401, so a shared
 *   one would stay broken. Within an operation it still reads X-RateLimit-* and queues on them.
 * - `rejectOnRateLimit`: a 429 (or a bucket the client knows is empty) throws at once, and
 *   becomes `rate_limited` with `retryAt`, so the status job owns the wait instead of a call
 *   sleeping inside a job step.
 * - 5xx and network errors are retried by the client (RESILIENCE.retries), then `unavailable`;
 *   everything runs behind the "discord" circuit breaker.
 * - The SDK's own errors carry the request body (a token exchange's client secret and code):
 *   they never leave this file untranslated.
 *
 * discord.js is imported lazily: the registry loads every provider, and the package takes a
 * second or two to import.
 */

type Sdk = typeof import("discord.js");
let loading: Promise<Sdk> | null = null;
let sdk: Sdk | null = null;

async function loadSdk(): Promise<Sdk> {
  loading ??= import("discord.js").then((module) => (sdk = module));
  return loading;
}

/** Who a call is made as: DevPulse's bot, the person (their OAuth access token), or nobody (OAuth endpoints). */
export type DiscordCredential = { as: "bot" } | { as: "user"; accessToken: string } | { as: "client" };

export const discordApiBase = (env: Env) => env.DISCORD_API_URL.replace(/\/+$/, "");

async function restFor(env: Env, credential: DiscordCredential): Promise<REST> {
  const { REST } = await loadSdk();
  const rest = new REST({
    version: DISCORD_API_VERSION,
    api: discordApiBase(env),
    authPrefix: credential.as === "user" ? "Bearer" : "Bot",
    retries: RESILIENCE.retries,
    timeout: RESILIENCE.requestTimeoutMs,
    rejectOnRateLimit: () => true,
  });
  if (credential.as === "user") rest.setToken(credential.accessToken);
  if (credential.as === "bot") {
    if (!env.DISCORD_BOT_TOKEN) throw new AppError("PRECONDITION_FAILED", "Discord is not configured on this server: set DISCORD_BOT_TOKEN.");
    rest.setToken(env.DISCORD_BOT_TOKEN);
  }
  return rest;
}

/** What to tell the person when Discord refuses, where the operation knows better than the status code (403: by Discord's JSON code). */
export type ErrorHints = { unauthorized?: string; forbidden?: (code: number) => string; notFound?: string };

/**
 * One Discord operation (one or more REST requests with the same client) behind the circuit
 * breaker; whatever it throws comes out as a ProviderError (or an AppError it raised itself).
 */
export function discordCall<T>(env: Env, credential: DiscordCredential, operation: (rest: REST, routes: Sdk["Routes"]) => Promise<T>, hints: ErrorHints = {}): Promise<T> {
  return withCircuitBreaker("discord", async () => {
    try {
      const rest = await restFor(env, credential);
      return await operation(rest, (await loadSdk()).Routes);
    } catch (error) {
      throw discordError(error, credential, hints);
    }
  });
}

/** Discord's answer when a REST request was refused with a status (and JSON code), or null. */
export function apiFailure(error: unknown): { status: number; code: number | string } | null {
  if (sdk && error instanceof sdk.DiscordAPIError) return { status: error.status, code: error.code };
  return null;
}

/** A 404 with one of these JSON codes (any 404 without codes). */
export const isUnknown = (error: unknown, ...codes: number[]) => {
  const failure = apiFailure(error);
  return failure !== null && failure.status === 404 && (codes.length === 0 || codes.includes(Number(failure.code)));
};

/** A form-encoded request to an unversioned OAuth2 endpoint, authenticated by the client credentials in the body. */
export function oauthForm(values: Record<string, string>): RequestData {
  return {
    auth: false,
    versioned: false,
    passThroughBody: true,
    body: new URLSearchParams(values),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  };
}

/** The OAuth2 error in a refused token request ("invalid_grant: Invalid "code" in request."), without anything we sent. */
export function oauthRefusal(error: unknown): string | null {
  if (!sdk || !(error instanceof sdk.DiscordAPIError) || (error.status !== 400 && error.status !== 401)) return null;
  const raw = (error as DiscordAPIError).rawError as { error?: unknown; error_description?: unknown };
  if (typeof raw.error !== "string") return null;
  return typeof raw.error_description === "string" ? `${raw.error}: ${raw.error_description}` : raw.error;
}

export function discordError(error: unknown, credential: DiscordCredential, hints: ErrorHints = {}): ProviderError | AppError {
  if (error instanceof ProviderError || error instanceof AppError) return error;
  if (sdk && error instanceof sdk.RateLimitError) return rateLimited(new Date(Date.now() + Math.max(error.retryAfter, 0)));
  if (sdk && error instanceof sdk.DiscordAPIError) {
    const { status } = error;
    const code = Number(error.code);
    if (status === 401) {
      const message =
        hints.unauthorized ??
        (credential.as === "bot"
          ? "Discord refused DevPulse's bot: its token is no longer valid. The server's operator must update DISCORD_BOT_TOKEN."
          : "Discord no longer accepts the saved authorization. Reconnect Discord to continue.");
      return new ProviderError("discord", "unauthorized", message);
    }
    if (status === 403) {
      const detail = code === DISCORD_ERROR_CODES.missingPermissions ? "it lacks a permission there" : "it cannot see it";
      return new ProviderError("discord", "forbidden", hints.forbidden?.(code) ?? `Discord refused DevPulse's bot (${detail}). Give the bot access in Discord, then try again.`);
    }
    if (status === 404) return new ProviderError("discord", "not_found", hints.notFound ?? "Discord could not find the requested item (404).");
    if (status === 429) return rateLimited(new Date(Date.now() + 60_000));
    return new ProviderError("discord", "bad_response", `Discord answered ${status}${Number.isFinite(code) && code ? ` (code ${code})` : ""}.`);
  }
  if (sdk && error instanceof sdk.HTTPError) {
    return new ProviderError("discord", "unavailable", `Discord answered ${error.status} several times in a row; it may be having an outage.`);
  }
  if (isNetworkFailure(error)) {
    const reason = (error as Error).name === "AbortError" ? "it did not answer in time" : "network error";
    return new ProviderError("discord", "unavailable", `Discord could not be reached (${reason}).`);
  }
  return new ProviderError("discord", "bad_response", "Discord gave an answer DevPulse could not read.");
}

/** fetch's own failures (refused, reset, DNS, timeout), as opposed to a bug of ours. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError" || error.name === "TimeoutError") return true;
  if (error instanceof TypeError && error.message === "fetch failed") return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^(E[A-Z]+|UND_ERR)/.test(code);
}

function rateLimited(retryAt: Date) {
  return new ProviderError("discord", "rate_limited", `Discord is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
}
