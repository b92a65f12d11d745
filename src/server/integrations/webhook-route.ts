import { receiveCalendarDelivery } from "../calendar/notifications";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { jobs } from "../jobs/send";
import { logger } from "../logger";
import { gitProviders, isCalendarProvider, isGitProvider } from "./registry";
import { awaitingReconnect, forgettingOnFailure, signedBodyText } from "./webhooks";

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
  const { event } = outcome;
  if (event) {
    const queued = await forgettingOnFailure(db, outcome.recorded ? [outcome.recorded] : [], async () => {
      // Verified, but for an integration waiting to be reconnected: acknowledged and dropped, as its job
      // could only fail (the sync after reconnecting fetches what the delivery announced).
      const owner = "userId" in event.data ? event.data.userId : null;
      if (owner && (await awaitingReconnect(db, owner, provider))) return false;
      await jobs.send(event);
      return true;
    });
    if (!queued) return Response.json({ ignored: "the integration needs reconnecting" }, { status: 202 });
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
  if (outcome.events.length) await forgettingOnFailure(db, outcome.recorded, () => jobs.send(outcome.events));
  return Response.json({ accepted: outcome.events.length, ignored: outcome.ignored, duplicates: outcome.duplicates }, { status: 202 });
}
