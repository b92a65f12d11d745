import { and, eq, inArray } from "drizzle-orm";
import type { PrivacySettings } from "~/lib/schemas/privacy";
import { CHAT_PROVIDER_IDS, IDLE_MINUTES, templateKeyForActivity, type StatusSource } from "~/lib/status/templates";
import { discordPresenceFor } from "~/lib/status/presence";
import type { DbOrTx } from "../db/client";
import { chatStatusTargets, integrations, statusSchedules, userStatus } from "../db/schema";
import { chatProviders, type ChatProviderId } from "../integrations/registry";
import { getPrivacySettings } from "../privacy/settings";
import {
  announceChange,
  desiredFrom,
  customEmoji,
  isShowing,
  lockStatusRow,
  NO_STATUS,
  readStatusRow,
  revive,
  sameTime,
  shownIdentity,
  type StatusRow,
} from "./desired";
import { ZSetStatus, type HeartbeatInput, type SetStatusInput, type StatusSettingsPatch } from "./inputs";
import type { TargetState } from "./targets";
import { requireTemplate } from "./templates";
import type { CurrentStatus, ProviderStatus } from "./types";

/**
 * What the user's status is and how it changes: the desktop app's heartbeats, the page
 * (source "manual"), the calendar (source "calendar", issue 17's seam) and the jobs that
 * end statuses. Every change is written here, then the apply job brings the chat
 * providers to it (targets.ts) and `status:updated` tells the user's pages.
 *
 * Who wins: a status the user set on the page, a schedule's or the calendar's holds until
 * it ends or is cleared; heartbeats meanwhile only record that the developer is active
 * (and what at), and take over again once it is gone. A heartbeat status changes only
 * when the activity, the project context or the focus end differ; `idle` clears it.
 */

/** The project named after the status, when the privacy settings allow it and the project is not one the user marked private. */
export function sharedProject(privacy: PrivacySettings, project: string | undefined): string | null {
  if (!project || !privacy.statusSharing.projectContext) return null;
  const name = project.toLowerCase();
  return privacy.statusSharing.privateProjects.some((hidden) => hidden.trim().toLowerCase() === name) ? null : project;
}

/** A status heartbeats do not override: one from the page, a schedule or the calendar, while it lasts. */
function heldAgainstHeartbeats(row: StatusRow, now: Date) {
  return isShowing(row, now) && row.source !== null && row.source !== "heartbeat";
}

async function updateRow(db: DbOrTx, userId: string, values: Partial<typeof userStatus.$inferInsert>) {
  const [row] = await db.update(userStatus).set(values).where(eq(userStatus.userId, userId)).returning();
  return row!;
}

/** A status replacing a schedule's while it shows ends that schedule (its run then finds nothing of its own to clear). */
async function endShowingSchedule(db: DbOrTx, userId: string, row: StatusRow, now: Date) {
  if (row.source !== "schedule" || !isShowing(row, now)) return;
  await db
    .update(statusSchedules)
    .set({ state: "done" })
    .where(and(eq(statusSchedules.userId, userId), eq(statusSchedules.state, "active")));
}

/** A heartbeat: always recorded (the idle check reads it); the status changes only when what it would show differs. */
export async function recordHeartbeat(db: DbOrTx, userId: string, input: HeartbeatInput): Promise<{ changed: boolean }> {
  const now = new Date();
  const project = sharedProject(await getPrivacySettings(db, userId), input.projectContext);
  const { before, after } = await db.transaction(async (tx) => {
    const row = await lockStatusRow(tx, userId);
    const seen = { lastHeartbeatAt: now, activity: input.activity };
    if (heldAgainstHeartbeats(row, now)) return { before: row, after: await updateRow(tx, userId, seen) };
    const key = templateKeyForActivity(input.activity);
    const focusUntil = input.activity === "focus" && input.focusUntil && input.focusUntil > now ? input.focusUntil : null;
    const wanted = key === null ? NO_STATUS : { ...NO_STATUS, templateKey: key, source: "heartbeat" as const, projectContext: project, focusUntil, expiresAt: focusUntil };
    const differs = shownIdentity(row, now) !== shownIdentity({ ...row, ...wanted }, now);
    return { before: row, after: await updateRow(tx, userId, differs ? { ...seen, ...wanted, changedAt: now } : seen) };
  });
  const changed = await announceChange(db, userId, before, after, [{ name: "status/heartbeat.received", data: { userId } }]);
  return { changed };
}

