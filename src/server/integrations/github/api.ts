import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { Env } from "../../env";
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
  return new GitHubClient({
    auth,
    baseUrl: env.GITHUB_API_URL.replace(/\/+$/, ""),
    userAgent: "devpulse-cloud",
    throttle: { onRateLimit: waitOnce, onSecondaryRateLimit: waitOnce },
    retry: { retries: RESILIENCE.retries, retryAfterBaseValue: RESILIENCE.backoffBaseMs, doNotRetry: [304, 400, 401, 403, 404, 410, 422, 451] },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    request: { fetch: fetchWithTimeout },
  });
}

type RequestErrorLike = { status?: number; response?: { headers?: Record<string, string | number | undefined> }; message?: string };

/** Octokit's RequestError (or a network failure) as the ProviderError the framework understands. */
export function githubError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = error as RequestErrorLike;
  const status = failure.status ?? 0;
  const headers = new Headers(Object.entries(failure.response?.headers ?? {}).map(([key, value]): [string, string] => [key, String(value)]));
  const rateLimited = status === 429 || (status === 403 && (headers.get("x-ratelimit-remaining") === "0" || headers.has("retry-after")));
  if (rateLimited) {
    const retryAt = retryAtFrom(headers) ?? new Date(Date.now() + 60_000);
    return new ProviderError("github", "rate_limited", `GitHub is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
  }
  if (status >= 500 || status === 0) {
    return new ProviderError("github", "unavailable", status ? `GitHub answered ${status} several times in a row; it may be having an outage.` : "GitHub could not be reached.");
  }
  return errorForStatus("github", status, failure.message ?? "");
}

export const isNotModified = (error: unknown) => (error as RequestErrorLike).status === 304;
