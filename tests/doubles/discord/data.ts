/**
 * The Discord world the double serves: people, one team server (guild) with channels, the
 * DevPulse bot's memberships, and the messages in each channel. Ids are real-looking
 * snowflakes (ms since the Discord epoch << 22).
 */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) % 4096n;
  return ((BigInt(at) - DISCORD_EPOCH) << 22n | (1n << 17n) | increment).toString();
}

export type DiscordUser = { id: string; username: string; global_name: string | null; avatar: string | null; discriminator: string; bot?: boolean };

export type DiscordChannel = {
  id: string;
  guild_id: string;
  name: string;
  /** 0 text, 2 voice, 4 category, 5 announcement. */
  type: number;
  position: number;
  parent_id: string | null;
  /** False: the bot lacks Send Messages there (403 Missing Permissions; the channel denies SEND_MESSAGES to @everyone). */
  botCanSend: boolean;
};

export type DiscordGuild = { id: string; name: string; ownerId: string; channels: DiscordChannel[] };

export type DiscordMessage = {
  id: string;
  type: 0;
  channel_id: string;
  author: DiscordUser;
  content: string;
  embeds: unknown[];
  attachments: [];
  /** The people the message pinged (see AllowedMentions). */
  mentions: DiscordUser[];
  mention_roles: [];
  /** True when it pinged @everyone / @here. */
  mention_everyone: boolean;
  pinned: false;
  tts: false;
  flags: number;
  components: [];
  timestamp: string;
  edited_timestamp: string | null;
};

/**
 * A request's `allowed_mentions`: which mentions in the content ping. Omitted: Discord's default,
 * everything parsed (the double lets the bot ping @everyone, as if a server gave it Mention Everyone).
 */
export type AllowedMentions = { parse?: ("users" | "roles" | "everyone")[]; users?: string[] };

export type MessageEvent = { at: number; action: "create" | "edit" | "delete"; channelId: string; messageId: string; content: string; source: "bot" | "user" };

const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

export class DiscordData {
  readonly users = new Map<string, DiscordUser>();
  readonly guilds = new Map<string, DiscordGuild>();
  /** Guild ids the bot has been added to. */
  readonly botGuilds = new Set<string>();
  /** The permissions granted to the bot's managed role per guild (OAuth `permissions`; default VIEW_CHANNEL | SEND_MESSAGES). */
  readonly botPermissions = new Map<string, string>();
  readonly messages = new Map<string, DiscordMessage[]>();
  readonly events: MessageEvent[] = [];
  readonly bot: DiscordUser;

  constructor(
    private readonly now: () => number,
    bot: { id: string; username: string },
  ) {
    this.bot = { id: bot.id, username: bot.username, global_name: null, avatar: null, discriminator: "0000", bot: true };
  }

  addUser(user: { id?: string; username: string; globalName?: string }): DiscordUser {
    const created: DiscordUser = { id: user.id ?? snowflake(this.now()), username: user.username, global_name: user.globalName ?? null, avatar: null, discriminator: "0" };
    this.users.set(created.id, created);
    return created;
  }

  addGuild(guild: { id?: string; name: string; ownerId: string; channels: { id?: string; name: string; type?: number; botCanSend?: boolean }[] }): DiscordGuild {
    const id = guild.id ?? snowflake(this.now());
    const channels = guild.channels.map((c, index): DiscordChannel => ({
      id: c.id ?? snowflake(this.now()),
      guild_id: id,
      name: c.name,
      type: c.type ?? 0,
      position: index,
      parent_id: null,
      botCanSend: c.botCanSend ?? true,
    }));
    const created = { id, name: guild.name, ownerId: guild.ownerId, channels };
    this.guilds.set(id, created);
    return created;
  }

  channel(id: string): DiscordChannel | undefined {
    for (const guild of this.guilds.values()) {
      const found = guild.channels.find((c) => c.id === id);
      if (found) return found;
    }
    return undefined;
  }

  channelMessages(channelId: string): DiscordMessage[] {
    const list = this.messages.get(channelId) ?? [];
    this.messages.set(channelId, list);
    return list;
  }

  /** Who `content` pings under `allowed` (users by <@id>, everyone by @everyone or @here). */
  pings(content: string, allowed?: AllowedMentions): { mentions: DiscordUser[]; mention_everyone: boolean } {
    const parse = allowed?.parse ?? (allowed ? [] : ["users", "roles", "everyone"]);
    const ids = [...content.matchAll(/<@!?(\d+)>/g)].map((match) => match[1]!);
    const users = [...new Set(ids)].filter((id) => parse.includes("users") || allowed?.users?.includes(id)).flatMap((id) => this.users.get(id) ?? []);
    return { mentions: users, mention_everyone: parse.includes("everyone") && /@(everyone|here)\b/.test(content) };
  }

