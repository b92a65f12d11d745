import { and, eq } from "drizzle-orm";
import { getDb } from "../db/client";
import { integrations } from "../db/schema";
import { recordIntegrationFailure } from "../integrations/failures";
import type { IntegrationProvider } from "~/lib/realtime/events";
import { errorMessage, type JobFailure } from "./define-job";

/**
 * The failure handler every integration job uses (`onFailure: integrationJobFailed`):
 * once retries are spent, the error is recorded on the owning integration and
 * published as `integration:error`.
 */
export async function integrationJobFailed(failure: JobFailure<{ data: { userId: string; provider: IntegrationProvider } }>) {
  const { userId, provider } = failure.event.data;
  const db = await getDb();
  const [current] = await db
    .select({ status: integrations.status })
    .from(integrations)
    .where(and(eq(integrations.userId, userId), eq(integrations.provider, provider)));
  // A lost authorization was already recorded as needs_reauth, which says more than "error".
  if (current?.status === "needs_reauth") return;
  await recordIntegrationFailure(db, {
    userId,
    provider,
    message: `The last sync failed after several attempts: ${errorMessage(failure.error)}`,
  });
}