/**
 * Shows a template or a custom status, for `durationMinutes` or until changed. The page
 * calls it with source "manual"; server-side callers (the calendar, issue 17) with their
 * own source. The "focus" template for a while is a focus session: Do Not Disturb too.
 */
export async function setStatus(db: DbOrTx, userId: string, input: SetStatusInput, source: StatusSource): Promise<CurrentStatus["status"]> {
  const parsed = ZSetStatus.parse(input);
  if (parsed.template) await requireTemplate(db, userId, parsed.template);
  const now = new Date();
  const expiresAt = parsed.durationMinutes ? new Date(now.getTime() + parsed.durationMinutes * 60_000) : null;
  const values = {
    ...NO_STATUS,
    templateKey: parsed.template ?? null,
    customText: parsed.custom?.text ?? null,
    customEmoji: parsed.custom ? customEmoji({ slack: parsed.custom.slackEmoji, discord: parsed.custom.discordEmoji }) : null,
    source,
    expiresAt,
    focusUntil: parsed.template === "focus" ? expiresAt : null,
    changedAt: now,
  };
  const { before, after } = await db.transaction(async (tx) => {
    const row = await lockStatusRow(tx, userId);
    await endShowingSchedule(tx, userId, row, now);
    return { before: row, after: await updateRow(tx, userId, values) };
  });
  await announceChange(db, userId, before, after);
  return desiredFrom(db, userId, after, now);
}

/** Seam for server-side sources (the calendar's meetings, issue 17): the same as status.set, with their source. */
export function setStatusFrom(db: DbOrTx, userId: string, input: SetStatusInput, source: Exclude<StatusSource, "manual" | "heartbeat">) {
  return setStatus(db, userId, input, source);
}

/**
 * Clears DevPulse's status everywhere (the apply job puts back the user's own where it
 * had one). Always asks for an apply, so a clear also tidies a provider that missed one.
 */
export async function clearStatus(db: DbOrTx, userId: string): Promise<{ cleared: boolean }> {
  const now = new Date();
  const { before, after } = await db.transaction(async (tx) => {
    const row = await lockStatusRow(tx, userId);
    await endShowingSchedule(tx, userId, row, now);
    return { before: row, after: await updateRow(tx, userId, isShowing(row, now) ? { ...NO_STATUS, changedAt: now } : NO_STATUS) };
  });
  await announceChange(db, userId, before, after, [{ name: "status/apply.requested", data: { userId } }]);
  return { cleared: isShowing(before, now) };
}

/**
 * Ends the status if nothing changed since `expected` was shown, in one transaction:
 * what the idle check, a focus session's end and a schedule's end do.
 */
export async function endStatusIf(db: DbOrTx, userId: string, still: (row: StatusRow, now: Date) => boolean): Promise<{ cleared: boolean }> {
  const now = new Date();
  const { before, after } = await db.transaction(async (tx) => {
    const row = await lockStatusRow(tx, userId);
    if (!still(row, now)) return { before: row, after: row };
    return { before: row, after: await updateRow(tx, userId, { ...NO_STATUS, changedAt: now }) };
  });
  if (after === before) return { cleared: false };
  // An expired status already reads as none: ask for the apply that takes it down explicitly.
  await announceChange(db, userId, before, after, [{ name: "status/apply.requested", data: { userId } }]);
  return { cleared: true };
}

/** For the idle job: when the status clears if no heartbeat comes (null: nothing heartbeats show). */
export async function idleDeadline(db: DbOrTx, userId: string): Promise<{ lastHeartbeatAt: string; clearAt: string } | null> {
  const row = await readStatusRow(db, userId);
  if (!row?.lastHeartbeatAt) return null;
  return { lastHeartbeatAt: row.lastHeartbeatAt.toISOString(), clearAt: new Date(row.lastHeartbeatAt.getTime() + row.idleMinutes * 60_000).toISOString() };
}

