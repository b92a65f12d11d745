import { z } from "zod";
import { ZTimeZone } from "../calendar/schemas";
import { ZText } from "./primitives";
import { NOTIFICATION_CATEGORIES, NOTIFICATION_CHANNELS, notificationKinds, type NotificationCategory, type NotificationChannel } from "../notifications/catalog";

/**
 * The user's notification preferences, shared by the server that decides with them and the
 * page that edits them. Stored as one document (like privacy settings): fields added later
 * take their defaults, so a stored document never fails to read.
 */

export const NOTIFICATION_FREQUENCIES = ["immediate", "hourly", "daily", "off"] as const;
export type NotificationFrequency = (typeof NOTIFICATION_FREQUENCIES)[number];

/** The channels any kind of a category may use: the only ones its preference can turn on. */
export function channelsOfCategory(category: NotificationCategory): NotificationChannel[] {
  const used = new Set(Object.values(notificationKinds).filter((spec) => spec.category === category).flatMap((spec) => spec.channels));
  return NOTIFICATION_CHANNELS.filter((channel) => used.has(channel));
}

/** A number of minutes up to `max`, refused in words the settings page can show next to the field. */
const minutes = (max: number, what: string) =>
  z
    .number({ error: "Enter a number of minutes" })
    .int("Use whole minutes")
    .min(0, "Use 0 minutes or more")
    .max(max, `${what} can be at most ${max} minutes`);

/** Like the calendar's ZClockTime, without 24:00: quiet hours start and end within a day. */
const clock = ZText.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use a 24-hour time like 22:00");

const ZCategoryPreference = (category: NotificationCategory) =>
  z.object({
    channels: z
      .array(z.enum(channelsOfCategory(category) as [NotificationChannel, ...NotificationChannel[]], { error: (issue) => `${JSON.stringify(issue.input)} is not a channel for ${category} notifications` }))
      .max(NOTIFICATION_CHANNELS.length)
      .transform((channels) => [...new Set(channels)])
      .default(channelsOfCategory(category)),
    frequency: z.enum(NOTIFICATION_FREQUENCIES).default("immediate"),
  });

export const ZNotificationPreferences = z.object({
  categories: z
    .object(Object.fromEntries(NOTIFICATION_CATEGORIES.map((category) => [category, ZCategoryPreference(category).prefault({})])) as {
      [C in NotificationCategory]: z.ZodPrefault<ReturnType<typeof ZCategoryPreference>>;
    })
    .prefault({}),
  /** Hold non-urgent notifications between these times, in `timeZone` (may span midnight: 22:00–08:00). */
  quietHours: z.object({ enabled: z.boolean().default(false), start: clock.default("22:00"), end: clock.default("08:00") }).default({ enabled: false, start: "22:00", end: "08:00" }),
  /** An IANA time zone, for quiet hours and digest times. */
  timeZone: ZTimeZone.default("UTC"),
  /** Hold non-urgent notifications until then; null when off. */
  doNotDisturbUntil: z.iso.datetime({ offset: true }).max(40).nullable().default(null),
  /** Hold non-urgent notifications while the live status says the user is in focus. */
  holdWhileFocused: z.boolean().default(true),
  /** "Focus block starting" comes this many minutes before the block. */
  focusReminderMinutes: minutes(120, "The focus reminder").default(5),
  /**
   * An email that would go at once waits this many minutes, and goes only if the notification is
   * still unread by then (read in the list or the desktop app, it is not sent); 0: at once.
   */
  emailUnreadAfterMinutes: minutes(120, "The wait for an unread email").default(0),
});

export type NotificationPreferences = z.infer<typeof ZNotificationPreferences>;

/** A change from the settings page: any part, categories one at a time. */
export const ZNotificationPreferencesPatch = z
  .object({
    categories: z.partialRecord(z.enum(NOTIFICATION_CATEGORIES), z.object({ channels: z.array(z.enum(NOTIFICATION_CHANNELS)).max(NOTIFICATION_CHANNELS.length).optional(), frequency: z.enum(NOTIFICATION_FREQUENCIES).optional() }).strict()),
    // Times are checked with the whole document (updateNotificationPreferences), which names the field in its refusal.
    quietHours: z.object({ enabled: z.boolean(), start: ZText.max(5), end: ZText.max(5) }).partial().strict(),
    timeZone: ZNotificationPreferences.shape.timeZone.unwrap(),
    doNotDisturbUntil: ZNotificationPreferences.shape.doNotDisturbUntil.unwrap(),
    holdWhileFocused: z.boolean(),
    focusReminderMinutes: ZNotificationPreferences.shape.focusReminderMinutes.unwrap(),
    emailUnreadAfterMinutes: ZNotificationPreferences.shape.emailUnreadAfterMinutes.unwrap(),
  })
  .partial()
  .strict();
export type NotificationPreferencesPatch = z.infer<typeof ZNotificationPreferencesPatch>;

/**
 * A refused change names its fields in the refusal's details (AppError `details`, the client's
 * `error.data.details`): one entry per field path, the first problem's message, under this prefix
 * so that no other detail (a rate limit's retryAfterSeconds) reads as a field.
 */
const FIELD_DETAIL = "field:";

/** The details of a refused change: `{ "field:quietHours.start": "Use a 24-hour time like 22:00" }`. */
export function refusedFieldDetails(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const details: Record<string, string> = {};
  for (const issue of issues) details[`${FIELD_DETAIL}${issue.path.join(".")}`] ??= issue.message;
  return details;
}

/** The fields a refusal's details name, by path. */
export function refusedFields(details: Readonly<Record<string, unknown>> | null | undefined): Map<string, string> {
  return new Map(Object.entries(details ?? {}).flatMap(([key, message]) => (key.startsWith(FIELD_DETAIL) && typeof message === "string" ? [[key.slice(FIELD_DETAIL.length), message] as const] : [])));
}
