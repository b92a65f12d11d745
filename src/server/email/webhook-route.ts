import { getDb } from "../db/client";
import { getEnv } from "../env";
import { signedBodyText } from "../integrations/webhooks";
import { logger } from "../logger";
import { receiveEmailWebhook } from "./webhooks";

/**
 * The HTTP side of an email provider's delivery webhook: the provider's scheme verifies, the events
 * are applied (a few indexed updates: fast enough to answer inline, so no job). The route bounds
 * the body (BODY_LIMITS.emailWebhooks in server/security/body-limits.ts).
 */
export async function handleEmailWebhook(provider: string, request: Request): Promise<Response> {
  const body = await signedBodyText(request);
  const outcome = await receiveEmailWebhook(await getDb(), getEnv(), provider, request.headers, body);
  if (outcome.status >= 400) logger.warn("email webhook refused", { provider, status: outcome.status, reason: outcome.body.error });
  return Response.json(outcome.body, { status: outcome.status });
}
