import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, faultAnswer, html, type LoggedRequest, serve } from "../shared/http";
import { errorPage } from "../shared/oauth";
import { type BucketLimit, DiscordRateLimits, discordFaultBody, handleDiscordApi } from "./api";
import { DISCORD_DOUBLE_SEED, DiscordData, type DiscordMessage, type MessageEvent } from "./data";
import { DiscordOAuth } from "./oauth";

export type { DiscordMessage, MessageEvent } from "./data";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of discord.com for an app with a bot, speaking Discord's wire format so
 * the app can drive it with discord.js's REST client (@discordjs/rest):
 *
 *   OAuth2   <url>/oauth2/authorize                         (DISCORD_BASE_URL=<url>)
 *            <url>/api/oauth2/token, /api/oauth2/token/revoke
 *   API v10  <url>/api/v10/…                                (DISCORD_API_URL=<url>/api; REST `api` option)
 *
 * See oauth.ts and api.ts for what each part reproduces. Controls: people and servers
 * (signInAs, addBotToGuild, removeBotFromGuild, setChannelSendable), messages (messages,
 * messageEvents, postByHand, deleteByHand), tokens (botToken, createToken), faults
 * (failNext, rateLimitNext, setMessageRateLimit), logs (requests; a `Bot` credential logs as
 * authorization null — the shared log knows only token/bearer/basic), advanceTime.
 */
export type DiscordDoubleOptions = {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  botToken?: string;
  redirectUris?: string[];
  appName?: string;
  autoApprove?: boolean;
  /** Start with the bot already in the seeded server (default false: OAuth with the bot scope adds it). */
  botInGuild?: boolean;
  /** Message routes, per channel (Discord: 5 per 5 s). */
  messageRateLimit?: BucketLimit;
};

export const DISCORD_DOUBLE_DEFAULTS = {
  clientId: DISCORD_DOUBLE_SEED.clientId,
  clientSecret: "dP-sandbox-client-secret-0123456789ab",
  botToken: "MTMxMDAwMDAwMDAwMDAwMDAwMQ.GsAndB.devpulse-sandbox-bot-token-0123456789",
  redirectUris: ["http://localhost:3000/api/integrations/discord/callback"],
  appName: "DevPulse Cloud",
  users: DISCORD_DOUBLE_SEED.users,
  guild: DISCORD_DOUBLE_SEED.guild,
  bot: DISCORD_DOUBLE_SEED.bot,
} as const;

