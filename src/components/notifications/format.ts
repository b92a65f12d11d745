import { DAY, HOUR } from "~/lib/calendar/zoned-time";
import { NOTIFICATION_CHANNEL_LABELS, NOTIFICATION_CHANNELS } from "~/lib/notifications/catalog";
import { formatNumberIn, type SupportedLocale } from "~/lib/schemas/locale";
import type { NotificationFrequency } from "~/lib/schemas/notifications";
import type { RouterOutputs } from "~/trpc/react";
import { instantOfWall, wallOf } from "../calendar/week";
import { formatTimeOfDay } from "~/lib/locale-time";
import { formatTime } from "../ui/time";

export type ListedNotification = RouterOutputs["notifications"]["list"]["items"][number];
export type Decision = RouterOutputs["notifications"]["decisions"][number];
type Tone = "neutral" | "brand" | "success" | "warning" | "danger";

/** How a notification's level looks: the mark beside it in the bell and the list. */
export const LEVEL_STYLES: Record<ListedNotification["level"], { mark: string; label: string }> = {
  info: { mark: "bg-brand-50 text-brand-600", label: "Information" },
  warning: { mark: "bg-amber-50 text-amber-600", label: "Warning" },
  error: { mark: "bg-red-50 text-red-600", label: "Error" },
};

/** The hour daily digests go out on the user's clock (the server's daily digest window, notifications/clock.ts). */
export const DAILY_DIGEST_HOUR = 17;

/** A frequency in words: "Daily digest (17:00)", "Daily digest (5:00 PM)". */
export function frequencyLabel(locale: SupportedLocale, frequency: NotificationFrequency): string {
  if (frequency === "daily") return `Daily digest (${formatTimeOfDay(locale, DAILY_DIGEST_HOUR)})`;
  return { immediate: "Immediately", hourly: "Hourly digest", off: "Off" }[frequency];
}

/** The bell's badge: the count, capped so it fits the badge. */
export function badgeCount(unread: number): string {
  return unread > 9 ? "9+" : String(unread);
}

/** The bell's accessible name: the count is read with it, since the badge is not. */
export function bellLabel(locale: SupportedLocale, unread: number | undefined): string {
  if (!unread) return "Notifications";
  return `Notifications, ${formatNumberIn(locale, unread)} unread`;
}

/**
 * One channel's decision in words: what happened and why, as the decision layer recorded it
 * ("Held: quiet hours until 08:00", "Delivered as digest of 4 via smtp at 08:00").
 */
export function describeDecision(locale: SupportedLocale, decision: Decision, now: Date): { status: string; tone: Tone; text: string } {
  // Only the delivery time is written here; reasonText comes from the server as it recorded it.
  const at = (date: Date) => formatTime(locale, date, now);
  const as = decision.deliveredAs ? ` as ${decision.deliveredAs}` : "";
  if (decision.outcome === "drop") return { status: "Not sent", tone: "neutral", text: `Not sent: ${decision.reasonText}` };
  if (decision.channel === "inApp") return { status: "Listed", tone: "success", text: "Listed in your notifications" };
  if (decision.outcome === "hold") {
    if (decision.deliveredAt) return { status: "Delivered", tone: "success", text: `Held (${decision.reasonText}), then delivered${as} at ${at(decision.deliveredAt)}` };
    return { status: "Held", tone: "warning", text: `Held: ${decision.reasonText}` };
  }
  if (decision.deliveredAt) return { status: "Sent", tone: "success", text: `Sent${as} at ${at(decision.deliveredAt)} (${decision.reasonText})` };
  return { status: "Sending", tone: "brand", text: `Sending: ${decision.reasonText}` };
}

export const channelLabel = (channel: Decision["channel"]) => NOTIFICATION_CHANNEL_LABELS[channel];

/** Decisions are recorded per channel, newest first: one group per notification decision, in that order. */
export function groupDecisions(decisions: readonly Decision[]): Array<{ key: string; title: string; decidedAt: Date; decisions: Decision[] }> {
  const groups = new Map<string, { key: string; title: string; decidedAt: Date; decisions: Decision[] }>();
  for (const decision of decisions) {
    // A folded notification is decided again on its next notify call: that is another group.
    const key = `${decision.notificationId}:${decision.decidedAt.getTime()}`;
    const group = groups.get(key) ?? { key, title: decision.title, decidedAt: decision.decidedAt, decisions: [] };
    group.decisions.push(decision);
    groups.set(key, group);
  }
  const order = (decision: Decision) => NOTIFICATION_CHANNELS.indexOf(decision.channel);
  return [...groups.values()].map((group) => ({ ...group, decisions: group.decisions.sort((a, b) => order(a) - order(b)) }));
}

/** Tomorrow at `hour`:00 on the zone's clock. */
export function tomorrowAt(timeZone: string, hour: number, now: number): Date {
  const wallMidnight = Math.floor(wallOf(timeZone, now) / DAY) * DAY;
  return new Date(instantOfWall(timeZone, wallMidnight + DAY + hour * HOUR));
}

/** "2025-03-01T14:30" on the zone's clock, for a datetime-local input. */
export function wallInputValue(timeZone: string, instant: number): string {
  return new Date(wallOf(timeZone, instant)).toISOString().slice(0, 16);
}

/** A datetime-local value read on the zone's clock; null when it is not one. */
export function instantOfWallInput(timeZone: string, value: string): Date | null {
  // Strictly the input's own form: Date.parse reads odd strings (":00Z" is 1 January 2000).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return null;
  const wall = Date.parse(`${value}:00Z`);
  return Number.isNaN(wall) ? null : new Date(instantOfWall(timeZone, wall));
}

/** Every IANA zone this browser knows, with `extra` (the stored one) kept if it is missing. */
export function timeZoneChoices(...extra: string[]): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", ...known, ...extra])].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}
