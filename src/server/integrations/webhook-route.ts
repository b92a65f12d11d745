import { receiveCalendarDelivery } from "../calendar/notifications";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { jobs } from "../jobs/send";
import { logger } from "../logger";
import { gitProviders, isCalendarProvider, isGitProvider } from "./registry";
import { awaitingReconnect, handlingDeliveries, IN_PROGRESS_RETRY_SECONDS, signedBodyText } from "./webhooks";

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
  const { event, recorded } = outcome;
  if (recorded) {
    const dropped = await handlingDeliveries(db, [recorded], async () => {
      if (!event) return false;
      // Verified, but for an integration waiting to be reconnected: acknowledged and dropped, as its job
      // could only fail (the sync after reconnecting fetches what the delivery announced).
      const owner = "userId" in event.data ? event.data.userId : null;
      if (owner && (await awaitingReconnect(db, owner, provider))) return true;
      await jobs.send(event);
      return false;
    });
    if (dropped) return Response.json({ ignored: "the integration needs reconnecting" }, { status: 202 });
  }
  if (outcome.status >= 400 && outcome.status !== 503) logger.warn("webhook refused", { provider, status: outcome.status, reason: outcome.body.error });
  return Response.json(outcome.body, { status: outcome.status, headers: outcome.status === 503 ? { "retry-after": String(IN_PROGRESS_RETRY_SECONDS) } : {} });
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
  await handlingDeliveries(db, outcome.recorded, async () => {
    if (outcome.events.length) await jobs.send(outcome.events);
  });
  const answer = { accepted: outcome.events.length, ignored: outcome.ignored, duplicates: outcome.duplicates };
  // A message another request is handling: the provider retries the delivery, whose other messages are then duplicates.
  if (outcome.inProgress) return Response.json({ ...answer, inProgress: outcome.inProgress }, { status: 503, headers: { "retry-after": String(IN_PROGRESS_RETRY_SECONDS) } });
  return Response.json(answer, { status: 202 });
}