export async function startDiscordDouble(options: DiscordDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const data = new DiscordData(now, DISCORD_DOUBLE_SEED.bot);
  for (const user of DISCORD_DOUBLE_SEED.users) data.addUser(user);
  const guild = data.addGuild({ ...DISCORD_DOUBLE_SEED.guild, channels: DISCORD_DOUBLE_SEED.guild.channels.map((c) => ({ ...c })) });
  if (options.botInGuild) data.botGuilds.add(guild.id);
  let signedIn: string = DISCORD_DOUBLE_SEED.users[0].id;
  const botToken = options.botToken ?? DISCORD_DOUBLE_DEFAULTS.botToken;
  const rate = new DiscordRateLimits(options.messageRateLimit ?? { limit: 5, windowMs: 5000 }, { limit: 50, windowMs: 1000 }, now);
  const oauth = new DiscordOAuth(
    {
      clientId: options.clientId ?? DISCORD_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? DISCORD_DOUBLE_DEFAULTS.clientSecret,
      redirectUris: [...(options.redirectUris ?? DISCORD_DOUBLE_DEFAULTS.redirectUris)],
      appName: options.appName ?? DISCORD_DOUBLE_DEFAULTS.appName,
    },
    options.autoApprove ?? false,
    { now, data, signedIn: () => signedIn },
  );
  const ctx = { data, oauth, rate, botToken: () => botToken };
  const apiPath = (path: string) => (path.startsWith("/api/v10/") ? path.slice("/api/v10".length) : path);

  const handle = (req: DoubleRequest): DoubleResponse => {
    const path = req.path;
    if ((path === "/api/oauth2/token" || path === "/api/v10/oauth2/token") && req.method === "POST") return oauth.token(req);
    if ((path === "/api/oauth2/token/revoke" || path === "/api/v10/oauth2/token/revoke") && req.method === "POST") return oauth.revokeEndpoint(req);
    if (path === "/oauth2/authorize" || path === "/api/oauth2/authorize") {
      if (req.method === "GET") return oauth.authorize(req);
      if (req.method === "POST") return oauth.decide(req);
    }
    if (path.startsWith("/api/v10/")) return handleDiscordApi(ctx, req, apiPath(path));
    return html(404, errorPage("Discord", "Page not found", `This Discord sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    apiPath,
    handle,
    faultResponse: (_req, fault) => faultAnswer(fault, {}, discordFaultBody(fault.status)),
  });

  const channelOrThrow = (channelId: string) => {
    const channel = data.channel(channelId);
    if (!channel) throw new Error(`Discord double: unknown channel ${channelId}`);
    return channel;
  };

  return {
    /** DISCORD_BASE_URL: the OAuth2 authorize page. */
    url: server.url,
    /** DISCORD_API_URL and @discordjs/rest's `api` option (it appends /v10). */
    apiUrl: `${server.url}/api`,
    oauth: oauth.client,
    /** The variables that point the app at this double (its application, bot and API). */
    appEnv: { DISCORD_CLIENT_ID: oauth.client.clientId, DISCORD_CLIENT_SECRET: oauth.client.clientSecret, DISCORD_BOT_TOKEN: botToken, DISCORD_BASE_URL: server.url, DISCORD_API_URL: `${server.url}/api` },
    /** DISCORD_BOT_TOKEN (REST: `new REST({ version: "10", api }).setToken(botToken)`, sent as `Bot <token>`). */
    botToken,
    bot: data.bot,
    guild: { id: guild.id, name: guild.name },
    /** The seeded text channels by name: general, status, announcements (bot may not send there). */
    channels: Object.fromEntries(guild.channels.map((c) => [c.name, c.id])) as Record<string, string>,
    users: () => [...data.users.values()],
    requests,

    // ---- people, servers, OAuth
    signInAs(userId: string): void {
      if (!data.users.has(userId)) throw new Error(`Discord double: unknown user ${userId}`);
      signedIn = userId;
    },
    approveNext: (times = 1) => oauth.consent.approveNext(times),
    denyNext: (times = 1) => oauth.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (oauth.consent.autoApprove = value),
    addRedirectUri: (uri: string) => void oauth.client.redirectUris.push(uri),
    /** A user OAuth token without the dance (default: the signed-in person, scope identify). */
    createToken: (opts: { userId?: string; scopes?: string[] } = {}) => oauth.issue(opts.userId ?? signedIn, opts.scopes ?? ["identify"]),
    botInGuild: (guildId = guild.id) => data.botGuilds.has(guildId),
    addBotToGuild: (guildId = guild.id) => void data.botGuilds.add(guildId),
    /** Someone kicked the bot: its calls in that server answer 403 Missing Access. */
    removeBotFromGuild: (guildId = guild.id) => void data.botGuilds.delete(guildId),
    setChannelSendable: (channelId: string, sendable: boolean) => void (channelOrThrow(channelId).botCanSend = sendable),

    // ---- messages
    /** The channel's messages, oldest first (live objects: content and edited_timestamp follow edits). */
    messages: (channelId: string): readonly DiscordMessage[] => [...data.channelMessages(channelId)],
    /** Every create / edit / delete, oldest first; source "user" for postByHand / deleteByHand. */
    messageEvents: (channelId?: string): readonly MessageEvent[] => data.events.filter((e) => !channelId || e.channelId === channelId),
    /** A person posts in the channel from their Discord client. */
    postByHand(channelId: string, content: string, userId = signedIn): DiscordMessage {
      channelOrThrow(channelId);
      return data.createMessage(channelId, data.users.get(userId)!, content, [], "user");
    },
    /** A moderator deletes a message (e.g. the bot's status message) in the Discord client. */
    deleteByHand: (channelId: string, messageId: string) => data.deleteMessage(channelId, messageId, "user"),

    // ---- faults and limits
    /** The next matching request(s) get this answer; `path` may be API-relative ("/channels/123/messages"). */
    failNext: (fault: FaultSpec) => faults.add(fault),
    /** The next matching request(s) get 429 { retry_after, global } with Retry-After (seconds). */
    rateLimitNext(path: RegExp | string, retryAfterSeconds = 1, opts: { method?: string; times?: number; global?: boolean } = {}) {
      const global = opts.global ?? false;
      faults.add({
        path,
        method: opts.method,
        times: opts.times,
        status: 429,
        headers: { "retry-after": String(Math.ceil(retryAfterSeconds)), "x-ratelimit-scope": global ? "global" : "user", ...(global ? { "x-ratelimit-global": "true" } : {}) },
        body: { message: "You are being rate limited.", retry_after: retryAfterSeconds, global },
      });
    },
    pendingFaults: () => faults.size,
    setMessageRateLimit: (limit: BucketLimit) => void (rate.messageLimit = limit),
    advanceTime: (ms: number) => void (clockOffset += ms),
    /** Clears faults, the request log, consent overrides and rate-limit buckets. Messages, servers and tokens stay. */
    reset(): void {
      faults.clear();
      requests.length = 0;
      oauth.consent.clear();
      rate.clear();
    },

    close: () => server.close(),
  };
}

export type DiscordDouble = Awaited<ReturnType<typeof startDiscordDouble>>;
