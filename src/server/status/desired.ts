import { eq } from "drizzle-orm";
import { summarize } from "~/lib/realtime/events";
import { STATUS_ACTIVITIES, STATUS_LIMITS, type StatusActivity } from "~/lib/status/templates";
import type { DbOrTx } from "../db/client";
import { chatStatusTargets, userStatus } from "../db/schema";
import type { ChatStatusContent } from "../integrations/provider";
import type { JobEvent } from "../jobs/events";
import { jobs } from "../jobs/send";
import { publishSafely } from "../realtime/publisher";
import { findTemplate } from "./templates";
import type { DesiredStatus } from "./types";

/**
 * The status DevPulse wants to show, as kept in user_status (one row per user), and
 * what every change of it sets in motion. Shared by the heartbeat, the page, the
 * schedules and the jobs, so they all decide "what is shown" the same way.
 *
 * A row shows a status when it has a template or a custom text and has not expired.
 * Its `expiresAt` is the status's end: a duration, a focus session's end, a schedule's
 * end. A status with an end (except a schedule's, which its own run ends) is ended by
 * the end-focus-session job at that time: `status/focus.started { until }` when such a
 * status starts or moves, `status/focus.ended` when it ends before its time.
 */

export type StatusRow = typeof userStatus.$inferSelect;

/** A custom status's two emoji forms; a form left out shows the speech balloon. */
type CustomEmoji = { slack: string; discord: string };
export const DEFAULT_CUSTOM_EMOJI: CustomEmoji = { slack: ":speech_balloon:", discord: "💬" };

export function customEmoji(emoji: Partial<CustomEmoji>): CustomEmoji {
  return { slack: emoji.slack || DEFAULT_CUSTOM_EMOJI.slack, discord: emoji.discord || DEFAULT_CUSTOM_EMOJI.discord };
}

/** "Coding · devpulse", cut to the provider's limit (the project name gives way first). */
export function withProjectContext(text: string, project: string | null, max: number): string {
  const full = project ? `${text} · ${project}` : text;
  return full.length <= max ? full : summarize(full, max);
}

/** Whether the row shows a status at `now`. */
export function isShowing(row: Pick<StatusRow, "templateKey" | "customText" | "expiresAt"> | null | undefined, now = new Date()): boolean {
  if (!row || (row.templateKey === null && row.customText === null)) return false;
  return row.expiresAt === null || row.expiresAt > now;
}

/** The end a job must clear the status at: a timed status that is not a schedule's (its run ends it). */
export function timedEnd(row: StatusRow | null | undefined, now = new Date()): Date | null {
  return row && isShowing(row, now) && row.expiresAt && row.source !== "schedule" ? row.expiresAt : null;
}

export const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** What is shown, as one comparable value: two rows with the same identity show the same status. */
export function shownIdentity(row: StatusRow | null | undefined, now: Date): string {
  if (!row || !isShowing(row, now)) return "none";
  return JSON.stringify([row.templateKey, row.customText, row.customEmoji, row.source, row.projectContext, row.expiresAt?.getTime() ?? null, row.focusUntil?.getTime() ?? null]);
}

export async function readStatusRow(db: DbOrTx, userId: string): Promise<StatusRow | null> {
  const [row] = await db.select().from(userStatus).where(eq(userStatus.userId, userId));
  return row ?? null;
}

/** The user's row, created with the defaults if missing, locked for the rest of the transaction (two heartbeats at once decide one after the other). */
export async function lockStatusRow(db: DbOrTx, userId: string): Promise<StatusRow> {
  await db.insert(userStatus).values({ userId }).onConflictDoNothing();
  const [row] = await db.select().from(userStatus).where(eq(userStatus.userId, userId)).for("update");
  return row!;
}

/** The columns that say what is shown, all empty: no status. */
export const NO_STATUS = { templateKey: null, customText: null, customEmoji: null, source: null, projectContext: null, expiresAt: null, focusUntil: null } as const;

