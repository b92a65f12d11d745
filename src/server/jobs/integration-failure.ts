import { getDb } from "../db/client";
import { recordIntegrationFailure } from "../integrations/failures";
import { errorMessage, type JobFailure, type TriggerEvent } from "./define-job";

/**
 * The failure handler every integration job uses (`onFailure: integrationJobFailed`):
 * once retries are spent, the error is recorded on the owning integration and
 * published as `integration:error`.
 */
export async function integrationJobFailed(failure: JobFailure<TriggerEvent<"integration/sync.requested">>) {
  const { userId, provider } = failure.event.data;
  await recordIntegrationFailure(await getDb(), {
    userId,
    provider,
    message: `The last sync failed after several attempts: ${errorMessage(failure.error)}`,
  });
}
