import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
import { setTimeout as sleep } from "node:timers/promises";
import type { Env } from "../../env";
import { sha256Hex } from "../../hash";
import { errorForStatus, fetchWithTimeout, ProviderError, RESILIENCE, retryAtFrom } from "../resilience";

const GitHubClient = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHubClient>;

/**
 * Octokit with GitHub's documented etiquette: the throttling plugin waits out a
 * primary or secondary rate limit once when the reset is near (RESILIENCE), the
 * retry plugin retries 5xx with backoff; everything else fails fast.
 */
export function githubClient(env: Env, auth?: string): GitHubClient {
  const waitOnce = (retryAfterSeconds: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < 1 && retryAfterSeconds * 1000 <= RESILIENCE.maxInlineWaitMs;
  // The token's digest names it for the limits kept per token, ours and Octokit's; calls with the OAuth app's own credentials share one.
  const tokenKey = auth ? sha256Hex(auth) : undefined;
  return new GitHubClient({
    auth,
    baseUrl: env.GITHUB_API_URL.replace(/\/+$/, ""),
    userAgent: "devpulse-cloud",
    // Octokit's throttling keys its limits (10 requests at once, writes a second apart) by this id, which
    // defaults to one id for the whole process: every user's webhook creations queued behind everyone
    // else's, a second each, and all users shared 10 requests at once. GitHub's limits are per token.
    throttle: { id: tokenKey ?? "oauth-app", write: writesSpacedPerToken(), onRateLimit: waitOnce, onSecondaryRateLimit: waitOnce },
    retry: { retries: RESILIENCE.retries, retryAfterBaseValue: RESILIENCE.backoffBaseMs, doNotRetry: [304, 400, 401, 403, 404, 410, 422, 451] },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    request: { fetch: pausingOnRateLimits(tokenKey) },
  });
}

/**
 * The throttling plugin's write limiter, one per throttle id (the token's digest), spaced by RESILIENCE.writeSpacingMs
 * as it is when a client is made (a new group when the setting changes). On globalThis, as the pauses below are:
 * the route handlers and the jobs may each load this module, and a token's writes must be spaced across both.
 */
const writeLimiters = globalThis as typeof globalThis & { __devpulseGitHubWrites?: { spacingMs: number; group: Bottleneck.Group } };
function writesSpacedPerToken(): Bottleneck.Group {
  const spacingMs = RESILIENCE.writeSpacingMs;
  if (writeLimiters.__devpulseGitHubWrites?.spacingMs !== spacingMs) {
    writeLimiters.__devpulseGitHubWrites = { spacingMs, group: new Bottleneck.Group({ maxConcurrent: 1, minTime: spacingMs }) };
  }
  return writeLimiters.__devpulseGitHubWrites.group;
}

/**
 * GitHub asks that nothing more be sent with a token until its rate limit resets, not only the refused
 * request. Octokit's throttling waits out and retries that one, but a sync's other calls (each on a
 * client of its own, for another repository) went on meanwhile: the provider-faults reliability trial
 * caught them. So one pause per token, set by any rate-limited answer and kept before every request:
 * waited out when the reset is near, refused at once when it is not (the job retries at the reset).
 * Keyed by the token's digest; entries go once their reset has passed. On globalThis, as the circuit
 * breakers are: the route handlers and the jobs may each load this module (one per Next bundle).
 */
const pauses = globalThis as typeof globalThis & { __devpulseGitHubPauses?: Map<string, number> };
const pausedUntilByToken = (pauses.__devpulseGitHubPauses ??= new Map<string, number>());

function pausingOnRateLimits(key: string | undefined): typeof fetch {
  if (!key) return fetchWithTimeout;
  return async (input, init) => {
    const wait = (pausedUntilByToken.get(key) ?? 0) - Date.now();
    if (wait > RESILIENCE.maxInlineWaitMs) {
      const retryAt = new Date(Date.now() + wait);
      throw new ProviderError("github", "rate_limited", `GitHub is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
    }
    if (wait > 0) await sleep(wait);
    else pausedUntilByToken.delete(key);
    const response = await fetchWithTimeout(input as string | URL | Request, init);
    if (isRateLimited(response.status, response.headers)) {
      const retryAt = retryAtFrom(response.headers);
      if (retryAt) pausedUntilByToken.set(key, Math.max(pausedUntilByToken.get(key) ?? 0, retryAt.getTime()));
    }
    return response;
  };
}

/** GitHub's rate-limit answers: 429, or 403 with no requests left or a Retry-After (a secondary limit). */
const isRateLimited = (status: number, headers: Headers) => status === 429 || (status === 403 && (headers.get("x-ratelimit-remaining") === "0" || headers.has("retry-after")));

type RequestErrorLike = { status?: number; response?: { headers?: Record<string, string | number | undefined> }; message?: string };

/** Octokit's RequestError (or a network failure) as the ProviderError the framework understands. */
export function githubError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  // A pause for a rate limit (pausingOnRateLimits), which Octokit wraps as a request failure.
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof ProviderError) return cause;
  const failure = error as RequestErrorLike;
  const status = failure.status ?? 0;
  const headers = new Headers(Object.entries(failure.response?.headers ?? {}).map(([key, value]): [string, string] => [key, String(value)]));
  if (isRateLimited(status, headers)) {
    const retryAt = retryAtFrom(headers) ?? new Date(Date.now() + 60_000);
    return new ProviderError("github", "rate_limited", `GitHub is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
  }
  if (status >= 500 || status === 0) {
    return new ProviderError("github", "unavailable", status ? `GitHub answered ${status} several times in a row; it may be having an outage.` : "GitHub could not be reached.");
  }
  return errorForStatus("github", status, failure.message ?? "");
}

export const isNotModified = (error: unknown) => (error as RequestErrorLike).status === 304;
