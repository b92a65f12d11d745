import { receiveCalendarDelivery } from "../calendar/notifications";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { jobs } from "../jobs/send";
import { logger } from "../logger";
import { gitProviders, isCalendarProvider, isGitProvider } from "./registry";
import type { DbOrTx } from "../db/client";
import type { JobEvent } from "../jobs/events";
import { awaitingReconnect, forgetDeliveries, signedBodyText, type RecordedDelivery } from "./webhooks";

/** Calendar push deliveries come to /api/webhooks/<provider>-calendar (the provider's id alone is its git webhook). */
const CALENDAR_SUFFIX = "-calendar";

/**
 * The HTTP side of a provider webhook: the provider verifies, a job does the work, answer at once.
 * The route bounds the body (BODY_LIMITS.webhooks in server/security/body-limits.ts).
 */
export async function handleWebhook(provider: string, request: Request): Promise<Response> {
  if (provider.endsWith(CALENDAR_SUFFIX)) return handleCalendarWebhook(provider.slice(0, -CALENDAR_SUFFIX.length), request);
  if (!isGitProvider(provider)) return Response.json({ error: `No integration named "${provider}"` }, { status: 404 });
  const body = await signedBodyText(request);
  const db = await getDb();
  const outcome = await gitProviders[provider].receiveWebhook(db, getEnv(), request.headers, body);
  if (outcome.event) {
    // Verified, but for an integration waiting to be reconnected: acknowledged and dropped, as its job
    // could only fail (the sync after reconnecting fetches what the delivery announced).
    const owner = "userId" in outcome.event.data ? outcome.event.data.userId : null;
    if (owner && (await awaitingReconnect(db, owner, provider))) return Response.json({ ignored: "the integration needs reconnecting" }, { status: 202 });
    await queueOrForget(db, outcome.event, outcome.recorded ? [outcome.recorded] : []);
  }
  if (outcome.status >= 400) logger.warn("webhook refused", { provider, status: outcome.status, reason: outcome.body.error });
  return Response.json(outcome.body, { status: outcome.status });
}

/** Google channel notifications and Graph change/lifecycle notifications; Graph's validation handshake is echoed as text/plain. */
async function handleCalendarWebhook(provider: string, request: Request): Promise<Response> {
  if (!isCalendarProvider(provider)) return Response.json({ error: `No calendar integration named "${provider}"` }, { status: 404 });
  const body = await signedBodyText(request);
  const db = await getDb();
  const outcome = await receiveCalendarDelivery(db, provider, request.headers, new URL(request.url), body);
  if (outcome.kind === "handshake") return new Response(outcome.answer, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
  if (outcome.kind === "refused") {
    logger.warn("calendar notification refused", { provider, status: outcome.status, reason: outcome.error });
    return Response.json({ error: outcome.error }, { status: outcome.status });
  }
  if (outcome.events.length) await queueOrForget(db, outcome.events, outcome.recorded);
  return Response.json({ accepted: outcome.events.length, ignored: outcome.ignored, duplicates: outcome.duplicates }, { status: 202 });
}

/**
 * Queues a delivery's work. When the job engine cannot take it, the delivery is forgotten before the
 * error answers 500: the provider's retry (Google, Graph) or a redelivery by hand (GitHub, GitLab) is
 * then done, not acknowledged as a duplicate of work that never ran.
 */
async function queueOrForget(db: DbOrTx, events: JobEvent | JobEvent[], recorded: readonly RecordedDelivery[]): Promise<void> {
  try {
    await jobs.send(events);
  } catch (error) {
    await forgetDeliveries(db, recorded);
    throw error;
  }
}
