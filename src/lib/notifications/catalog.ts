import { z } from "zod";
import { providerName } from "../providers";
import { integrationProvider, SUMMARY_MAX } from "../realtime/events";

/**
 * The notification catalog: every kind of notification DevPulse Cloud sends, with its
 * category (what preferences are set per), default priority, the channels it may use,
 * its data schema, and how it reads to a person. A new kind is one entry here; the
 * decision (`notify`), the in-app list, email templates, outbound webhooks and the
 * preferences page all follow from it. Isomorphic: the settings page and the desktop
 * SDK read it too. Data carries ids and short summaries, never secrets or plaintext
 * of encrypted records (webhooks send it to the user's own endpoints).
 */

export const NOTIFICATION_CATEGORIES = ["sync", "integrations", "calendar", "security", "account", "summary"] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

export const NOTIFICATION_CATEGORY_LABELS: Record<NotificationCategory, { label: string; description: string }> = {
  sync: { label: "Sync", description: "Conflicts between your devices' edits." },
  integrations: { label: "Integrations", description: "A connected service failing or needing you to reconnect it." },
  calendar: { label: "Calendar", description: "Double bookings and focus blocks about to start." },
  security: { label: "Security", description: "New devices signed in to your account. Always sent." },
  account: { label: "Account", description: "Data exports ready, and notices about your account." },
  summary: { label: "Weekly summary", description: "Your week in coding, commits and focus time." },
};

export const NOTIFICATION_PRIORITIES = ["urgent", "normal", "low"] as const;
export type NotificationPriority = (typeof NOTIFICATION_PRIORITIES)[number];

