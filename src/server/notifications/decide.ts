import { MINUTE } from "~/lib/calendar/zoned-time";
import { NOTIFICATION_CATEGORY_LABELS, NOTIFICATION_CHANNEL_LABELS, notificationSpec, type NotificationChannel, type NotificationKind } from "~/lib/notifications/catalog";
import type { SupportedLocale } from "~/lib/schemas/locale";
import type { NotificationPreferences } from "~/lib/schemas/notifications";
import type { NotificationOutcome } from "../db/schema";
import type { NotificationDecisionReason } from "../metrics/registry";
import { clockLabel, digestClose, quietHoursEnd, type DigestFrequency, type ReaderClock } from "./clock";

/**
 * The delivery decision, as a pure function of the kind, the user's preferences, their live
 * focus and the time: per channel, send now, hold until a time, or drop, with the reason as a
 * code (the metrics label) and in words. No I/O, so it is tested directly and stays far below
 * the 100 ms budget; notify.ts reads the inputs and records the result.
 *
 * The rules, in order:
 *  1. Only the kind's own channels (the catalog) are decided; the webhook channel is dropped when
 *     none of the user's endpoints receives the kind (nothing to deliver to).
 *  2. Urgent kinds (a new device, the inactivity warning) go out now on every channel the user
 *     enabled for the category, whatever the frequency (even "off"), quiet hours, do-not-disturb
 *     or focus; the in-app list always keeps them, so a security notice cannot be switched off.
 *  3. Frequency "off" drops the category; a channel not enabled for it is dropped.
 *  4. In-app is never held: the list and bell are passive (they interrupt nobody), so rows
 *     appear at once whatever the frequency, quiet hours, do-not-disturb or focus.
 *  5. Desktop, email and webhook are held: hourly/daily frequency batches them into the
 *     digest at the window's close; do-not-disturb, quiet hours (in the user's zone) and focus
 *     (when "hold while focused" is on) hold them until they end. Holds compose: a digest
 *     closing inside quiet hours waits for their end; the reason is whichever hold ends last.
 *  6. An email that would go now waits `emailUnreadAfterMinutes` when the user asked for it:
 *     delivery then sends it only if the notification is still unread (deliver.ts).
 *  7. A notice about a moment (the catalog's `momentOf`: a focus block starting) is never digested,
 *     and on the interrupting channels it is dropped when it would arrive at or after the moment:
 *     "starts in 5 minutes" after the start is wrong. The list keeps it and a webhook mirrors it.
 *
 * Normal and low kinds are decided alike: their difference is when sends queue up behind a limit
 * or a backlog, which is delivery's business (priority.ts, deliver.ts, rate-limits.ts).
 */

/** The user's live focus from the chat status: null when not in focus; `until` null when the focus has no set end. */
export type FocusState = { until: Date | null } | null;

export type ChannelDecision = {
  channel: NotificationChannel;
  outcome: NotificationOutcome;
  reason: NotificationDecisionReason;
  reasonText: string;
  /** send: now; hold: when the hold ends; drop: null. */
  deliverAt: Date | null;
};

/**
 * `webhookEndpoint`: whether any of the user's endpoints receives this kind (with none, the webhook channel has nowhere to go);
 * `locale`: how the reasons write their times (users.locale); `moment`: when a notice about a moment stops being true (`notificationMoment`), else null.
 */
export type DecisionInput = { kind: NotificationKind; preferences: NotificationPreferences; focus: FocusState; webhookEndpoint: boolean; locale: SupportedLocale; now: Date; moment: Date | null };

/** Channels that interrupt or leave the app, so frequency and holds apply to them. In-app is not one. */
const HELD_CHANNELS: readonly NotificationChannel[] = ["desktop", "email", "webhook"];

/**
 * The channels that interrupt a person: what they have read since, or what would arrive after the
 * moment it is about, is not sent there. A webhook still carries both: an endpoint mirrors the
 * notifications, it does not interrupt anyone.
 */
export const INTERRUPTING_CHANNELS: readonly NotificationChannel[] = ["desktop", "email"];

/** The drop of a notice about a moment that would arrive at or after it, in the reader's words. */
export function pastMoment(reader: ReaderClock, moment: Date, now: Date, why?: string): Omit<ChannelDecision, "channel"> {
  const passed = moment.getTime() <= now.getTime();
  const when = clockLabel(reader, moment.getTime(), now.getTime());
  return { outcome: "drop", reason: "past_moment", reasonText: passed ? `the moment it is about (${when}) had passed` : `${why}, after the moment it is about (${when})`, deliverAt: null };
}

/** A focus without a set end is looked at again after this long. */
const OPEN_FOCUS_RECHECK_MS = 30 * MINUTE;

