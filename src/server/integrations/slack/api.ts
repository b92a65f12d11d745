import { ErrorCode, LogLevel, type Logger, WebClient } from "@slack/web-api";
import type { Env } from "../../env";
import { errorForStatus, ProviderError, RESILIENCE, withCircuitBreaker } from "../resilience";
import { SLACK, slackApiUrl } from "./facts";

/** The SDK logs request bodies (tokens redacted, but still): we log nothing of it. */
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/**
 * @slack/web-api pointed at SLACK_BASE_URL's Web API. No retries and no waiting inside
 * the call: a 429 is rejected at once (rejectRateLimitedCalls) with its Retry-After, and
 * our durable jobs wait it out and retry, so one user's rate limit never holds a worker.
 */
export function slackClient(env: Env, token?: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: slackApiUrl(env),
    logger: silent,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: RESILIENCE.requestTimeoutMs,
  });
}

type SdkError = {
  code?: string;
  data?: { error?: string; needed?: string; response_metadata?: { retryAfter?: number } };
  retryAfter?: number;
  statusCode?: number;
  body?: unknown;
  original?: { message?: string; name?: string };
  message?: string;
};

const has = (list: readonly string[], value: string) => list.includes(value);

const rateLimited = (retryAfterSeconds: number | undefined, now: number) => {
  const seconds = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0 ? retryAfterSeconds : SLACK.limits.defaultRetryAfterSeconds;
  const retryAt = new Date(now + seconds * 1000);
  return new ProviderError("slack", "rate_limited", `Slack is rate limiting requests until ${retryAt.toISOString()}.`, retryAt);
};

/**
 * A Web API failure as the ProviderError the framework understands. Slack answers
 * errors as HTTP 200 `{ ok: false, error }` (the SDK's platform error), except rate
 * limits (429) and outages (5xx). Messages name Slack's error code, never a token.
 */
export function slackError(error: unknown, now = Date.now()): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = (error ?? {}) as SdkError;
  switch (failure.code) {
    case ErrorCode.RateLimitedError:
      return rateLimited(failure.retryAfter, now);
    case ErrorCode.PlatformError: {
      const code = failure.data?.error ?? "unknown_error";
      if (has(SLACK.refusedTokenErrors, code)) {
        return new ProviderError("slack", "unauthorized", `Slack no longer accepts the saved authorization (${code}). Reconnect Slack to continue.`);
      }
      if (code === "missing_scope") {
        const needed = failure.data?.needed ? ` the ${failure.data.needed} permission` : " a permission";
        return new ProviderError("slack", "forbidden", `Slack refused: the connection lacks${needed}. Reconnect Slack to grant it.`);
      }
      if (code === "ratelimited") return rateLimited(failure.data?.response_metadata?.retryAfter, now);
      if (has(SLACK.outageErrors, code)) return new ProviderError("slack", "unavailable", `Slack had a problem answering (${code}); it may be having an outage.`);
      return new ProviderError("slack", "bad_response", `Slack refused the request (${code}).`);
    }
    case ErrorCode.HTTPError: {
      const status = failure.statusCode ?? 0;
      if (status === 429) return rateLimited(undefined, now);
      if (status >= 500) return new ProviderError("slack", "unavailable", `Slack answered ${status}; it may be having an outage.`);
      return errorForStatus("slack", status);
    }
    case ErrorCode.RequestError: {
      const timedOut = failure.original?.name === "TimeoutError" || failure.original?.name === "AbortError";
      return new ProviderError("slack", "unavailable", timedOut ? "Slack did not answer in time." : "Slack could not be reached.");
    }
  }
  // The SDK rejects a 429 whose Retry-After it cannot read with a plain Error.
  if (/rate limit|retry header/i.test(failure.message ?? "")) return rateLimited(undefined, now);
  return new ProviderError("slack", "unavailable", "Slack could not be reached.");
}

/** One Web API call behind Slack's circuit breaker, its failure translated. */
export function callSlack<T>(operation: () => Promise<T>): Promise<T> {
  return withCircuitBreaker("slack", async () => {
    try {
      return await operation();
    } catch (error) {
      throw slackError(error);
    }
  });
}

/**
 * oauth.v2.access (code exchange or refresh) behind the breaker. A refusal is the
 * authorization's fault (`unauthorized`: reconnect), except wrong app credentials,
 * which only the operator can fix (`forbidden`). Rate limits and outages as usual.
 */
export function callSlackOAuth<T>(action: "connect" | "renew", operation: () => Promise<T>): Promise<T> {
  return withCircuitBreaker("slack", async () => {
    try {
      return await operation();
    } catch (error) {
      const failure = (error ?? {}) as SdkError;
      if (failure.code !== ErrorCode.PlatformError) throw slackError(error);
      const code = failure.data?.error ?? "unknown_error";
      if (has(SLACK.clientCredentialErrors, code)) {
        throw new ProviderError("slack", "forbidden", `Slack refused this server's app credentials (${code}): check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.`);
      }
      if (code === "ratelimited" || has(SLACK.outageErrors, code)) throw slackError(error);
      throw new ProviderError(
        "slack",
        "unauthorized",
        action === "connect" ? `Slack refused the authorization (${code}). Start connecting again.` : `Slack refused to renew the authorization (${code}).`,
      );
    }
  });
}
