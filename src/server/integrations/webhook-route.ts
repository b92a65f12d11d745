import { getDb } from "../db/client";
import { getEnv } from "../env";
import { jobs } from "../jobs/send";
import { logger } from "../logger";
import { readLimitedBody, WEBHOOK_MAX_BYTES, type WebhookOutcome } from "./webhooks";

type Receiver = (db: Awaited<ReturnType<typeof getDb>>, env: ReturnType<typeof getEnv>, headers: Headers, body: string) => Promise<WebhookOutcome>;

/** The HTTP side of a provider webhook: bounded body, verify, hand the work to a job, answer at once. */
export async function handleWebhook(provider: string, request: Request, receive: Receiver): Promise<Response> {
  const body = await readLimitedBody(request);
  if (body === null) return Response.json({ error: `Payload larger than ${WEBHOOK_MAX_BYTES} bytes` }, { status: 413 });
  const outcome = await receive(await getDb(), getEnv(), request.headers, body);
  if (outcome.event) await jobs.send(outcome.event);
  if (outcome.status >= 400) logger.warn("webhook refused", { provider, status: outcome.status, reason: outcome.body.error });
  return Response.json(outcome.body, { status: outcome.status });
}