/** inApp: the bell and list; desktop: `notification:new` to the desktop app and CLI; email; webhook: the user's endpoints. */
export const NOTIFICATION_CHANNELS = ["inApp", "desktop", "email", "webhook"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const NOTIFICATION_CHANNEL_LABELS: Record<NotificationChannel, string> = { inApp: "In-app", desktop: "Desktop", email: "Email", webhook: "Webhook" };

/** How a person reads one notification: the bell, the desktop app, email subjects and digests all use it. */
export type NotificationPresentation = {
  title: string;
  body?: string;
  /** A path inside the app. */
  href?: string;
  level: "info" | "warning" | "error";
};

type KindSpec<S extends z.ZodObject> = {
  /** What the kind is called where a person chooses kinds (a webhook endpoint's subscriptions, its delivery log). */
  label: string;
  category: NotificationCategory;
  priority: NotificationPriority;
  channels: readonly NotificationChannel[];
  data: S;
  present: (data: z.infer<S>) => NotificationPresentation;
  /**
   * Notifications of this kind raised close together with the same key become one, with a count
   * (50 conflicts from one sync, an integration flapping): `merge` folds the newer data into the older.
   */
  coalesce?: { key: (data: z.infer<S>) => string; merge: (older: z.infer<S>, newer: z.infer<S>) => z.infer<S> };
  /**
   * About a moment minutes away (a focus block starting): the moment, after which the notice says
   * something untrue ("starts in 5 minutes"). Such a kind is never batched into an hourly or daily
   * digest, and a desktop ping or email that quiet hours, do-not-disturb, focus or a limit would hold
   * past the moment is not sent (the in-app list keeps it; a webhook still mirrors it).
   */
  momentOf?: (data: z.infer<S>) => string;
  /** The data as of when it is sent, for a kind whose words depend on the time: a notice held until later says what is true then. */
  asOf?: (data: z.infer<S>, now: Date) => z.infer<S>;
};

const kind = <S extends z.ZodObject>(spec: KindSpec<S>) => spec;
const uuid = z.uuid().max(36);
const isoDateTime = z.iso.datetime({ offset: true }).max(40);
const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString("en")} ${count === 1 ? one : many}`;

export const notificationKinds = {
  "sync.conflict_detected": kind({
    label: "Sync conflict detected",
    category: "sync",
    priority: "normal",
    channels: ["inApp", "desktop", "email", "webhook"],
    data: z.strictObject({ count: z.number().int().positive(), conflictIds: z.array(uuid).max(100) }),
    present: ({ count, conflictIds }) => ({
      title: count === 1 ? "A sync conflict needs your choice" : `${plural(count, "sync conflict")} need your choice`,
      body: "Two devices changed the same item. Nothing was overwritten: choose which version to keep.",
      href: count === 1 && conflictIds[0] ? `/conflicts/${conflictIds[0]}` : "/conflicts",
      level: "warning",
    }),
    coalesce: {
      key: () => "conflicts",
      merge: (older, newer) => ({ count: older.count + newer.count, conflictIds: [...older.conflictIds, ...newer.conflictIds].slice(0, 100) }),
    },
  }),
  "integration.failed": kind({
    label: "Integration failed or needs reconnecting",
    category: "integrations",
    priority: "normal",
    channels: ["inApp", "desktop", "email", "webhook"],
    data: z.strictObject({
      provider: integrationProvider,
      status: z.enum(["error", "needs_reauth"]),
      message: z.string().min(1).max(SUMMARY_MAX.errorMessage),
      failures: z.number().int().positive().default(1),
    }),
    present: ({ provider, status, message, failures }) => ({
      title: status === "needs_reauth" ? `Reconnect ${providerName(provider)}` : `${providerName(provider)} sync failed${failures > 1 ? ` ${failures} times` : ""}`,
      body: message,
      href: "/integrations",
      level: "error",
    }),
    coalesce: {
      key: ({ provider, status }) => `${provider}:${status}`,
      merge: (older, newer) => ({ ...newer, failures: older.failures + newer.failures }),
    },
  }),
  "security.device_signed_in": kind({
    label: "New device signed in",
    category: "security",
    priority: "urgent",
    channels: ["inApp", "desktop", "email", "webhook"],
    data: z.strictObject({ deviceId: uuid, deviceName: z.string().min(1).max(100), signedInAt: isoDateTime }),
    present: ({ deviceName }) => ({
      title: `New device signed in: ${deviceName}`,
      body: "If this was not you, revoke the device and change your passphrase.",
      href: "/devices",
      level: "warning",
    }),
  }),
  "account.export_ready": kind({
    label: "Data export ready",
    category: "account",
    priority: "normal",
    channels: ["inApp", "desktop", "email", "webhook"],
    data: z.strictObject({ exportId: uuid, format: z.enum(["json", "csv"]), bytes: z.number().int().nonnegative() }),
    present: ({ format }) => ({ title: "Your data export is ready", body: `The ${format.toUpperCase()} export can be downloaded for 7 days.`, href: "/privacy", level: "info" }),
  }),
  "account.inactivity_warning": kind({
    label: "Account deletion warning",
    category: "account",
    priority: "urgent",
    channels: ["inApp", "email"],
    data: z.strictObject({ deletionDate: isoDateTime }),
    present: ({ deletionDate }) => ({
      title: `Your account will be deleted on ${new Date(deletionDate).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })}`,
      body: "You asked us to delete your account after a year without use. Sign in to keep it.",
      href: "/privacy",
      level: "warning",
    }),
    // A retried warning (the first send failed) is the same notice: one notification, one mail.
    coalesce: { key: ({ deletionDate }) => deletionDate, merge: (_older, newer) => newer },
  }),
  "calendar.conflict_detected": kind({
    label: "Calendar conflict detected",
    category: "calendar",
    priority: "normal",
    channels: ["inApp", "desktop", "email", "webhook"],
    data: z.strictObject({ count: z.number().int().positive(), start: isoDateTime, focusBlock: z.boolean() }),
    present: ({ count, focusBlock }) => ({
      title: `${plural(count, "calendar conflict")}${focusBlock ? ", a focus block among them" : ""}`,
      body: "Events overlap in your calendars.",
      href: "/calendar",
      level: "warning",
    }),
    coalesce: { key: () => "calendar-conflicts", merge: (older, newer) => ({ count: older.count + newer.count, start: older.start < newer.start ? older.start : newer.start, focusBlock: older.focusBlock || newer.focusBlock }) },
  }),
  "calendar.focus_block_starting": kind({
    label: "Focus block starting",
    category: "calendar",
    priority: "normal",
    channels: ["inApp", "desktop", "webhook"],
    data: z.strictObject({ blockId: uuid, title: z.string().min(1).max(SUMMARY_MAX.notificationTitle), startsAt: isoDateTime, minutes: z.number().int().min(0).max(1440) }),
    momentOf: ({ startsAt }) => startsAt,
    asOf: (data, now) => ({ ...data, minutes: Math.max(0, Math.round((Date.parse(data.startsAt) - now.getTime()) / 60_000)) }),
    present: ({ title, minutes }) => ({ title: `${title} starts in ${plural(minutes, "minute")}`, body: "Wrap up and get ready to focus.", href: "/calendar", level: "info" }),
  }),
  "webhooks.endpoint_disabled": kind({
    label: "Webhook endpoint turned off",
    category: "integrations",
    priority: "normal",
    // Not "webhook": the endpoint being told about is the one that stopped answering.
    channels: ["inApp", "desktop", "email"],
    data: z.strictObject({ endpointId: uuid, host: z.string().min(1).max(253), reason: z.enum(["gone", "failing"]) }),
    present: ({ host, reason }) => ({
      title: `Webhook endpoint turned off: ${host}`,
      body:
        reason === "gone"
          ? "It answered 410 Gone, so DevPulse stopped sending to it. Turn it back on once it accepts deliveries again."
          : "Its deliveries kept failing, so DevPulse stopped sending to it. Check its delivery log, fix it, then turn it back on.",
      href: "/settings/webhooks",
      level: "error",
    }),
  }),
  "summary.weekly": kind({
    label: "Weekly summary",
    category: "summary",
    priority: "low",
    channels: ["inApp", "email", "webhook"],
    data: z.strictObject({
      weekStart: z.iso.date(),
      codingMinutes: z.number().int().nonnegative(),
      commits: z.number().int().nonnegative(),
      focusMinutes: z.number().int().nonnegative(),
      conflictsResolved: z.number().int().nonnegative(),
    }),
    present: ({ codingMinutes, commits, focusMinutes }) => ({
      title: "Your week in DevPulse",
      // Coding time syncs end-to-end encrypted: the server's summary has 0 for it, and says nothing rather than "0 hours".
      body: `${[...(codingMinutes > 0 ? [`${plural(Math.round(codingMinutes / 60), "hour")} coding`] : []), plural(commits, "commit"), `${plural(Math.round(focusMinutes / 60), "hour")} in focus`].join(", ")}.`,
      href: "/dashboard",
      level: "info",
    }),
  }),
} as const;

export type NotificationKind = keyof typeof notificationKinds;
export type NotificationData<K extends NotificationKind> = z.infer<(typeof notificationKinds)[K]["data"]>;
/** One notification, narrowed by its kind. */
export type AnyNotification = { [K in NotificationKind]: { kind: K; data: NotificationData<K> } }[NotificationKind];

export const NOTIFICATION_KINDS = Object.keys(notificationKinds) as NotificationKind[];
export const notificationKind = z.enum(NOTIFICATION_KINDS as [NotificationKind, ...NotificationKind[]]);

/** The spec of one kind, without the per-kind generics (for code that handles every kind alike). */
export function notificationSpec(kind: NotificationKind): KindSpec<z.ZodObject> {
  return notificationKinds[kind] as unknown as KindSpec<z.ZodObject>;
}

/** Validates data for a kind (throws a ZodError on a bad payload): producers cannot send what the catalog does not describe. */
export function parseNotificationData<K extends NotificationKind>(kind: K, data: unknown): NotificationData<K> {
  return notificationKinds[kind].data.parse(data) as NotificationData<K>;
}

/** When a notice about a moment stops being true (the catalog's `momentOf`); null for every other kind. */
export function notificationMoment(kind: NotificationKind, data: unknown): Date | null {
  const momentOf = notificationSpec(kind).momentOf;
  return momentOf ? new Date(momentOf(data as never)) : null;
}

/** A notification's data as of `now` (the catalog's `asOf`), for a message that goes out then; the data itself for most kinds. */
export function notificationDataAsOf(kind: NotificationKind, data: unknown, now: Date): unknown {
  const asOf = notificationSpec(kind).asOf;
  return asOf ? asOf(data as never, now) : data;
}

export function presentNotification(notification: AnyNotification): NotificationPresentation {
  return notificationSpec(notification.kind).present(notification.data);
}

/** The kinds that may use the webhook channel: what a webhook endpoint can subscribe to. */
export const WEBHOOK_NOTIFICATION_KINDS = NOTIFICATION_KINDS.filter((kind) => (notificationKinds[kind].channels as readonly NotificationChannel[]).includes("webhook"));
