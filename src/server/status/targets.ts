import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { chatStatusTargets, integrations, users } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { providerSession } from "../integrations/connections";
import { recordIntegrationFailure } from "../integrations/failures";
import type { ChatProviderState, ChatSession, ChatStatusContent, ProviderSession } from "../integrations/provider";
import { chatProviders, type ChatProviderId } from "../integrations/registry";
import { ProviderError } from "../integrations/resilience";
import { jobs } from "../jobs/send";
import { getPrivacySettings } from "../privacy/settings";
import { integrationAllows } from "~/lib/schemas/privacy";
import { desiredFrom, publishStatus, readStatusRow, revive, sameTime } from "./desired";
import type { DesiredStatus } from "./types";

/**
 * What each connected chat provider shows, kept in line with the desired status
 * (desired.ts) without ever trampling the user. One row per connected provider
 * (chat_status_targets): what we last wrote there (`written`), the user's own status
 * underneath it (`previous`), whether the user holds the provider with a status of
 * their own (`heldByUser`), our Do Not Disturb, and the provider's state (Discord's
 * server, channel and message).
 *
 * The status stack (providers where the user has a status of their own: Slack):
 *   - The status a provider shows when DevPulse first writes there after connecting is
 *     the user's own: it goes to the bottom of the stack (`previous`) and ours on top.
 *   - Clearing ours puts `previous` back, unless it has expired meanwhile. Restored, it is
 *     still the bottom of the stack: the next status of ours covers it again, and the
 *     clear after that restores it again.
 *   - Any other status found there — neither ours, nor the bottom of the stack, nor
 *     empty — the user set by hand after we wrote: DevPulse writes nothing (not even
 *     Do Not Disturb on) and says so (`heldByUser`). What they set replaces the whole
 *     stack: once they clear it, DevPulse writes again, with nothing underneath.
 *   - An empty status frees the provider: the user cleared it (the stack is gone), or
 *     ours expired at the provider by itself (the user's own is still underneath).
 * A Discord team message is the bot's own: no stack, ours to edit or delete.
 *
 * Every step is safe to repeat (jobs are at-least-once): a status that already equals
 * what we are about to write (we wrote it, then the process died before recording it)
 * is taken as ours, so a repeated step never mistakes our own write for the user's.
 */

/** At most one write per provider per user this often; the job waits and writes the then-latest state (Slack: 10 profile writes a minute). */
export const STATUS_WRITES = { spacingMs: 10_000 };

type Target = typeof chatStatusTargets.$inferSelect;
/** What we keep per target: the provider's state, and the name of the Discord channel for the page. */
export type TargetState = ChatProviderState & { channelName?: string };

const isEmpty = (content: ChatStatusContent | null | undefined): content is null | undefined => !content || (content.text.trim() === "" && content.emoji.trim() === "");
/** The same status to the eye: text and emoji (providers keep the expiry apart, and round it). */
export const sameStatus = (a: ChatStatusContent | null, b: ChatStatusContent | null) =>
  isEmpty(a) || isEmpty(b) ? isEmpty(a) && isEmpty(b) : a.text === b.text && a.emoji === b.emoji;
const sameExpiry = (a: ChatStatusContent | null, b: ChatStatusContent | null) =>
  Math.floor((a?.expiresAt?.getTime() ?? 0) / 1000) === Math.floor((b?.expiresAt?.getTime() ?? 0) / 1000);
const stillValid = (content: ChatStatusContent | null, now: Date) => (content && (content.expiresAt === null || content.expiresAt > now) ? content : null);

/** The desired status in one provider's form. */
export function contentFor(provider: ChatProviderId, desired: DesiredStatus | null): ChatStatusContent | null {
  if (!desired) return null;
  switch (provider) {
    case "slack":
      return { text: desired.text, emoji: desired.slackEmoji, expiresAt: desired.expiresAt };
    case "discord":
      return { text: desired.discordText, emoji: desired.discordEmoji, expiresAt: desired.expiresAt };
    default: {
      const unknown: never = provider;
      throw new Error(`no status form for ${String(unknown)}`);
    }
  }
}

export type GuardInput = {
  /** What the provider shows now (null: nothing). */
  current: ChatStatusContent | null;
  written: ChatStatusContent | null;
  previous: ChatStatusContent | null;
  /** Nothing written there since connecting: what it shows is the user's status from before DevPulse. */
  fresh: boolean;
  /** The desired status in this provider's form (null: none). */
  desired: ChatStatusContent | null;
  now: Date;
};

export type GuardDecision =
  | { kind: "held" }
  | {
      kind: "ours";
      /** What to write (null: clear), or undefined when the provider already shows it. */
      write: ChatStatusContent | null | undefined;
      written: ChatStatusContent | null;
      previous: ChatStatusContent | null;
    };

