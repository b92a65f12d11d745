import type { DbOrTx } from "../db/client";
import { getPrivacySettings } from "../privacy/settings";
import { isShowing, readStatusRow } from "../status/desired";
import { setStatusFrom } from "../status/status";
import { busyTimedEvents } from "./events";
import { DAY_MS } from "./facts";

/**
 * The calendar's part of the chat status (user switches in the privacy settings): focus while a
 * focus block runs; the meeting template during a meeting, with its title only where titles
 * are kept and the user allows them there. A status the user set by hand, or a schedule's,
 * is never overridden; a heartbeat's gives way, as it does to any held status.
 */

type CalendarMoment = { kind: "focus" | "meeting"; start: Date; end: Date; title: string | null };

/** The user's confirmed, timed, busy events around `now` (running, and starting within a day). */
async function momentsAround(db: DbOrTx, userId: string, now: Date): Promise<CalendarMoment[]> {
  const rows = await busyTimedEvents(db, userId, { range: { from: now, to: new Date(now.getTime() + DAY_MS) } });
  return rows
    .filter((row) => row.event.status === "confirmed")
    .map((row) => ({ kind: row.focus ? "focus" : "meeting", start: row.event.startAt, end: row.event.endAt, title: row.event.private ? null : row.event.title }));
}

/** What the calendar would show at `now` under the switches (null: nothing), and when that next changes. */
export async function calendarStatusPlan(db: DbOrTx, userId: string, now = new Date()) {
  const { calendar: switches } = await getPrivacySettings(db, userId);
  const wanted = (await momentsAround(db, userId, now)).filter((moment) => (moment.kind === "focus" ? switches.focusStatus : switches.meetingStatus));
  const running = wanted.filter((moment) => moment.start <= now).sort((a, b) => (a.kind === b.kind ? a.start.getTime() - b.start.getTime() : a.kind === "focus" ? -1 : 1))[0] ?? null;
  const boundaries = wanted.flatMap((moment) => [moment.start, moment.end]).filter((time) => time > now);
  const next = boundaries.length ? new Date(Math.min(...boundaries.map((time) => time.getTime()))) : null;
  return { running: running && { ...running, title: switches.meetingTitles && running.kind === "meeting" ? running.title : null }, next };
}

/**
 * Shows what the calendar wants now, unless the user holds a status of their own. Safe to
 * repeat: a status already showing this moment is left as it is. Returns when to look again.
 */
export async function applyCalendarStatus(db: DbOrTx, userId: string, now = new Date()) {
  const plan = await calendarStatusPlan(db, userId, now);
  const row = await readStatusRow(db, userId);
  const heldByUser = isShowing(row, now) && (row!.source === "manual" || row!.source === "schedule");
  if (!plan.running || heldByUser) return { applied: null, next: plan.next };
  const template = plan.running.kind;
  // setStatus counts whole minutes from now, so a status of this moment ends within a minute of it.
  const showing = isShowing(row, now) && row!.source === "calendar" && Math.abs((row!.expiresAt?.getTime() ?? 0) - plan.running.end.getTime()) < 60_000;
  if (showing) return { applied: null, next: plan.next };
  const minutes = Math.max(1, Math.ceil((plan.running.end.getTime() - now.getTime()) / 60_000));
  await setStatusFrom(db, userId, plan.running.title ? { custom: { text: plan.running.title.slice(0, 100), slackEmoji: ":calendar:", discordEmoji: "📅" }, durationMinutes: minutes } : { template, durationMinutes: minutes }, "calendar");
  return { applied: template, next: plan.next };
}
