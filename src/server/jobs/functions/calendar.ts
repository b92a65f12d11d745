import { NonRetriableError } from "inngest";
import { integrationAllows } from "~/lib/schemas/privacy";
import { providerName } from "~/lib/providers";
import { calendarsOf, refreshCalendarList } from "../../calendar/calendars";
import { detectConflicts } from "../../calendar/conflicts";
import { createFocusBlockEvent, markFocusBlockFailed } from "../../calendar/focus-blocks";
import { applyCalendarStatus, calendarStatusPlan } from "../../calendar/status";
import { syncCalendar } from "../../calendar/sync";
import { ensureWatches, watchesDueForRenewal } from "../../calendar/watches";
import { getDb } from "../../db/client";
import { AppError } from "../../errors";
import { getEnv } from "../../env";
import { providerSession } from "../../integrations/connections";
import { markSynced, markSyncing } from "../../integrations/sync-runs";
import { recordProcessingOnce } from "../../privacy/processing-log";
import { getPrivacySettings } from "../../privacy/settings";
import { publishSafely } from "../../realtime/publisher";
import { defineJob, errorMessage, fanOut } from "../define-job";
import type { JobEvent } from "../events";
import { integrationJobFailed } from "../integration-failure";
import { providerStep } from "../provider-step";

/**
 * The calendars' durable jobs. The domain (src/server/calendar) reads, writes and decides;
 * these say when: a sync on connect, hourly and on every push notification; watch renewal;
 * a focus block's creation, retried with its client-chosen id; the chat status at each
 * focus block's or meeting's start and end.
 */

/** The event that looks at the calendar's status again at `at`; its id makes one run per moment however many syncs ask. */
export function calendarStatusDue(userId: string, at: Date): JobEvent {
  return { name: "calendar/status.due", data: { userId, at: at.toISOString() }, id: `calendar-status:${userId}:${at.getTime()}` };
}

/** Syncs one user's calendars at one provider: the calendar list, push watches, each included calendar's changes, then conflicts and the status. */
export const syncCalendars = defineJob(
  {
    id: "sync-calendars",
    name: "Sync your calendars",
    events: ["calendar/sync.requested"],
    retries: 4,
    concurrency: { key: 'event.data.userId + ":" + event.data.provider', limit: 1 },
    onFailure: integrationJobFailed,
  },
  async ({ event, step, runId }) => {
    const { userId, provider } = event.data;
    const owner = { userId, provider };
    const allowed = await step.run("check-privacy-settings", async () => integrationAllows(await getPrivacySettings(await getDb(), userId), provider));
    if (!allowed) return { skipped: "disabled in the privacy settings" };
    const connected = await step.run("mark-syncing", async () => markSyncing(await getDb(), owner));
    if (!connected) return { skipped: "not connected" };
    const calendarIds = await step.run("list-calendars", () =>
      providerStep(owner, async () => {
        const db = await getDb();
        const rows = await refreshCalendarList(db, getEnv(), await providerSession(db, getEnv(), userId, provider), provider);
        return rows.filter((row) => row.included).map((row) => row.id);
      }),
    );
    const watches = await step.run("watch-calendars", () =>
      providerStep(owner, async () => {
        const db = await getDb();
        return ensureWatches(db, getEnv(), await providerSession(db, getEnv(), userId, provider), provider, await calendarsOf(db, userId, { provider }));
      }),
    );
    let changed = 0;
    for (const calendarId of calendarIds) {
      const synced = await step.run(`sync ${calendarId}`, () =>
        providerStep(owner, async () => {
          const db = await getDb();
          const calendar = (await calendarsOf(db, userId, { provider })).find((row) => row.id === calendarId);
          if (!calendar) return { written: 0, removed: 0 };
          const result = await syncCalendar(db, getEnv(), await providerSession(db, getEnv(), userId, provider), provider, calendar);
          for (const announcement of result.announcements) await publishSafely(userId, "calendar:event_updated", announcement);
          return { written: result.written, removed: result.removed, full: result.full, blocksChanged: result.blocksChanged };
        }),
      );
      changed += synced.written + synced.removed;
    }
    const conflicts = await step.run("detect-conflicts", async () => detectConflicts(await getDb(), userId));
    const nextStatus = await step.run("plan-status", async () => {
      const plan = await calendarStatusPlan(await getDb(), userId);
      return { running: plan.running !== null, next: plan.next?.toISOString() ?? null };
    });
    await step.sendEvent("check-status", [calendarStatusDue(userId, new Date()), ...(nextStatus.next ? [calendarStatusDue(userId, new Date(nextStatus.next))] : [])]);
    await step.run("mark-synced", async () => {
      await markSynced(await getDb(), owner);
      await recordProcessingOnce(await getDb(), userId, { jobRun: runId }, {
        activity: "integration_sync",
        purpose: `Read your free/busy times (and titles where you allow them) from ${providerName(provider)} for focus suggestions, conflicts and your status`,
        legalBasis: "consent",
        details: { provider, calendars: calendarIds.length, changed },
      });
    });
    return { calendars: calendarIds.length, changed, watches, conflicts };
  },
);