/** The row's status in full (template resolved, project context added), or null when it shows none. */
export async function desiredFrom(db: DbOrTx, userId: string, row: StatusRow | null, now = new Date()): Promise<DesiredStatus | null> {
  if (!row || !isShowing(row, now) || !row.source) return null;
  const activity = row.source === "heartbeat" && STATUS_ACTIVITIES.includes(row.activity as StatusActivity) ? (row.activity as StatusActivity) : null;
  const base = { templateKey: row.templateKey, source: row.source, activity, projectContext: row.projectContext, expiresAt: row.expiresAt, focusUntil: row.focusUntil, changedAt: row.changedAt };
  if (row.templateKey !== null) {
    const template = await findTemplate(db, userId, row.templateKey);
    // A template removed meanwhile (removeTemplate refuses while one is shown; a race could still do it) shows its key.
    const slack = template?.slack ?? { emoji: DEFAULT_CUSTOM_EMOJI.slack, text: row.templateKey };
    const discord = template?.discord ?? { emoji: DEFAULT_CUSTOM_EMOJI.discord, text: row.templateKey };
    return {
      ...base,
      text: withProjectContext(slack.text, row.projectContext, STATUS_LIMITS.slackText),
      discordText: withProjectContext(discord.text, row.projectContext, STATUS_LIMITS.discordText),
      slackEmoji: slack.emoji,
      discordEmoji: discord.emoji,
    };
  }
  const emoji = row.customEmoji ?? DEFAULT_CUSTOM_EMOJI;
  return {
    ...base,
    text: withProjectContext(row.customText!, row.projectContext, STATUS_LIMITS.slackText),
    discordText: withProjectContext(row.customText!, row.projectContext, STATUS_LIMITS.discordText),
    slackEmoji: emoji.slack,
    discordEmoji: emoji.discord,
  };
}

export async function readDesired(db: DbOrTx, userId: string, now = new Date()): Promise<DesiredStatus | null> {
  return desiredFrom(db, userId, await readStatusRow(db, userId), now);
}

/**
 * The jobs a change of the row needs (apply when what is shown differs; the timed end
 * scheduled or cancelled), to send once the change is committed.
 */
export function eventsForChange(userId: string, before: StatusRow | null, after: StatusRow | null, now = new Date()): JobEvent[] {
  const events: JobEvent[] = [];
  if (shownIdentity(before, now) !== shownIdentity(after, now)) events.push({ name: "status/apply.requested", data: { userId } });
  const endBefore = timedEnd(before, now);
  const endAfter = timedEnd(after, now);
  // A moved end needs no cancel: the earlier run finds the status no longer ends then, and does nothing.
  if (endAfter && !sameTime(endAfter, endBefore)) events.push({ name: "status/focus.started", data: { userId, until: endAfter.toISOString() } });
  else if (endBefore && !endAfter) events.push({ name: "status/focus.ended", data: { userId } });
  return events;
}

/** Tells the user's pages and devices what is shown now, and where the user holds their own status. */
export async function publishStatus(db: DbOrTx, userId: string): Promise<void> {
  const desired = await readDesired(db, userId);
  const held = await db.select({ provider: chatStatusTargets.provider, heldByUser: chatStatusTargets.heldByUser }).from(chatStatusTargets).where(eq(chatStatusTargets.userId, userId));
  await publishSafely(userId, "status:updated", {
    text: desired ? summarize(desired.text, 100) : null,
    ...(desired ? { emoji: desired.slackEmoji } : {}),
    activity: desired?.activity ?? null,
    ...(desired ? { source: desired.source } : {}),
    expiresAt: desired?.expiresAt?.toISOString() ?? null,
    heldByUser: held.filter((target) => target.heldByUser).map((target) => target.provider as "slack" | "discord"),
  });
}

/** After a committed change: the jobs it needs (plus `extra`), then the news to the user's pages. */
export async function announceChange(db: DbOrTx, userId: string, before: StatusRow | null, after: StatusRow | null, extra: JobEvent[] = []): Promise<boolean> {
  const events = [...extra];
  for (const event of eventsForChange(userId, before, after)) if (!events.some((known) => known.name === event.name)) events.push(event);
  if (events.length) await jobs.send(events);
  const changed = events.some((event) => event.name === "status/apply.requested");
  if (changed) await publishStatus(db, userId);
  return changed;
}

/** A ChatStatusContent read back from jsonb (its date is a string there). */
export function revive(stored: unknown): ChatStatusContent | null {
  if (!stored || typeof stored !== "object") return null;
  const content = stored as { text?: unknown; emoji?: unknown; expiresAt?: unknown };
  if (typeof content.text !== "string" || typeof content.emoji !== "string") return null;
  return { text: content.text, emoji: content.emoji, expiresAt: typeof content.expiresAt === "string" ? new Date(content.expiresAt) : null };
}