/** For the idle job: clears a heartbeat status when no heartbeat came since `lastHeartbeatAt`. */
export function clearIfIdle(db: DbOrTx, userId: string, lastHeartbeatAt: Date) {
  return endStatusIf(db, userId, (row, now) => sameTime(row.lastHeartbeatAt, lastHeartbeatAt) && row.source === "heartbeat" && isShowing(row, now));
}

/** For the end-focus-session job: ends a timed status (a focus session, a status set for a while) if it still ends at `until`. */
export function endTimedStatus(db: DbOrTx, userId: string, until: Date) {
  return endStatusIf(db, userId, (row) => (row.templateKey !== null || row.customText !== null) && row.source !== "schedule" && sameTime(row.expiresAt, until));
}

function settingsOf(row: StatusRow | null, privacy: PrivacySettings): CurrentStatus["settings"] {
  return { idleMinutes: row?.idleMinutes ?? IDLE_MINUTES.default, dndDuringFocus: row?.dndDuringFocus ?? true, projectContext: privacy.statusSharing.projectContext };
}

/** The idle timeout and Do Not Disturb during focus (the project-context switch is a privacy setting). */
export async function updateStatusSettings(db: DbOrTx, userId: string, patch: StatusSettingsPatch): Promise<CurrentStatus["settings"]> {
  const { before, after } = await db.transaction(async (tx) => {
    const row = await lockStatusRow(tx, userId);
    // A key sent as undefined changes nothing (and an update with no value to set is an error).
    const changesSomething = Object.values(patch).some((value) => value !== undefined);
    return { before: row, after: changesSomething ? await updateRow(tx, userId, patch) : row };
  });
  // Do Not Disturb switched during a focus session: the apply job turns it on or off.
  const extra = before.dndDuringFocus !== after.dndDuringFocus && after.focusUntil && isShowing(after) ? [{ name: "status/apply.requested" as const, data: { userId } }] : [];
  await announceChange(db, userId, before, after, extra);
  return settingsOf(after, await getPrivacySettings(db, userId));
}

/** What is shown and where: the desired status, each connected chat provider (ours shown, held by the user), the settings, Discord's presence. */
export async function currentStatus(db: DbOrTx, userId: string): Promise<CurrentStatus> {
  const row = await readStatusRow(db, userId);
  const status = await desiredFrom(db, userId, row);
  const rows = await db
    .select({ provider: integrations.provider, state: integrations.status, target: chatStatusTargets })
    .from(integrations)
    .leftJoin(chatStatusTargets, eq(chatStatusTargets.integrationId, integrations.id))
    .where(and(eq(integrations.userId, userId), inArray(integrations.provider, [...CHAT_PROVIDER_IDS])));
  const providers: ProviderStatus[] = rows.map(({ provider, state, target }) => {
    const implementation = chatProviders[provider as ChatProviderId];
    const kept = (target?.state ?? {}) as TargetState;
    return {
      provider: implementation.id,
      name: implementation.name,
      state,
      capabilities: { ...implementation.capabilities },
      shown: revive(target?.written),
      heldByUser: target?.heldByUser ?? false,
      dndUntil: target?.dndUntil ?? null,
      lastWriteAt: target?.lastWriteAt ?? null,
      channel: kept.channelId ? { id: kept.channelId, name: kept.channelName ?? null } : null,
    };
  });
  providers.sort((a, b) => CHAT_PROVIDER_IDS.indexOf(a.provider) - CHAT_PROVIDER_IDS.indexOf(b.provider));
  return {
    status,
    providers,
    settings: settingsOf(row, await getPrivacySettings(db, userId)),
    lastHeartbeatAt: row?.lastHeartbeatAt ?? null,
    // The presence is Discord's side of the status: its text and emoji.
    discordPresence: discordPresenceFor(status && { ...status, text: status.discordText }),
  };
}

