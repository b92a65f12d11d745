import { credentialFrom, type DoubleRequest, type DoubleResponse, json, jsonBody, md5, noContent } from "../shared/http";
import { type AllowedMentions, botRoleId, channelOverwrites, type DiscordData, type DiscordUser, guildRoles } from "./data";
import type { DiscordOAuth } from "./oauth";

/**
 * Discord's HTTP API v10, the part the chat-status feature uses, under /api/v10:
 *
 *   GET    /users/@me                         Bearer (identify) → the person; Bot → the bot user
 *   GET    /users/@me/guilds                  Bearer (guilds scope) or Bot → partial guilds
 *   GET    /guilds/{guild}                    Bot → the server with its roles (@everyone, the bot's managed role)
 *   GET    /guilds/{guild}/members/{user}     Bot → a member and its role ids (the bot: its managed role)
 *   GET    /guilds/{guild}/channels           Bot → the server's channels (for the channel picker); a channel
 *                                             where the bot may not send denies SEND_MESSAGES to @everyone
 *   POST   /channels/{channel}/messages       Bot → message
 *   GET    /channels/{channel}/messages/{id}  Bot → message
 *   PATCH  /channels/{channel}/messages/{id}  Bot → message (only its own)
 *   DELETE /channels/{channel}/messages/{id}  Bot → 204
 *
 * Errors are Discord's JSON { message, code }: 401 { "401: Unauthorized", 0 }, 403 Missing Access
 * (50001) / Missing Permissions (50013) / Cannot edit a message authored by another user (50005),
 * 404 Unknown Channel (10003) / Unknown Message (10008) / Unknown Guild (10004), 400 Cannot send
 * an empty message (50006) / Invalid Form Body (50035).
 *
 * Mentions: `allowed_mentions` decides who a message pings (message.mentions, mention_everyone);
 * without it, every <@user> and @everyone / @here in the content pings.
 *
 * Rate limits: each route bucket per major parameter (channel or guild) allows `limit`
 * requests per `windowMs`; every answer carries X-RateLimit-Limit / -Remaining / -Reset /
 * -Reset-After / -Bucket, and going over answers 429 { message, retry_after, global: false }
 * with Retry-After and X-RateLimit-Scope: user.
 */
export type BucketLimit = { limit: number; windowMs: number };

type Bucket = { remaining: number; resetAt: number };

export class DiscordRateLimits {
  private buckets = new Map<string, Bucket>();
  constructor(
    public messageLimit: BucketLimit,
    public defaultLimit: BucketLimit,
    private readonly now: () => number,
  ) {}

  /** Counts one request; returns the headers and, when over the limit, the seconds to wait. */
  take(route: string, major: string, limits: BucketLimit): { headers: Record<string, string>; retryAfter: number | null } {
    const key = `${route}:${major}`;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { remaining: limits.limit, resetAt: now + limits.windowMs };
      this.buckets.set(key, bucket);
    }
    const over = bucket.remaining <= 0;
    if (!over) bucket.remaining -= 1;
    const resetAfter = Math.max(0, (bucket.resetAt - now) / 1000);
    const headers = {
      "x-ratelimit-limit": String(limits.limit),
      "x-ratelimit-remaining": String(bucket.remaining),
      "x-ratelimit-reset": (bucket.resetAt / 1000).toFixed(3),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-bucket": md5(route).slice(0, 32),
    };
    return { headers, retryAfter: over ? resetAfter : null };
  }

  clear(): void {
    this.buckets.clear();
  }
}

