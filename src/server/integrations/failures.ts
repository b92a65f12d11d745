import { and, eq } from "drizzle-orm";
import type { IntegrationProvider } from "~/lib/realtime/events";
import { SUMMARY_MAX } from "~/lib/realtime/events";
import type { DbOrTx } from "../db/client";
import { integrations } from "../db/schema";
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
  const updated = await db
    .update(integrations)
    .set({ status, lastError: message, lastErrorAt: now, updatedAt: now })
    .where(and(eq(integrations.userId, failure.userId), eq(integrations.provider, failure.provider)))
    .returning({ id: integrations.id });
  if (updated.length === 0) return false;
  await publishSafely(failure.userId, "integration:error", { provider: failure.provider, message, status });
  return true;
}