/** The status stack, for a provider where the user has a status of their own (see the header). Pure: the tests drive it case by case. */
export function guardUserStatus(input: GuardInput): GuardDecision {
  const { written, previous, fresh, desired, now } = input;
  const current = isEmpty(input.current) ? null : input.current;
  const goalWith = (under: ChatStatusContent | null) => desired ?? stillValid(under, now);
  if (current) {
    const ours = written !== null && sameStatus(current, written);
    const already = sameStatus(current, goalWith(previous));
    const bottom = written === null && previous !== null && sameStatus(current, previous);
    const theirs = !ours && !already && !bottom;
    if (theirs && !fresh) return { kind: "held" };
    // Fresh: the user's status from before DevPulse goes under ours when we cover it; with nothing to show, it stays as it is.
    if (theirs && !desired) return { kind: "ours", write: undefined, written: null, previous: null };
    const under = theirs ? current : previous;
    const goal = goalWith(under);
    const expiryMoved = desired !== null && written !== null && sameStatus(current, desired) && sameStatus(written, desired) && !sameExpiry(written, desired);
    const write = sameStatus(current, goal) && !expiryMoved ? undefined : goal;
    return { kind: "ours", write, written: desired, previous: under };
  }
  // Empty: the user cleared (nothing underneath any more), or ours expired at the provider by itself (the user's is still underneath).
  const oursExpired = written !== null && written.expiresAt !== null && written.expiresAt <= now;
  const under = oursExpired ? previous : null;
  const goal = goalWith(under);
  return { kind: "ours", write: goal === null ? undefined : goal, written: desired, previous: under };
}

/** A provider where the message is the bot's own (Discord): our record says what it holds, the read only whether it still exists. */
export function guardOwnMessage(input: Pick<GuardInput, "current" | "written" | "desired">): GuardDecision {
  const { current, written, desired } = input;
  const exists = !isEmpty(current);
  const write = desired === null ? (exists ? null : undefined) : !exists || !sameStatus(written, desired) || !sameExpiry(written, desired) ? desired : undefined;
  return { kind: "ours", write, written: desired, previous: null };
}

async function targetOf(db: DbOrTx, userId: string, provider: ChatProviderId): Promise<Target | null> {
  const [row] = await db
    .select()
    .from(chatStatusTargets)
    .where(and(eq(chatStatusTargets.userId, userId), eq(chatStatusTargets.provider, provider)));
  return row ?? null;
}

async function chatSession(db: DbOrTx, env: Env, userId: string, provider: ChatProviderId, target: Target): Promise<ChatSession> {
  const session = await providerSession(db, env, userId, provider);
  return { ...session, state: target.state as TargetState };
}

/** Connecting a chat provider: its target row, with what the OAuth grant said (Discord's server). A reconnection keeps what we know about the provider. */
export async function connectChatTarget(db: DbOrTx, target: { integrationId: string; userId: string; provider: ChatProviderId }, state: ChatProviderState): Promise<void> {
  const existing = await targetOf(db, target.userId, target.provider);
  const kept = (existing?.state ?? {}) as TargetState;
  // Another Discord server: the channel and message there are not this one's.
  const merged: TargetState = kept.guildId && state.guildId && kept.guildId !== state.guildId ? { ...state } : { ...kept, ...state };
  await db
    .insert(chatStatusTargets)
    .values({ ...target, state: merged })
    .onConflictDoUpdate({ target: chatStatusTargets.integrationId, set: { state: merged, updatedAt: new Date() } });
}

async function displayNameOf(db: DbOrTx, userId: string, session: ProviderSession) {
  const [user] = await db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return user?.name || session.account.name || session.account.login || "Someone";
}

type TargetOutcome = { wrote: boolean; held: boolean; changed: boolean; waitUntil: Date | null };

