import type { DbOrTx } from "../db/client";
import type { Env } from "../env";
import type { ChatProviderState, ProviderSession } from "../integrations/provider";
import type { ChatProviderId } from "../integrations/registry";

// Skeleton (issue 16): the status helper implements these.
const pending = (): never => {
  throw new Error("not implemented yet");
};

/** Connecting a chat provider: its target row, with what the OAuth grant said (Discord's server). */
export async function connectChatTarget(_db: DbOrTx, _target: { integrationId: string; userId: string; provider: ChatProviderId }, _state: ChatProviderState): Promise<void> {
  return pending();
}
/** Before disconnecting (and deleting the account): take our status down, put the user's own back. */
export async function withdrawChatStatus(_db: DbOrTx, _env: Env, _session: ProviderSession, _provider: ChatProviderId): Promise<void> {
  return pending();
}
/** The job's work: bring every connected chat provider to the desired status (manual guard, restore, rate spacing). */
export async function applyChatStatus(_db: DbOrTx, _env: Env, _userId: string): Promise<{ written: ChatProviderId[]; held: ChatProviderId[]; waitUntil: Date | null }> {
  return pending();
}
export async function listDiscordChannels(_db: DbOrTx, _env: Env, _userId: string): Promise<{ id: string; name: string }[]> {
  return pending();
}
export async function chooseDiscordChannel(_db: DbOrTx, _env: Env, _userId: string, _channelId: string): Promise<{ id: string; name: string }> {
  return pending();
}
