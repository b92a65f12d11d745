import { z } from "zod";
import { PROVIDER_IDS } from "../providers";
import { CHAT_PROVIDER_IDS, STATUS_ACTIVITIES, STATUS_SOURCES } from "../status/templates";

/**
 * The realtime event catalog: every event a browser or desktop client can receive,
 * with its payload schema. Payloads carry ids and short summaries only — never
 * secrets, never plaintext of encrypted data — and every string and array is
 * bounded, so each event stays below Pusher's 10 KB whatever it carries
 * (tests/unit/realtime-events.test.ts derives the worst case from these bounds).
 * Publishers are held to the exact shape: unknown fields are refused.
 */

/** Every third-party service an integration can connect to: the ids of the provider catalog (src/lib/providers.ts). */
export const integrationProvider = z.enum(PROVIDER_IDS);
export type IntegrationProvider = z.infer<typeof integrationProvider>;

/** Longest free-text summaries, in characters: cut longer text with `summarize(text, SUMMARY_MAX.…)`. */
export const SUMMARY_MAX = { commitMessage: 200, statusText: 100, notificationTitle: 120, notificationBody: 500, errorMessage: 500 } as const;

const id = (max = 200) => z.string().min(1).max(max);
/** Provider timestamps come with an offset (or Z); the cap stops unbounded fractional seconds. */
const isoDateTime = z.iso.datetime({ offset: true }).max(40);
/** Links to a provider's page for the item (a commit on GitHub): http(s) only, never javascript:. */
const webUrl = z.url({ protocol: /^https?$/ }).max(1000);
const dateOrDateTime = z.union([isoDateTime, z.iso.date().max(10)]);
/** Links inside this app only: a notification can never point a click at another site or a script. */
const appPath = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s\\]*$/, "must be a path inside the app, like /integrations");

export const realtimeEvents = {
  "sync:changed": z.strictObject({
    /** The user's sequence number after the change: pull from your cursor up to here. */
    cursor: z.number().int().nonnegative(),
    changes: z.number().int().nonnegative(),
    /** The device that pushed, so it can ignore its own echo. */
    sourceDeviceId: id().nullable(),
  }),
  "sync:conflict": z.strictObject({
    conflictIds: z.array(z.uuid().max(36)).max(100),
    count: z.number().int().positive(),
    sourceDeviceId: id().nullable(),
  }),
  "sync:conflict_resolved": z.strictObject({
    conflictId: z.uuid().max(36),
    strategy: id(50),
    revision: z.number().int().nullable(),
  }),
  "commit:new": z.strictObject({
    provider: integrationProvider.extract(["github", "gitlab"]),
    /** owner/name (GitHub) or the project's full path (GitLab). */
    repository: id(300),
    sha: z.hex().min(7).max(64),
    /** The commit message's first line, cut to fit (see `summarize`), never the whole message. */
    message: z.string().max(SUMMARY_MAX.commitMessage),
    url: webUrl.optional(),
    committedAt: isoDateTime,
  }),
  "calendar:event_updated": z.strictObject({
    provider: integrationProvider.extract(["google", "microsoft"]),
    /** Google event ids may be up to 1024 characters. */
    eventId: id(1024),
    calendarId: id(300).optional(),
    change: z.enum(["created", "updated", "deleted"]),
    /** A date-time, or a date for all-day events. */
    start: dateOrDateTime.optional(),
    end: dateOrDateTime.optional(),
  }),
  /** A sync found events overlapping in the user's calendars (double bookings, a meeting on a focus block): the conflicts list refetches. */
  "calendar:conflict_detected": z.strictObject({
    count: z.number().int().positive(),
    /** The first conflict's start, to say when. */
    start: isoDateTime,
    /** A DevPulse focus block is one side of at least one of them. */
    focusBlock: z.boolean(),
  }),
  /** What DevPulse shows on the user's chat providers changed (or who holds it): pages and devices follow. */
  "status:updated": z.strictObject({
    /** The status shown now; null when cleared. */
    text: z.string().max(SUMMARY_MAX.statusText).nullable(),
    /** Slack's `:name:` form or an emoji character. */
    emoji: z.string().max(100).optional(),
    activity: z.enum(STATUS_ACTIVITIES).nullable().optional(),
    source: z.enum(STATUS_SOURCES).optional(),
    /** null: the status does not expire. */
    expiresAt: isoDateTime.nullable().optional(),
    /** Providers where the user set a status by hand, which DevPulse leaves alone until they clear it. */
    heldByUser: z.array(z.enum(CHAT_PROVIDER_IDS)).max(CHAT_PROVIDER_IDS.length).optional(),
  }),
  "integration:connected": z.strictObject({
    provider: integrationProvider,
    /** The account's public handle or display name at the provider, never a token. */
    account: id(200).optional(),
  }),
  /** The user disconnected an integration (maybe in another tab): lists and counts refetch. */
  "integration:disconnected": z.strictObject({
    provider: integrationProvider,
  }),
  "integration:error": z.strictObject({
    provider: integrationProvider,
    /** Shown to the user: write it for them, and never include a token or a provider's raw response. */
    message: id(SUMMARY_MAX.errorMessage),
    status: z.enum(["error", "needs_reauth"]),
  }),
  "privacy:export_ready": z.strictObject({
    exportId: z.uuid().max(36),
    format: z.enum(["json", "csv"]),
    bytes: z.number().int().nonnegative(),
  }),
  /** A device of the user's was signed in (its token issued) or revoked: device lists and counts refetch. */
  "device:changed": z.strictObject({
    deviceId: z.uuid().max(36),
    change: z.enum(["added", "revoked"]),
  }),
  /** A device sign-in request was approved or denied by this user, maybe in another tab: its approval page says so. */
  "device:authorization_decided": z.strictObject({
    /** The request's id, as `devices.describeAuthorization` returns it; never its codes. */
    requestId: z.uuid().max(36),
    status: z.enum(["approved", "denied"]),
  }),
  /** One of the user's background job runs changed state (queued, running, sleeping, retrying, waiting, finished): refetch `jobs.runs`. */
  "job:run_updated": z.strictObject({
    runId: id(200),
  }),
  /** A delivery to one of the user's webhook endpoints was queued, attempted, delivered or given up: its log refetches. */
  "webhook:delivery_updated": z.strictObject({
    endpointId: z.uuid().max(36),
    deliveryId: z.uuid().max(36),
    status: z.enum(["pending", "delivered", "failed"]),
  }),
  /** One of the user's webhook endpoints was turned off by the server: it answered 410 Gone, or kept failing. */
  "webhook:endpoint_disabled": z.strictObject({
    endpointId: z.uuid().max(36),
    reason: z.enum(["gone", "failing"]),
  }),
  "notification:new": z.strictObject({
    id: id(),
    title: id(SUMMARY_MAX.notificationTitle),
    body: z.string().max(SUMMARY_MAX.notificationBody).optional(),
    level: z.enum(["info", "warning", "error"]),
    href: appPath.optional(),
  }),
  /**
   * The user's unread in-app count changed (a notification listed, or read in another tab): the
   * bell shows it. Separate from notification:new, which is the desktop channel's interruption and
   * is held by quiet hours, focus and do-not-disturb while the passive count is not.
   */
  "notification:unread": z.strictObject({
    unread: z.number().int().nonnegative(),
  }),
} as const;