/** One provider brought to the desired status: read, decide (guard, spacing), write, record. */
async function applyToTarget(db: DbOrTx, env: Env, userId: string, target: Target, desired: DesiredStatus | null, dndDuringFocus: boolean, now: Date): Promise<TargetOutcome> {
  const id = target.provider as ChatProviderId;
  const provider = chatProviders[id];
  const state = target.state as TargetState;
  const nothing: TargetOutcome = { wrote: false, held: target.heldByUser, changed: false, waitUntil: null };
  // Discord: nowhere to write until the user picks a channel.
  if (provider.capabilities.channelMessage && !state.channelId) return nothing;
  const session = await chatSession(db, env, userId, id, target);
  const current = await provider.readStatus(env, session);
  const written = revive(target.written);
  const previous = revive(target.previous);
  const wanted = contentFor(id, desired);
  const decision = provider.capabilities.userStatus
    ? guardUserStatus({ current, written, previous, fresh: target.lastWriteAt === null && written === null && !target.heldByUser, desired: wanted, now })
    : guardOwnMessage({ current, written, desired: wanted });
  const held = decision.kind === "held";

  // Do Not Disturb during a focus session: on only while we may write, off whenever ours is on and the focus is over.
  const focusEnd = desired?.focusUntil && desired.focusUntil > now && dndDuringFocus ? desired.focusUntil : null;
  const dnd: Date | null | undefined = !provider.capabilities.doNotDisturb
    ? undefined
    : focusEnd && !held && !sameTime(target.dndUntil, focusEnd)
      ? focusEnd
      : !focusEnd && target.dndUntil
        ? null
        : undefined;
  const write = decision.kind === "ours" ? decision.write : undefined;

  if ((write !== undefined || dnd !== undefined) && target.lastWriteAt && now.getTime() - target.lastWriteAt.getTime() < STATUS_WRITES.spacingMs) {
    return { ...nothing, waitUntil: new Date(target.lastWriteAt.getTime() + STATUS_WRITES.spacingMs) };
  }
  let nextState: TargetState = state;
  if (write !== undefined) {
    // The provider returns the whole state to keep (Discord drops a deleted message's id); the channel's name is ours.
    const kept = await provider.writeStatus(env, session, write, { displayName: await displayNameOf(db, userId, session) });
    nextState = { ...kept, ...(state.channelName ? { channelName: state.channelName } : {}) };
  }
  if (dnd !== undefined) await provider.setDoNotDisturb(env, session, dnd);
  const wrote = write !== undefined || dnd !== undefined;
  const record =
    decision.kind === "held"
      ? { written: null, previous: null, heldByUser: true }
      : { written: decision.written, previous: decision.previous, heldByUser: false };
  await db
    .update(chatStatusTargets)
    .set({
      ...record,
      // Only what a write returned: a channel picked meanwhile (chooseDiscordChannel) is not overwritten by an apply that wrote nothing.
      ...(write !== undefined ? { state: nextState } : {}),
      ...(dnd !== undefined ? { dndUntil: dnd } : {}),
      ...(wrote ? { lastWriteAt: new Date() } : {}),
      updatedAt: new Date(),
    })
    .where(eq(chatStatusTargets.integrationId, target.integrationId));
  return { wrote, held, changed: wrote || held !== target.heldByUser, waitUntil: null };
}

/** A provider refused our token or our rights: say so on the integration, and do not retry what cannot succeed. */
async function recordRefusal(db: DbOrTx, userId: string, provider: ChatProviderId, error: ProviderError) {
  await recordIntegrationFailure(db, { userId, provider, message: error.message, status: error.kind === "unauthorized" ? "needs_reauth" : "error" });
}

/**
 * The job's work: every connected chat provider brought to the desired status. Returns
 * the providers written and held, and when to try again for those a write was too
 * recent for (the job sleeps until then). A refused token is recorded (needs_reauth)
 * and skipped; a rate limit or an outage is thrown after the other providers had
 * their turn (the job waits a rate limit out, and retries an outage with backoff).
 */
export async function applyChatStatus(db: DbOrTx, env: Env, userId: string): Promise<{ written: ChatProviderId[]; held: ChatProviderId[]; waitUntil: Date | null }> {
  const now = new Date();
  const row = await readStatusRow(db, userId);
  const desired = await desiredFrom(db, userId, row, now);
  const targets = await db
    .select({ target: chatStatusTargets, status: integrations.status })
    .from(chatStatusTargets)
    .innerJoin(integrations, eq(integrations.id, chatStatusTargets.integrationId))
    .where(eq(chatStatusTargets.userId, userId));
  const privacy = await getPrivacySettings(db, userId);
  const result = { written: [] as ChatProviderId[], held: [] as ChatProviderId[], waitUntil: null as Date | null };
  let failure: unknown = null;
  let changed = false;
  for (const { target, status } of targets) {
    const id = target.provider as ChatProviderId;
    if (status === "needs_reauth") continue;
    try {
      // Consent withdrawn on the privacy page: ours comes down (the user's own back) and nothing new is shown.
      const allowed = integrationAllows(privacy, id) ? desired : null;
      const outcome = await applyToTarget(db, env, userId, target, allowed, row?.dndDuringFocus ?? true, now);
      if (outcome.wrote) result.written.push(id);
      if (outcome.held) result.held.push(id);
      if (outcome.waitUntil && (!result.waitUntil || outcome.waitUntil > result.waitUntil)) result.waitUntil = outcome.waitUntil;
      changed ||= outcome.changed;
      if (outcome.wrote && status === "error") {
        await db.update(integrations).set({ status: "connected", lastError: null, lastErrorAt: null, updatedAt: new Date() }).where(eq(integrations.id, target.integrationId));
      }
    } catch (error) {
      if (error instanceof AppError && error.code === "NOT_FOUND") continue; // disconnected meanwhile
      if (error instanceof ProviderError && (error.kind === "unauthorized" || error.kind === "forbidden")) {
        await recordRefusal(db, userId, id, error);
        continue;
      }
      // The rate limit that ends last decides when to try again.
      const later = error instanceof ProviderError && error.kind === "rate_limited" && (!(failure instanceof ProviderError) || (error.retryAt ?? now) > (failure.retryAt ?? now));
      if (!failure || later) failure = error;
    }
  }
  if (changed) await publishStatus(db, userId);
  if (failure) throw failure;
  return result;
}