  createMessage(channelId: string, author: DiscordUser, content: string, embeds: unknown[], source: "bot" | "user", allowed?: AllowedMentions): DiscordMessage {
    const at = this.now();
    const message: DiscordMessage = {
      id: snowflake(at),
      type: 0,
      channel_id: channelId,
      author,
      content,
      embeds,
      attachments: [],
      ...this.pings(content, allowed),
      mention_roles: [],
      pinned: false,
      tts: false,
      flags: 0,
      components: [],
      timestamp: iso(at),
      edited_timestamp: null,
    };
    this.channelMessages(channelId).push(message);
    this.events.push({ at, action: "create", channelId, messageId: message.id, content, source });
    return message;
  }

  /** An edit updates who the message mentions (Discord does not ping again on edit). */
  editMessage(message: DiscordMessage, patch: { content?: string; embeds?: unknown[] }, allowed?: AllowedMentions): DiscordMessage {
    if (patch.content !== undefined) Object.assign(message, { content: patch.content }, this.pings(patch.content, allowed));
    if (patch.embeds !== undefined) message.embeds = patch.embeds;
    message.edited_timestamp = iso(this.now());
    this.events.push({ at: this.now(), action: "edit", channelId: message.channel_id, messageId: message.id, content: message.content, source: "bot" });
    return message;
  }

  deleteMessage(channelId: string, messageId: string, source: "bot" | "user"): boolean {
    const list = this.channelMessages(channelId);
    const index = list.findIndex((m) => m.id === messageId);
    if (index < 0) return false;
    const [removed] = list.splice(index, 1);
    this.events.push({ at: this.now(), action: "delete", channelId, messageId, content: removed!.content, source });
    return true;
  }
}

/** Discord's permission bits the double reasons about. */
export const DISCORD_PERMISSIONS = { viewChannel: 1n << 10n, sendMessages: 1n << 11n, readMessageHistory: 1n << 16n, addReactions: 1n << 6n, connect: 1n << 20n, speak: 1n << 21n } as const;
/** What @everyone may do in a new server (the part that matters here: view channels and send messages). */
export const EVERYONE_PERMISSIONS = Object.values(DISCORD_PERMISSIONS).reduce((all, bit) => all | bit, 0n).toString();

/** The bot's managed role in a guild: a stable id derived from the guild's. */
export const botRoleId = (guildId: string) => (BigInt(guildId) + 1_000_000n).toString();

/**
 * The roles GET /guilds/{id} reports: @everyone (id = the guild's) and the bot's managed role, and
 * the overwrites a channel carries: a channel where the bot may not send denies SEND_MESSAGES to @everyone.
 */
export function guildRoles(data: DiscordData, guild: DiscordGuild) {
  const role = (id: string, name: string, permissions: string, position: number, managed: boolean) => ({
    id,
    name,
    permissions,
    position,
    color: 0,
    hoist: false,
    icon: null,
    unicode_emoji: null,
    managed,
    mentionable: false,
    flags: 0,
    ...(managed ? { tags: { bot_id: data.bot.id } } : {}),
  });
  const roles = [role(guild.id, "@everyone", EVERYONE_PERMISSIONS, 0, false)];
  if (data.botGuilds.has(guild.id)) roles.push(role(botRoleId(guild.id), data.bot.username, data.botPermissions.get(guild.id) ?? "3072", 1, true));
  return roles;
}

export const channelOverwrites = (channel: DiscordChannel) =>
  channel.botCanSend ? [] : [{ id: channel.guild_id, type: 0, allow: "0", deny: DISCORD_PERMISSIONS.sendMessages.toString() }];

export const DISCORD_DOUBLE_SEED = {
  clientId: "1310000000000000001",
  bot: { id: "1310000000000000001", username: "DevPulse" },
  users: [
    { id: "1310000000000000101", username: "ana.lima", globalName: "Ana Lima" },
    { id: "1310000000000000102", username: "bruno.dev", globalName: "Bruno Costa" },
  ],
  guild: {
    id: "1310000000000000201",
    name: "DevPulse Team",
    ownerId: "1310000000000000101",
    channels: [
      { id: "1310000000000000301", name: "Text Channels", type: 4 },
      { id: "1310000000000000302", name: "general" },
      { id: "1310000000000000303", name: "status" },
      { id: "1310000000000000304", name: "announcements", botCanSend: false },
      { id: "1310000000000000305", name: "Lounge", type: 2 },
    ],
  },
} as const;