export type RealtimeEventName = keyof typeof realtimeEvents;
export type RealtimePayload<E extends RealtimeEventName> = z.infer<(typeof realtimeEvents)[E]>;
/** One received event, narrowed by its name: `if (e.event === "commit:new") e.payload.sha`. */
export type RealtimeEvent<E extends RealtimeEventName = RealtimeEventName> = { [K in E]: { event: K; payload: RealtimePayload<K> } }[E];

export const realtimeEventNames = Object.keys(realtimeEvents) as RealtimeEventName[];

export function isRealtimeEventName(name: string): name is RealtimeEventName {
  return Object.hasOwn(realtimeEvents, name);
}

/** The same schemas, dropping (not refusing) fields this client does not know. */
const receivingSchemas: Partial<Record<string, z.ZodType>> = Object.fromEntries(
  Object.entries(realtimeEvents).map(([name, schema]) => [name, z.object(schema.shape)]),
);

/**
 * Receiving side: an event from the wire, checked against the catalog, or undefined
 * for unknown names and invalid payloads. Unknown fields are dropped rather than
 * refused, so an older desktop app keeps working when the server adds one.
 */
export function parseRealtimeEvent(event: string, payload: unknown): RealtimeEvent | undefined {
  const result = isRealtimeEventName(event) ? receivingSchemas[event]?.safeParse(payload) : undefined;
  return result?.success ? ({ event, payload: result.data } as RealtimeEvent) : undefined;
}

/** The first line of `text`, cut to `max` characters with an ellipsis: for commit messages and the like. */
export function summarize(text: string, max: number): string {
  const firstLine = text.trim().split(/\r?\n/, 1)[0]!.trimEnd();
  if (firstLine.length <= max) return firstLine;
  let cut = firstLine.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // never leave half an emoji
  return `${cut}…`;
}
