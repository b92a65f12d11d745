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
  /** False: the bot lacks Send Messages there (403 Missing Permissions). */
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
  mentions: [];
  mention_roles: [];
  mention_everyone: false;
  pinned: false;
  tts: false;
  flags: number;
  components: [];
  timestamp: string;
  edited_timestamp: string | null;
};

export type MessageEvent = { at: number; action: "create" | "edit" | "delete"; channelId: string; messageId: string; content: string; source: "bot" | "user" };

const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

export class DiscordData {
  readonly users = new Map<string, DiscordUser>();
  readonly guilds = new Map<string, DiscordGuild>();
  /** Guild ids the bot has been added to. */
  readonly botGuilds = new Set<string>();
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

  createMessage(channelId: string, author: DiscordUser, content: string, embeds: unknown[], source: "bot" | "user"): DiscordMessage {
    const at = this.now();
    const message: DiscordMessage = {
      id: snowflake(at),
      type: 0,
      channel_id: channelId,
      author,
      content,
      embeds,
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
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

  editMessage(message: DiscordMessage, patch: { content?: string; embeds?: unknown[] }): DiscordMessage {
    if (patch.content !== undefined) message.content = patch.content;
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
