import { providerName } from "~/lib/providers";
import type { ProviderId } from "./provider";

/**
 * How calls to providers survive the real world, the same way for every provider:
 * rate limits are respected (wait until the reset when it is near, otherwise give
 * up with the time to retry at), 5xx and network errors are retried with backoff,
 * and a per-provider circuit breaker stops an outage from burning every job's
 * retries. Failures become a ProviderError whose message is written for the user.
 */

export type ProviderErrorKind = "unauthorized" | "rate_limited" | "unavailable" | "forbidden" | "not_found" | "bad_response";

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderId,
    readonly kind: ProviderErrorKind,
    message: string,
    /** When a retry can succeed (rate limits, open circuit). */
    readonly retryAt?: Date,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export const RESILIENCE = {
  /** Wait for a rate-limit reset inside the call when it is at most this far away. */
  maxInlineWaitMs: 60_000,
  retries: 3,
  backoffBaseMs: 500,
  /**
   * A provider call that has not answered by then is given up on (and retried as a network error): without it
   * a provider that accepts the connection and never answers held a sync job for fetch's own 5 minutes.
   * Every provider's client takes it (Octokit and GitLab through resilientFetch, the chat and calendar SDKs as their
   * timeout option), read per call: our policy, not a provider's fact, so one setting shortens it for all (the fault trial).
   */
  requestTimeoutMs: 15_000,
  /**
   * Between two writes with one token (creating or deleting a webhook): GitHub asks for at least a second
   * (REST API best practices, "pause between mutative requests"). A setting so the suite's many connections
   * need not wait it out; the spacing itself is tested at a shorter value.
   */
  writeSpacingMs: 1_000,
  /** Consecutive failures that open the circuit, and how long it stays open. */
  breakerThreshold: 5,
  breakerOpenMs: 60_000,
};

type Breaker = { failures: number; openUntil: number; lastError: { message: string; at: Date } | null };
// On globalThis: the health route must see the state the integration routes and jobs change (Next may load modules once per bundle).
const holder = globalThis as typeof globalThis & { __devpulseProviderBreakers?: Map<string, Breaker> };
const breakers = (holder.__devpulseProviderBreakers ??= new Map<string, Breaker>());

function breakerFor(provider: ProviderId): Breaker {
  let breaker = breakers.get(provider);
  if (!breaker) breakers.set(provider, (breaker = { failures: 0, openUntil: 0, lastError: null }));
  return breaker;
}

/** For tests, the status view and the operator (deep health): the last outage counted against the circuit, if any. */
export function circuitState(provider: ProviderId): { open: boolean; failures: number; openUntil: Date | null; lastError: Breaker["lastError"] } {
  const breaker = breakerFor(provider);
  const open = breaker.openUntil > Date.now();
  return { open, failures: breaker.failures, openUntil: open ? new Date(breaker.openUntil) : null, lastError: breaker.lastError };
}

export function resetCircuits() {
  breakers.clear();
}

/** Names come from the provider catalog, like everywhere else (re-exported for the integration framework). */
export { providerName } from "~/lib/providers";

/**
 * Runs one provider operation behind the circuit breaker. Only outages (unavailable)
 * count against it: a rate limit or a revoked token says nothing about the provider's health.
 */
export async function withCircuitBreaker<T>(provider: ProviderId, operation: () => Promise<T>): Promise<T> {
  const breaker = breakerFor(provider);
  const now = Date.now();
  if (breaker.openUntil > now) {
    throw new ProviderError(
      provider,
      "unavailable",
      `${providerName(provider)} has been failing, so calls are paused until ${new Date(breaker.openUntil).toISOString()}.`,
      new Date(breaker.openUntil),
    );
  }
  try {
    const result = await operation();
    breaker.failures = 0;
    return result;
  } catch (error) {
    if (error instanceof ProviderError && error.kind === "unavailable") {
      breaker.failures += 1;
      // Messages are written for the user and never carry a token.
      breaker.lastError = { message: error.message.slice(0, 300), at: new Date() };
      if (breaker.failures >= RESILIENCE.breakerThreshold) breaker.openUntil = Date.now() + RESILIENCE.breakerOpenMs;
    }
    throw error;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** When a rate-limited response may be retried, from Retry-After or a reset header (epoch seconds). */
export function retryAtFrom(headers: Headers, now = Date.now()): Date | null {
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return new Date(now + seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return new Date(date);
  }
  const reset = headers.get("x-ratelimit-reset") ?? headers.get("ratelimit-reset");
  if (reset !== null && Number.isFinite(Number(reset))) return new Date(Number(reset) * 1000);
  return null;
}

/** fetch that gives up after RESILIENCE.requestTimeoutMs unless the caller brought its own signal (Octokit takes it as its `request.fetch`). */
export function fetchWithTimeout(url: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(RESILIENCE.requestTimeoutMs) });
}

/**
 * fetch with the policy above, for providers without an SDK that already does it
 * (GitHub's Octokit has its own throttling and retry plugins, configured the same way).
 * Returns 2xx and 304 responses; everything else becomes a ProviderError.
 */
export async function resilientFetch(provider: ProviderId, url: string, init: RequestInit = {}, options: { answerStatuses?: readonly number[] } = {}): Promise<Response> {
  const name = providerName(provider);
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetchWithTimeout(url, init);
    } catch (error) {
      if (attempt < RESILIENCE.retries) {
        await sleep(RESILIENCE.backoffBaseMs * 2 ** attempt);
        continue;
      }
      throw new ProviderError(provider, "unavailable", `${name} could not be reached (${error instanceof Error ? error.message : "network error"}).`);
    }
    // 2xx, 304, and statuses the caller reads itself (an OAuth token endpoint's 400 carries its error).
    if (response.ok || response.status === 304 || options.answerStatuses?.includes(response.status)) return response;
    const body = await response.text().catch(() => "");
    if (response.status === 429 || (response.status === 403 && retryAtFrom(response.headers))) {
      const retryAt = retryAtFrom(response.headers) ?? new Date(Date.now() + 60_000);
      const wait = retryAt.getTime() - Date.now();
      if (wait <= RESILIENCE.maxInlineWaitMs && attempt < RESILIENCE.retries) {
        await sleep(Math.max(wait, 0));
        continue;
      }
      throw new ProviderError(provider, "rate_limited", `${name} is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
    }
    if (response.status >= 500) {
      if (attempt < RESILIENCE.retries) {
        await sleep(RESILIENCE.backoffBaseMs * 2 ** attempt);
        continue;
      }
      throw new ProviderError(provider, "unavailable", `${name} answered ${response.status} several times in a row; it may be having an outage.`);
    }
    throw errorForStatus(provider, response.status, body);
  }
}

export function errorForStatus(provider: ProviderId, status: number, body = ""): ProviderError {
  const name = providerName(provider);
  if (status === 401) return new ProviderError(provider, "unauthorized", `${name} no longer accepts the saved authorization. Reconnect ${name} to continue.`);
  if (status === 403) return new ProviderError(provider, "forbidden", `${name} refused access (${status}). The connected account may lack permission.`);
  if (status === 404) return new ProviderError(provider, "not_found", `${name} could not find the requested item (404).`);
  const detail = body.slice(0, 120).replace(/\s+/g, " ");
  return new ProviderError(provider, "bad_response", `${name} answered ${status}${detail ? `: ${detail}` : ""}.`);
}
