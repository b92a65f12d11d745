import { and, eq } from "drizzle-orm";
import type { IntegrationProvider } from "~/lib/realtime/events";
import { SUMMARY_MAX } from "~/lib/realtime/events";
import type { DbOrTx } from "../db/client";
import { integrations } from "../db/schema";
import { notifySafely } from "../notifications/notify";
import { publishSafely } from "../realtime/publisher";

/**
 * An integration's job failed for good (or its token cannot be refreshed): the
 * integration shows the error on the integrations page, and the user's open pages
 * hear `integration:error` at once. Nothing happens for an integration the user
 * has meanwhile disconnected.
 */
export async function recordIntegrationFailure(
  db: DbOrTx,
  failure: { userId: string; provider: IntegrationProvider; message: string; status?: "error" | "needs_reauth" },
) {
  const status = failure.status ?? "error";
  const message = failure.message.slice(0, SUMMARY_MAX.errorMessage);
  const now = new Date();
  const owner = and(eq(integrations.userId, failure.userId), eq(integrations.provider, failure.provider));
  const [current] = await db.select({ status: integrations.status, lastError: integrations.lastError }).from(integrations).where(owner);
  if (!current) return false;
  // The same failure reported twice (a refresh refused inside a job step): say it once.
  if (current.status === status && current.lastError === message) return true;
  await db.update(integrations).set({ status, lastError: message, lastErrorAt: now, updatedAt: now }).where(owner);
  await publishSafely(failure.userId, "integration:error", { provider: failure.provider, message, status });
  // A flapping integration folds into one notification counting its failures.
  await notifySafely(db, failure.userId, "integration.failed", { provider: failure.provider, status, message });
  return true;
}