/** Renews one user's watches at one provider (asked hourly for those about to expire, and by a lifecycle notification). */
export const renewCalendarWatches = defineJob(
  {
    id: "renew-calendar-watches",
    name: "Keep calendar notifications coming",
    events: ["calendar/watches.renew-requested"],
    retries: 4,
    concurrency: { key: 'event.data.userId + ":" + event.data.provider', limit: 1 },
  },
  async ({ event, step }) => {
    const { userId, provider } = event.data;
    return step.run("renew", () =>
      providerStep({ userId, provider }, async () => {
        const db = await getDb();
        return ensureWatches(db, getEnv(), await providerSession(db, getEnv(), userId, provider), provider, await calendarsOf(db, userId, { provider }));
      }),
    );
  },
);

/** Hourly: renewals for every watch that would expire within a day (a channel is never left to lapse between two runs). */
export const scheduleWatchRenewals = defineJob(
  { id: "schedule-calendar-watch-renewals", name: "Schedule calendar notification renewals", cron: "30 * * * *", retries: 2 },
  async ({ step }) => {
    const due = await step.run("find-expiring-watches", async () => watchesDueForRenewal(await getDb()));
    return { renewals: await fanOut(step, "request-renewals", due.map((owner): JobEvent => ({ name: "calendar/watches.renew-requested", data: owner }))) };
  },
);

/** Makes a booked focus block's event; retried (rate limits waited out) with the same client-chosen id, so it is made once. */
export const createFocusBlock = defineJob(
  {
    id: "create-focus-block",
    name: "Book a focus block in your calendar",
    events: ["calendar/focus-block.requested"],
    retries: 5,
    concurrency: { key: "event.data.userId", limit: 1 },
    onFailure: async ({ event, error }) => markFocusBlockFailed(await getDb(), event.data.userId, event.data.blockId, errorMessage(error)),
  },
  async ({ event, step }) => {
    const { userId, blockId } = event.data;
    const created = await step.run("create-event", async () => {
      const db = await getDb();
      try {
        return await createFocusBlockEvent(db, getEnv(), userId, blockId);
      } catch (error) {
        // The block or its calendar is gone, or the calendar refuses writes: retrying changes nothing.
        if (error instanceof AppError) throw new NonRetriableError(error.message);
        throw error;
      }
    });
    await step.sendEvent("check-status", calendarStatusDue(userId, new Date()));
    return created;
  },
);

/** At a focus block's or meeting's start or end: show what the calendar wants, then wait for the next moment. */
export const calendarStatus = defineJob(
  {
    id: "calendar-status",
    name: "Show your calendar on your status",
    events: ["calendar/status.due"],
    retries: 4,
  },
  async ({ event, step }) => {
    const { userId, at } = event.data;
    if (new Date(at) > new Date()) await step.sleepUntil("until-due", at);
    const result = await step.run("apply", async () => {
      const applied = await applyCalendarStatus(await getDb(), userId);
      return { applied: applied.applied, next: applied.next?.toISOString() ?? null };
    });
    if (result.next) await step.sendEvent("next", calendarStatusDue(userId, new Date(result.next)));
    return result;
  },
);

export const calendarJobs = [syncCalendars, renewCalendarWatches, scheduleWatchRenewals, createFocusBlock, calendarStatus];
