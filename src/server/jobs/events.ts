import { eventType } from "inngest";
import { z } from "zod";
import { integrationProvider } from "~/lib/realtime/events";

/**
 * The job event catalog: the one source of job event names and payload types.
 * Code sends these through `jobs.send` (src/server/jobs/send.ts); functions are
 * triggered by them. A job event that concerns one user carries `userId`: the
 * run is then shown to that user and counted against their concurrency key.
 * Payloads are ids and small parameters, never secrets (Inngest stores events).
 */
const schemas = {
  /** Run the periodic cleanup now (it also runs on its cron). */
  "maintenance/cleanup.requested": z.object({}).strict(),
  /** A sync push raised conflicts: tell the user, off the push's path (one notification per push, the count folded). */
  "sync/conflicts.detected": z.object({ userId: z.uuid(), count: z.number().int().positive(), conflictIds: z.array(z.uuid()).max(100) }).strict(),
  /** Trim one user's sync history to their retention setting. */
  "sync/history.trim-requested": z.object({ userId: z.uuid() }).strict(),
  /** Sync one user's integration with its provider now (the integrations page, a schedule or a webhook asks). */
  "integration/sync.requested": z.object({ userId: z.uuid(), provider: integrationProvider }).strict(),
  /**
   * Review one opted-in, long-inactive account: warn, delete, or nothing. `accountId`, not
   * `userId`: the run may delete the account, so it is a system run, not one of the user's.
   */
  "privacy/inactivity.review-requested": z.object({ accountId: z.uuid() }).strict(),
  /** Build a data export the user asked for (privacy.export). */
  "privacy/export.requested": z.object({ userId: z.uuid(), exportId: z.uuid() }).strict(),
  /** A verified push webhook: the commits it announced, handed to a job so the webhook answers fast. */
  "git/push.received": z
    .object({
      userId: z.uuid(),
      provider: integrationProvider.extract(["github", "gitlab"]),
      repository: z.string().min(1).max(300),
      commits: z
        .array(
          z
            .object({
              sha: z.string().min(7).max(64),
              message: z.string().max(2000),
              url: z.string().max(1000).nullable(),
              authorName: z.string().max(200).nullable(),
              authorEmail: z.string().max(320).nullable(),
              authorLogin: z.string().max(100).nullable(),
              committedAt: z.iso.datetime({ offset: true }),
            })
            .strict(),
        )
        .max(100),
    })
    .strict(),
  /** The status DevPulse wants to show changed: bring every connected chat provider to it (coalesced per user). */
  "status/apply.requested": z.object({ userId: z.uuid() }).strict(),
  /** A heartbeat from the desktop app: the debounced idle check clears the status when they stop. */
  "status/heartbeat.received": z.object({ userId: z.uuid() }).strict(),
  /**
   * A status with an end began (a focus session, "meeting for 30 minutes", a calendar block): it is
   * cleared at `until` (with Do Not Disturb) unless it ends or changes first. Named for its usual case.
   */
  "status/focus.started": z.object({ userId: z.uuid(), until: z.iso.datetime({ offset: true }) }).strict(),
  /** That status ended before its time (another activity, a clear, a new status): cancels the scheduled clear. */
  "status/focus.ended": z.object({ userId: z.uuid() }).strict(),
  /** A status was scheduled ahead: shown at its start, cleared at its end. */
  "status/schedule.created": z.object({ userId: z.uuid(), scheduleId: z.uuid() }).strict(),
  /** The user cancelled a scheduled status: cancels its run. */
  "status/schedule.cancelled": z.object({ userId: z.uuid(), scheduleId: z.uuid() }).strict(),
  /** Sync one user's calendars from one calendar provider: on connect, hourly, on a push notification, or asked for. */
  "calendar/sync.requested": z.object({ userId: z.uuid(), provider: integrationProvider.extract(["google", "microsoft"]) }).strict(),
  /** Renew every push watch about to expire (the hourly renewal asks per user and provider). */
  "calendar/watches.renew-requested": z.object({ userId: z.uuid(), provider: integrationProvider.extract(["google", "microsoft"]) }).strict(),
  /** A focus block was booked: make its event in the calendar (retried with the same client-chosen id, so never twice). */
  "calendar/focus-block.requested": z.object({ userId: z.uuid(), blockId: z.uuid() }).strict(),
  /** The calendar's part of the chat status is due to change at `at` (a focus block or meeting starts or ends). */
  "calendar/status.due": z.object({ userId: z.uuid(), at: z.iso.datetime({ offset: true }) }).strict(),
  /** Deliver one outbound webhook (a notification, a test or a redelivery) to one of the user's endpoints, retrying for about a day. */
  "webhook/delivery.requested": z.object({ userId: z.uuid(), deliveryId: z.uuid() }).strict(),
  /** A user's notifications on one channel are due at `at` (now, or when a hold or digest window ends): deliver them as one message. */
  "notifications/delivery.due": z.object({ userId: z.uuid(), channel: z.enum(["desktop", "email", "webhook"]), at: z.iso.datetime({ offset: true }) }).strict(),
  /** A focus block is in the calendar at `startsAt`: remind the user shortly before (cancelled when it is removed or moved). */
  "notifications/focus-reminder.requested": z.object({ userId: z.uuid(), blockId: z.uuid(), startsAt: z.iso.datetime({ offset: true }) }).strict(),
  /** The block was removed or moved: cancels its pending reminder. */
  "notifications/focus-reminder.cancelled": z.object({ userId: z.uuid(), blockId: z.uuid() }).strict(),
  /** Send one user's weekly summary for the week starting `weekStart` (a Monday). */
  "notifications/weekly-summary.requested": z.object({ userId: z.uuid(), weekStart: z.iso.date() }).strict(),
} satisfies Record<string, z.ZodObject>;

export type JobEventName = keyof typeof schemas;
export type JobEventData<N extends JobEventName> = z.infer<(typeof schemas)[N]>;
export type JobEvent = { [N in JobEventName]: { name: N; data: JobEventData<N>; id?: string } }[JobEventName];

export const jobEventNames = Object.keys(schemas) as JobEventName[];

/** Inngest trigger definitions built from the same schemas. */
export function jobEventType<N extends JobEventName>(name: N) {
  return eventType(name, { schema: schemas[name] as never });
}

export class InvalidJobEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidJobEventError";
  }
}

/** Validates an event against the catalog: unknown names and bad payloads never reach a queue. */
export function parseJobEvent(event: { name: string; data?: unknown; id?: string }): JobEvent {
  if (!Object.hasOwn(schemas, event.name)) throw new InvalidJobEventError(`Unknown job event "${event.name}"`);
  const name = event.name as JobEventName;
  const result = schemas[name].safeParse(event.data ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "data"}: ${issue.message}`).join("; ");
    throw new InvalidJobEventError(`Invalid "${name}" event: ${problems}`);
  }
  return { name, data: result.data, ...(event.id ? { id: event.id } : {}) } as JobEvent;
}