/**
 * Before disconnecting (and deleting the account): take our status down, put the
 * user's own back (if it has not expired), and end our Do Not Disturb. A status the
 * user set by hand is theirs: it stays.
 */
export async function withdrawChatStatus(db: DbOrTx, env: Env, session: ProviderSession, provider: ChatProviderId): Promise<void> {
  const target = await targetOf(db, session.userId, provider);
  if (!target) return;
  const implementation = chatProviders[provider];
  const chat: ChatSession = { ...session, state: target.state as TargetState };
  const now = new Date();
  const written = revive(target.written);
  if (implementation.capabilities.channelMessage ? written !== null || (target.state as TargetState).messageId : written !== null) {
    const current = await implementation.readStatus(env, chat);
    const decision = implementation.capabilities.userStatus
      ? guardUserStatus({ current, written, previous: revive(target.previous), fresh: false, desired: null, now })
      : guardOwnMessage({ current, written, desired: null });
    if (decision.kind === "ours" && decision.write !== undefined) await implementation.writeStatus(env, chat, decision.write, { displayName: await displayNameOf(db, session.userId, session) });
  }
  if (implementation.capabilities.doNotDisturb && target.dndUntil) await implementation.setDoNotDisturb(env, chat, null);
  await db
    .update(chatStatusTargets)
    .set({ written: null, dndUntil: null, updatedAt: new Date() })
    .where(eq(chatStatusTargets.integrationId, target.integrationId));
}

async function discordTarget(db: DbOrTx, env: Env, userId: string) {
  const target = await targetOf(db, userId, "discord");
  if (!target) throw new AppError("NOT_FOUND", "Discord is not connected. Connect it and add the DevPulse bot to a server first.");
  return { target, session: await chatSession(db, env, userId, "discord", target) };
}

/** The text channels of the Discord server the bot was added to, that it can post in. */
export async function listDiscordChannels(db: DbOrTx, env: Env, userId: string): Promise<{ id: string; name: string }[]> {
  const { session } = await discordTarget(db, env, userId);
  return chatProviders.discord.listChannels(env, session);
}

/** Where the bot keeps the user's status message: one of the server's channels it can post in. Our message moves there. */
export async function chooseDiscordChannel(db: DbOrTx, env: Env, userId: string, channelId: string): Promise<{ id: string; name: string }> {
  const { target, session } = await discordTarget(db, env, userId);
  const channel = (await chatProviders.discord.listChannels(env, session)).find((candidate) => candidate.id === channelId);
  if (!channel) throw new AppError("BAD_REQUEST", "The DevPulse bot cannot post in that channel. Choose one of the channels listed, or give the bot access to it in Discord.");
  const state = target.state as TargetState;
  if (state.channelId === channel.id) {
    if (state.channelName !== channel.name) {
      await db.update(chatStatusTargets).set({ state: { ...state, channelName: channel.name }, updatedAt: new Date() }).where(eq(chatStatusTargets.integrationId, target.integrationId));
    }
    return channel;
  }
  // Our message in the old channel goes (best effort: a deleted channel has nothing to clean up).
  if (state.channelId && state.messageId) {
    await chatProviders.discord.writeStatus(env, session, null, { displayName: await displayNameOf(db, userId, session) }).catch(() => undefined);
  }
  const { channelId: _old, messageId: _message, ...rest } = state;
  await db
    .update(chatStatusTargets)
    .set({ state: { ...rest, channelId: channel.id, channelName: channel.name }, written: null, updatedAt: new Date() })
    .where(eq(chatStatusTargets.integrationId, target.integrationId));
  await jobs.send({ name: "status/apply.requested", data: { userId } });
  return channel;
}