export function decideNotification({ kind, preferences, focus, webhookEndpoint, locale, now, moment }: DecisionInput): ChannelDecision[] {
  const spec = notificationSpec(kind);
  const category = preferences.categories[spec.category];
  const categoryLabel = NOTIFICATION_CATEGORY_LABELS[spec.category].label;
  const send = (channel: NotificationChannel, reason: NotificationDecisionReason, reasonText: string): ChannelDecision => ({ channel, outcome: "send", reason, reasonText, deliverAt: now });
  const drop = (channel: NotificationChannel, reason: NotificationDecisionReason, reasonText: string): ChannelDecision => ({ channel, outcome: "drop", reason, reasonText, deliverAt: null });

  // The same for every held channel: computed once, lazily.
  let hold: Hold | null | undefined;
  const digest = spec.momentOf || category.frequency === "immediate" || category.frequency === "off" ? null : category.frequency;
  const heldFor = () => (hold === undefined ? (hold = holdUntil(preferences, focus, now, digest, locale)) : hold);
  return spec.channels.map((channel) => {
    const enabled = category.channels.includes(channel);
    // The user's own choice is the reason they recognise, so it is checked before the endpoints.
    // Nothing to send to is decided here too, so no delivery is scheduled or rate-limited for it.
    const noEndpoint = () => drop(channel, "no_endpoint", "no webhook endpoint receives this kind");
    if (spec.priority === "urgent") {
      if (!enabled && channel !== "inApp") return drop(channel, "channel_off", `${NOTIFICATION_CHANNEL_LABELS[channel]} is off for ${categoryLabel} notifications`);
      if (channel === "webhook" && !webhookEndpoint) return noEndpoint();
      return send(channel, "urgent", "urgent: sent immediately");
    }
    if (category.frequency === "off") return drop(channel, "category_off", `${categoryLabel} notifications are off`);
    if (!enabled) return drop(channel, "channel_off", `${NOTIFICATION_CHANNEL_LABELS[channel]} is off for ${categoryLabel} notifications`);
    if (channel === "webhook" && !webhookEndpoint) return noEndpoint();
    if (!HELD_CHANNELS.includes(channel)) return send(channel, "immediate", "listed immediately");
    const held = heldFor();
    if (moment && INTERRUPTING_CHANNELS.includes(channel) && (held?.deliverAt ?? now) >= moment) return { channel, ...pastMoment({ timeZone: preferences.timeZone, locale }, moment, now, held?.reasonText) };
    if (held) return { channel, outcome: "hold", ...held };
    if (channel === "email" && preferences.emailUnreadAfterMinutes > 0) {
      const deliverAt = now.getTime() + preferences.emailUnreadAfterMinutes * MINUTE;
      return { channel, outcome: "hold", reason: "unread_delay", reasonText: `emailed at ${clockLabel({ timeZone: preferences.timeZone, locale }, deliverAt, now.getTime())} if still unread`, deliverAt: new Date(deliverAt) };
    }
    return send(channel, "immediate", "sent immediately");
  });
}

export type Hold = { reason: NotificationDecisionReason; reasonText: string; deliverAt: Date };

/**
 * How long a non-urgent message must wait from `now`: until the digest closes (when batched),
 * then past do-not-disturb, quiet hours and focus, whichever end later, repeated until none
 * applies at the time reached. Null: it may go now. Used at decision time and again when a
 * hold ends (a focus or do-not-disturb may have begun meanwhile).
 */
export function holdUntil(preferences: NotificationPreferences, focus: FocusState, now: Date, digest: DigestFrequency | null, locale: SupportedLocale): Hold | null {
  const { timeZone } = preferences;
  const start = now.getTime();
  let at = start;
  let reason: NotificationDecisionReason | null = null;
  if (digest) {
    at = digestClose(digest, timeZone, start);
    reason = "digest";
  }
  const dnd = preferences.doNotDisturbUntil ? Date.parse(preferences.doNotDisturbUntil) : null;
  const focusEnd = preferences.holdWhileFocused && focus ? (focus.until?.getTime() ?? start + OPEN_FOCUS_RECHECK_MS) : null;
  // Each pass moves `at` forward or stops; three holds can each move it at most a few times.
  for (let pass = 0; pass < 8; pass++) {
    let moved = false;
    if (dnd !== null && dnd > at) [at, reason, moved] = [dnd, "do_not_disturb", true];
    const quietEnd = quietHoursEnd(preferences.quietHours, timeZone, at);
    if (quietEnd !== null) [at, reason, moved] = [quietEnd, "quiet_hours", true];
    if (focusEnd !== null && focusEnd > at) [at, reason, moved] = [focusEnd, "in_focus", true];
    if (!moved) break;
  }
  if (reason === null) return null;
  return { reason, reasonText: holdText(reason, { timeZone, locale }, at, start, focus), deliverAt: new Date(at) };
}

function holdText(reason: NotificationDecisionReason, reader: ReaderClock, at: number, now: number, focus: FocusState): string {
  const when = clockLabel(reader, at, now);
  switch (reason) {
    case "digest":
      return `batched into the ${when} digest`;
    case "quiet_hours":
      return `quiet hours until ${when}`;
    case "do_not_disturb":
      return `do not disturb until ${when}`;
    case "in_focus":
      return focus?.until ? `in focus until ${when}` : `in focus (looked at again at ${when})`;
    default:
      return `held until ${when}`;
  }
}
