/**
 * What DevPulse needs to know about Discord, as data (https://discord.com/developers/docs).
 * Code lives in api.ts (REST and errors), permissions.ts, transform.ts and provider.ts.
 *
 * The platform in one paragraph: a bot cannot set a person's custom status. DevPulse offers
 * Rich Presence (src/lib/status/presence.ts, applied by the desktop app over Discord RPC) and
 * a team status message: the person adds the DevPulse bot to a server, picks a channel, and
 * the bot keeps one message per person there, edited in place and deleted when cleared.
 */

export const DISCORD_API_VERSION = "10";

/** OAuth2 (on DISCORD_BASE_URL and DISCORD_API_URL), unversioned paths as Discord documents them. */
export const DISCORD_OAUTH = {
  authorizePath: "/oauth2/authorize",
  tokenPath: "/oauth2/token",
  revokePath: "/oauth2/token/revoke",
  /** Discord does not document PKCE for the authorization-code flow (and the double ignores it). */
  pkce: false,
  scopes: [
    { scope: "identify", why: "Read your Discord username, to show which account is connected and to name you in the team status message." },
    {
      scope: "bot",
      why: "Add the DevPulse bot to a server you choose, with only View Channel and Send Messages, so it can keep one status message for you in the channel you pick. Discord does not let any app change your own custom status.",
    },
  ],
} as const;

/** Permission bits (https://discord.com/developers/docs/topics/permissions). */
export const DISCORD_PERMISSIONS = {
  administrator: 1n << 3n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
} as const;

/** What the bot asks for when it is added to a server, and what it needs in the status channel. */
export const BOT_PERMISSIONS = DISCORD_PERMISSIONS.viewChannel | DISCORD_PERMISSIONS.sendMessages;

/** Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types): the picker offers text channels. */
export const DISCORD_CHANNEL_TYPES = { guildText: 0 } as const;

/** Overwrite targets in a channel's permission_overwrites. */
export const DISCORD_OVERWRITE_TYPES = { role: 0, member: 1 } as const;

/** JSON error codes the provider reacts to (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
export const DISCORD_ERROR_CODES = {
  unknownChannel: 10003,
  unknownGuild: 10004,
  unknownMember: 10007,
  unknownMessage: 10008,
  missingAccess: 50001,
  missingPermissions: 50013,
} as const;

/** Message flags: no link previews, and a "silent" post that notifies nobody. */
export const DISCORD_MESSAGE_FLAGS = { suppressEmbeds: 1 << 2, suppressNotifications: 1 << 12 } as const;

export const DISCORD_LIMITS = {
  /** A message's content. */
  messageLength: 2000,
  /** Our own bounds for the status line's parts: a name, and a text (a template's 128 characters plus " · project"). */
  displayName: 64,
  statusText: 200,
  /** Rich Presence strings (details, state). */
  presenceText: 128,
  /** Message routes allow 5 requests per 5 s per channel; 50 requests/s per bot overall. */
  messagesPerChannel: { limit: 5, windowMs: 5_000 },
  globalPerSecond: 50,
} as const;
