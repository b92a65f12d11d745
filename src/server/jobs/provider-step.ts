import { NonRetriableError, RetryAfterError } from "inngest";
import { getDb } from "../db/client";
import { recordIntegrationFailure } from "../integrations/failures";
import type { RegisteredProviderId } from "../integrations/registry";
import { ProviderError } from "../integrations/resilience";
import { noteSyncWaiting } from "../integrations/sync-runs";

/**
 * Provider failures in the terms of the job engines: wait for a rate limit's reset,
 * stop at once when the authorization is gone, retry with backoff otherwise.
 */
export async function providerStep<T>(owner: { userId: string; provider: RegisteredProviderId }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProviderError && error.kind === "rate_limited") {
      // Visible while the run waits for the reset: the integration stays "syncing", with the reason, and its deadline moves.
      await noteSyncWaiting(await getDb(), owner, `${error.message} The sync continues then.`, error.retryAt ?? null);
      throw new RetryAfterError(error.message, error.retryAt ?? "1m");
    }
    if (error instanceof ProviderError && error.kind === "unauthorized") {
      await recordIntegrationFailure(await getDb(), { ...owner, message: error.message, status: "needs_reauth" });
      throw new NonRetriableError(error.message);
    }
    if (error instanceof ProviderError && error.kind === "forbidden") throw new NonRetriableError(error.message);
    throw error;
  }
}

