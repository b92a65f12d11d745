import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { calendars } from "../db/schema";
import type { JobEvent } from "../jobs/events";
import { calendarProviders, type CalendarProviderId } from "../integrations/registry";
import { awaitingReconnect, claimDelivery, forgettingOnFailure, type RecordedDelivery } from "../integrations/webhooks";
import { calendarForDelivery, forgetWatch } from "./watches";

export type CalendarDeliveryOutcome =
  | { kind: "handshake"; answer: string }
  | { kind: "refused"; status: 400 | 401; error: string }
  /**
   * `recorded`: the numbered messages claimed, marked handled once their sync is queued, forgotten if it cannot be;
   * `inProgress`: messages another request is handling right now (the delivery is answered 503, and retried).
   */
  | { kind: "accepted"; events: JobEvent[]; ignored: number; duplicates: number; inProgress: number; recorded: RecordedDelivery[] };

/**
 * A push delivery, read by the provider and checked here: each entry's token against the watch
 * it names (constant time). What each signal asks for: `sync` an incremental sync; `missed` a full
 * one (the cursor is dropped); `reauthorize` and `removed` a renewed or new watch, which the sync
 * makes before it reads (one job, so two never race to replace the same watch). One sync
 * per user however many entries name them. Entries for an integration waiting to be reconnected
 * are dropped: its sync could only fail. A message the provider numbers (Google) is acted on once:
 * a replay, checked after its token so a forgery records nothing, is acknowledged as a duplicate.
 */
export async function receiveCalendarDelivery(db: DbOrTx, provider: CalendarProviderId, headers: Headers, url: URL, body: string): Promise<CalendarDeliveryOutcome> {
  const delivery = calendarProviders[provider].parseNotification(headers, url, body);
  if (!delivery) return { kind: "refused", status: 400, error: "Not a calendar notification" };
  if (delivery.kind === "handshake") return delivery;
  const events = new Map<string, JobEvent>();
  let verified = 0;
  let ignored = 0;
  let duplicates = 0;
  let inProgress = 0;
  const recorded: RecordedDelivery[] = [];
  // A failure part way (the database) forgets what this delivery recorded, so the provider's retry is done.
  await forgettingOnFailure(db, recorded, async () => {
    for (const item of delivery.items) {
      const calendar = await calendarForDelivery(db, provider, item.watchId, item.token);
      if (!calendar) continue;
      verified += 1;
      if (item.deliveryId) {
        const claimed = await claimDelivery(db, provider, item.deliveryId);
        if (claimed.state === "handled") duplicates += 1;
        if (claimed.state === "in_progress") inProgress += 1;
        if (claimed.state !== "first") continue;
        recorded.push(claimed.recorded);
      }
      if (item.signal === "ignore" || (await awaitingReconnect(db, calendar.userId, provider))) {
        ignored += 1;
        continue;
      }
      if (item.signal === "missed") await db.update(calendars).set({ syncCursor: null }).where(eq(calendars.id, calendar.id));
      if (item.signal === "removed") await forgetWatch(db, calendar.id);
      // Due for renewal now, while still live: the sync renews it (Graph: a PATCH with a fresh token) rather than making another.
      if (item.signal === "reauthorize") await db.update(calendars).set({ watchExpiresAt: new Date(Date.now() + 60_000) }).where(eq(calendars.id, calendar.id));
      events.set(`sync:${calendar.userId}`, { name: "calendar/sync.requested", data: { userId: calendar.userId, provider } });
    }
  });
  if (verified === 0) return { kind: "refused", status: 401, error: "Unknown watch or wrong token" };
  return { kind: "accepted", events: [...events.values()], ignored, duplicates, inProgress, recorded };
}