export const discordError = (status: number, message: string, code: number, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  json(status, { message, code, ...extra }, headers);

export const unauthorized = () => discordError(401, "401: Unauthorized", 0);

export function rateLimited(retryAfter: number, headers: Record<string, string> = {}, global = false): DoubleResponse {
  const seconds = Math.max(0.001, retryAfter);
  return json(
    429,
    { message: "You are being rate limited.", retry_after: Number(seconds.toFixed(3)), global },
    { ...headers, "retry-after": String(Math.ceil(seconds)), "x-ratelimit-scope": global ? "global" : "user", ...(global ? { "x-ratelimit-global": "true" } : {}) },
  );
}

/** The body Discord sends for a status when a fault gives none. */
export function discordFaultBody(status: number): DoubleResponse {
  if (status === 429) return rateLimited(1);
  if (status === 401) return unauthorized();
  if (status === 403) return discordError(403, "Missing Access", 50001);
  if (status === 404) return discordError(404, "404: Not Found", 0);
  if (status >= 500) return json(status, { message: "Internal Server Error", code: 0 });
  return discordError(status, "Bad Request", 0);
}

type Ctx = { data: DiscordData; oauth: DiscordOAuth; rate: DiscordRateLimits; botToken: () => string };
type Caller = { kind: "bot" } | { kind: "user"; user: DiscordUser; scopes: string[] };

function caller(ctx: Ctx, req: DoubleRequest): Caller | null {
  const bot = credentialFrom(req.headers, ["bot"]);
  if (bot) return bot === ctx.botToken() ? { kind: "bot" } : null;
  const record = ctx.oauth.usable(credentialFrom(req.headers, ["bearer"]));
  const user = record ? ctx.data.users.get(record.userId) : undefined;
  return record && user ? { kind: "user", user, scopes: record.scopes } : null;
}

const partialGuild = (guild: { id: string; name: string; ownerId: string }, forUser: string | null) => ({
  id: guild.id,
  name: guild.name,
  icon: null,
  banner: null,
  owner: forUser === guild.ownerId,
  permissions: forUser === guild.ownerId ? "2251799813685247" : "3072",
  features: [],
});

export function handleDiscordApi(ctx: Ctx, req: DoubleRequest, path: string): DoubleResponse {
  const who = caller(ctx, req);
  if (!who) return unauthorized();
  const { data, rate } = ctx;
  const segments = path.split("/").filter(Boolean);
  const limited = (route: string, major: string, limits: BucketLimit, answer: (headers: Record<string, string>) => DoubleResponse): DoubleResponse => {
    const { headers, retryAfter } = rate.take(`${req.method} ${route}`, major, limits);
    if (retryAfter !== null) return rateLimited(retryAfter, headers);
    return answer(headers);
  };

  if (req.method === "GET" && path === "/users/@me") {
    return limited("/users/@me", "", rate.defaultLimit, (h) => {
      if (who.kind === "bot") return json(200, { ...data.bot, flags: 0, verified: true, mfa_enabled: true }, h);
      if (!who.scopes.includes("identify")) return unauthorized();
      return json(200, { ...who.user, flags: 0, public_flags: 0, banner: null, accent_color: null, locale: "en-US", mfa_enabled: false, premium_type: 0 }, h);
    });
  }
  if (req.method === "GET" && path === "/users/@me/guilds") {
    return limited("/users/@me/guilds", "", rate.defaultLimit, (h) => {
      if (who.kind === "bot") return json(200, [...data.guilds.values()].filter((g) => data.botGuilds.has(g.id)).map((g) => partialGuild(g, null)), h);
      if (!who.scopes.includes("guilds")) return unauthorized();
      return json(200, [...data.guilds.values()].filter((g) => g.ownerId === who.user.id).map((g) => partialGuild(g, who.user.id)), h);
    });
  }
  if (segments[0] === "guilds" && (segments.length === 2 || (segments.length === 4 && segments[2] === "members")) && req.method === "GET") {
    const guildId = segments[1]!;
    const memberId = segments[3];
    return limited(memberId ? "/guilds/:id/members/:id" : "/guilds/:id", guildId, rate.defaultLimit, (h) => {
      if (who.kind !== "bot") return unauthorized();
      const guild = data.guilds.get(guildId);
      if (!guild) return discordError(404, "Unknown Guild", 10004, h);
      if (!data.botGuilds.has(guildId)) return discordError(403, "Missing Access", 50001, h);
      if (!memberId) return json(200, { id: guild.id, name: guild.name, icon: null, owner_id: guild.ownerId, features: [], roles: guildRoles(data, guild), emojis: [], stickers: [] }, h);
      const user = memberId === data.bot.id ? data.bot : data.users.get(memberId);
      if (!user || (user !== data.bot && guild.ownerId !== user.id)) return discordError(404, "Unknown Member", 10007, h);
      return json(200, { user, nick: null, avatar: null, roles: user === data.bot ? [botRoleId(guild.id)] : [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 }, h);
    });
  }
  if (segments[0] === "guilds" && segments[2] === "channels" && segments.length === 3 && req.method === "GET") {
    const guildId = segments[1]!;
    return limited("/guilds/:id/channels", guildId, rate.defaultLimit, (h) => {
      if (who.kind !== "bot") return unauthorized();
      const guild = data.guilds.get(guildId);
      if (!guild) return discordError(404, "Unknown Guild", 10004, h);
      if (!data.botGuilds.has(guildId)) return discordError(403, "Missing Access", 50001, h);
      return json(200, guild.channels.map(({ botCanSend, ...channel }) => ({ ...channel, permission_overwrites: channelOverwrites({ ...channel, botCanSend }), nsfw: false, topic: null, last_message_id: data.channelMessages(channel.id).at(-1)?.id ?? null, rate_limit_per_user: 0, flags: 0 })), h);
    });
  }
  if (segments[0] === "channels" && segments[2] === "messages" && (segments.length === 3 || segments.length === 4)) {
    const channelId = segments[1]!;
    const messageId = segments[3];
    const route = messageId ? "/channels/:id/messages/:id" : "/channels/:id/messages";
    return limited(route, channelId, rate.messageLimit, (h) => {
      if (who.kind !== "bot") return unauthorized();
      const channel = data.channel(channelId);
      if (!channel) return discordError(404, "Unknown Channel", 10003, h);
      if (!data.botGuilds.has(channel.guild_id)) return discordError(403, "Missing Access", 50001, h);
      if (!messageId && req.method === "POST") {
        if (channel.type !== 0 && channel.type !== 5) return discordError(400, "Cannot send messages in a non-text channel", 50008, h);
        if (!channel.botCanSend) return discordError(403, "Missing Permissions", 50013, h);
        const body = jsonBody<{ content?: unknown; embeds?: unknown; allowed_mentions?: AllowedMentions }>(req) ?? {};
        const invalid = validateBody(body, h);
        if (invalid) return invalid;
        const content = typeof body.content === "string" ? body.content : "";
        const embeds = Array.isArray(body.embeds) ? body.embeds : [];
        if (!content.trim() && embeds.length === 0) return discordError(400, "Cannot send an empty message", 50006, h);
        return json(200, data.createMessage(channelId, data.bot, content, embeds, "bot", body.allowed_mentions), h);
      }
      if (!messageId) return discordError(405, "405: Method Not Allowed", 0, h);
      const message = data.channelMessages(channelId).find((m) => m.id === messageId);
      if (!message) return discordError(404, "Unknown Message", 10008, h);
      if (req.method === "GET") return json(200, message, h);
      if (req.method === "DELETE") {
        if (message.author.id !== data.bot.id) return discordError(403, "Missing Permissions", 50013, h);
        data.deleteMessage(channelId, messageId, "bot");
        return noContent(h);
      }
      if (req.method === "PATCH") {
        if (message.author.id !== data.bot.id) return discordError(403, "Cannot edit a message authored by another user", 50005, h);
        const body = jsonBody<{ content?: unknown; embeds?: unknown; allowed_mentions?: AllowedMentions }>(req) ?? {};
        const invalid = validateBody(body, h);
        if (invalid) return invalid;
        const patch: { content?: string; embeds?: unknown[] } = {};
        if (typeof body.content === "string") patch.content = body.content;
        if (Array.isArray(body.embeds)) patch.embeds = body.embeds;
        const after = { content: patch.content ?? message.content, embeds: patch.embeds ?? message.embeds };
        if (!after.content.trim() && after.embeds.length === 0) return discordError(400, "Cannot send an empty message", 50006, h);
        return json(200, data.editMessage(message, patch, body.allowed_mentions), h);
      }
      return discordError(405, "405: Method Not Allowed", 0, h);
    });
  }
  return discordError(404, "404: Not Found", 0);
}

function validateBody(body: { content?: unknown }, headers: Record<string, string>): DoubleResponse | null {
  if (typeof body.content === "string" && body.content.length > 2000) {
    return discordError(400, "Invalid Form Body", 50035, headers, { errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } } });
  }
  return null;
}
