import type { DiscordPresence } from "~/lib/status/presence";
import { z } from "zod";
import { ZTimestamp } from "~/lib/schemas/primitives";
import { STATUS_ACTIVITIES, STATUS_SOURCES, type ChatProviderId, type StatusTemplate } from "~/lib/status/templates";
import type { IntegrationState } from "../integrations/connections";
import type { ChatStatusContent } from "../integrations/provider";

/** A template as listed: built-in (maybe edited by the user) or the user's own. */
export type ListedTemplate = StatusTemplate & { builtIn: boolean; edited: boolean };

/** What DevPulse wants to show now (the same on every provider, each in its own emoji form). */
export const ZDesiredStatus = z.object({
  templateKey: z.string().nullable(),
  /** Slack's text, with the project context when allowed: "Coding · devpulse" (at most 100 characters). */
  text: z.string(),
  /** The Discord form of the same status (the template's Discord text, with the same context). */
  discordText: z.string(),
  slackEmoji: z.string(),
  discordEmoji: z.string(),
  source: z.enum(STATUS_SOURCES),
  activity: z.enum(STATUS_ACTIVITIES).nullable(),
  projectContext: z.string().nullable(),
  expiresAt: ZTimestamp.nullable(),
  focusUntil: ZTimestamp.nullable(),
  changedAt: ZTimestamp,
});
export type DesiredStatus = z.infer<typeof ZDesiredStatus>;

/** One chat provider, as status.current() reports it. */
export type ProviderStatus = {
  provider: ChatProviderId;
  name: string;
  state: IntegrationState;
  capabilities: { userStatus: boolean; doNotDisturb: boolean; channelMessage: boolean };
  /** What DevPulse last wrote there; null: nothing of ours is shown. */
  shown: ChatStatusContent | null;
  /** The user set a status by hand: DevPulse leaves it alone until they clear it. */
  heldByUser: boolean;
  dndUntil: Date | null;
  lastWriteAt: Date | null;
  /** Discord: the channel the team message goes to (null until picked). */
  channel: { id: string; name: string | null } | null;
};

export type CurrentStatus = {
  status: DesiredStatus | null;
  providers: ProviderStatus[];
  settings: { idleMinutes: number; dndDuringFocus: boolean; projectContext: boolean };
  lastHeartbeatAt: Date | null;
  /** For the desktop app to apply over Discord RPC (null: clear its activity). */
  discordPresence: DiscordPresence | null;
};

export type StatusSchedule = { id: string; templateKey: string; templateName: string; startAt: Date; endAt: Date; state: "scheduled" | "active" | "done" | "cancelled" };
