import type { APIChannel, APIGuild, APIGuildMember, APIMessage, APIUser, REST } from "discord.js";
import { z } from "zod";
import { providerName } from "~/lib/providers";
import type { Env } from "../../env";
import { AppError } from "../../errors";
import type { GrantedTokens } from "../oauth";
import type { ChatGrant, ChatProvider, ChatProviderState, ChatSession, OAuthClientSettings } from "../provider";
import { ProviderError } from "../resilience";
import { apiFailure, discordApiBase, discordCall, isUnknown, oauthForm, oauthRefusal } from "./api";
import { BOT_PERMISSIONS, DISCORD_ERROR_CODES, DISCORD_MESSAGE_FLAGS, DISCORD_OAUTH } from "./facts";
import { postableTextChannels } from "./permissions";
import { parseStatusLine, statusLine } from "./transform";

/**
 * Discord as a chat provider. A bot cannot set a person's custom status, so the status
 * shows as one team message per person in a channel they pick, written by DevPulse's bot
 * (DISCORD_BOT_TOKEN) and edited in place; the person's own OAuth token (scope identify)
 * only says who they are. Rich Presence on their own client is the desktop app's part
 * (src/lib/status/presence.ts).
 */

const webBase = (env: Env) => env.DISCORD_BASE_URL.replace(/\/+$/, "");
const BOT = { as: "bot" } as const;

const ZTokenAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
  scope: z.string().optional(),
  /** Present when the `bot` scope added the bot to a server. */
  guild: z.object({ id: z.string().min(1), name: z.string() }).optional(),
});

/** The token endpoint (code exchange or refresh): the grant, and the server the bot joined when there is one. */
async function requestTokens(env: Env, oauth: OAuthClientSettings, params: Record<string, string>) {
  const answer = await discordCall(env, { as: "client" }, async (rest) => {
    try {
      return await rest.post(DISCORD_OAUTH.tokenPath, oauthForm({ client_id: oauth.clientId, client_secret: oauth.clientSecret, ...params }));
    } catch (error) {
      const refusal = oauthRefusal(error);
      if (refusal) throw new ProviderError("discord", "unauthorized", `Discord refused the authorization (${refusal}).`);
      throw error;
    }
  });
  const parsed = ZTokenAnswer.safeParse(answer);
  if (!parsed.success) throw new ProviderError("discord", "bad_response", "Discord's token endpoint gave an answer DevPulse could not read.");
  const { access_token, refresh_token, expires_in, scope, guild } = parsed.data;
  const tokens: GrantedTokens = {
    accessToken: access_token,
    refreshToken: refresh_token ?? null,
    expiresAt: expires_in ? new Date(Date.now() + expires_in * 1000) : null,
    scopes: scope === undefined ? null : scope.split(/[ ,]+/).filter(Boolean),
  };
  return { tokens, guild };
}

const serverLabel = (state: ChatProviderState) => (state.guildName ? `"${state.guildName}"` : "you added it to");

/** Discord's 403 for the status channel, in words that say what to do. */
function channelForbidden(code: number) {
  return code === DISCORD_ERROR_CODES.missingPermissions
    ? "DevPulse's bot may not post in the channel picked for your status message. In Discord, give the bot View Channel and Send Messages there, or pick another channel."
    : "DevPulse's bot cannot see the channel picked for your status message. In Discord, give the bot access to that channel (View Channel and Send Messages), or pick another channel.";
}

const botRemoved = (state: ChatProviderState) =>
  new ProviderError("discord", "forbidden", `DevPulse's bot is no longer in the Discord server ${serverLabel(state)}. Add it again: reconnect Discord and choose that server.`);

/** After a 403 Missing Access in a channel: when the bot cannot see the server at all, it was removed from it. */
async function explainMissingAccess(rest: REST, routes: { guild(id: string): `/${string}` }, state: ChatProviderState, error: unknown): Promise<never> {
  const failure = apiFailure(error);
  if (failure?.status === 403 && Number(failure.code) === DISCORD_ERROR_CODES.missingAccess && state.guildId) {
    const gone = await rest.get(routes.guild(state.guildId)).then(
      () => false,
      (probe: unknown) => apiFailure(probe)?.status === 403,
    );
    if (gone) throw botRemoved(state);
  }
  throw error;
}

const withoutMessage = ({ messageId: _cleared, ...state }: ChatProviderState): ChatProviderState => state;

const NO_CHANNEL = "Pick a Discord channel for your team status message first (Status, on the integrations page).";

export const discord: ChatProvider = {
  id: "discord",
  name: providerName("discord"),
  kind: "chat",
  capabilities: { userStatus: false, doNotDisturb: false, channelMessage: true },
  webUrl: webBase,

  configuration(env) {
    if (!env.DISCORD_CLIENT_ID || !env.DISCORD_CLIENT_SECRET || !env.DISCORD_BOT_TOKEN) return { ok: false, missing: ["DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "DISCORD_BOT_TOKEN"] };
    return {
      ok: true,
      oauth: {
        clientId: env.DISCORD_CLIENT_ID,
        clientSecret: env.DISCORD_CLIENT_SECRET,
        authorizeUrl: `${webBase(env)}${DISCORD_OAUTH.authorizePath}`,
        tokenUrl: `${discordApiBase(env)}${DISCORD_OAUTH.tokenPath}`,
        scopes: DISCORD_OAUTH.scopes,
        scopeSeparator: " ",
        pkce: DISCORD_OAUTH.pkce,
        // The bot joins the chosen server with exactly these permissions.
        extraAuthorizeParams: { permissions: BOT_PERMISSIONS.toString() },
      },
    };
  },

  async exchangeCode(env, oauth, grant): Promise<ChatGrant> {
    const { tokens, guild } = await requestTokens(env, oauth, {
      grant_type: "authorization_code",
      code: grant.code,
      redirect_uri: grant.redirectUri,
      ...(grant.codeVerifier ? { code_verifier: grant.codeVerifier } : {}),
    });
    // The server the bot was added to is the one Discord's token answer names, and only that: the
    // callback's guild_id is the browser's to change, and would point the bot at someone else's server.
    if (!guild) return tokens;
    return { ...tokens, state: { guildId: guild.id, ...(guild.name ? { guildName: guild.name } : {}) } };
  },

  async refreshTokens(env, oauth, refreshToken) {
    return (await requestTokens(env, oauth, { grant_type: "refresh_token", refresh_token: refreshToken })).tokens;
  },

  async fetchAccount(env, accessToken) {
    const me = (await discordCall(env, { as: "user", accessToken }, (rest, routes) => rest.get(routes.user()))) as APIUser;
    return { accountId: me.id, login: me.username, displayName: me.global_name ?? null, emails: [] };
  },

  async revoke(env, tokens) {
    if (!env.DISCORD_CLIENT_ID || !env.DISCORD_CLIENT_SECRET) return;
    const credentials = { client_id: env.DISCORD_CLIENT_ID, client_secret: env.DISCORD_CLIENT_SECRET };
    await discordCall(env, { as: "client" }, async (rest) => {
      await rest.post(DISCORD_OAUTH.revokePath, oauthForm({ ...credentials, token: tokens.accessToken, token_type_hint: "access_token" }));
      if (tokens.refreshToken) await rest.post(DISCORD_OAUTH.revokePath, oauthForm({ ...credentials, token: tokens.refreshToken, token_type_hint: "refresh_token" }));
    });
  },

  async listChannels(env, session) {
    const { state } = session;
    const guildId = state.guildId;
    if (!guildId) throw new AppError("PRECONDITION_FAILED", "DevPulse's bot is not in a Discord server of yours yet: reconnect Discord and choose a server to add it to.");
    return discordCall(
      env,
      BOT,
      async (rest, routes) => {
        const bot = (await rest.get(routes.user())) as APIUser;
        const [guild, member, channels] = (await Promise.all([rest.get(routes.guild(guildId)), rest.get(routes.guildMember(guildId, bot.id)), rest.get(routes.guildChannels(guildId))])) as [
          APIGuild,
          APIGuildMember,
          APIChannel[],
        ];
        return postableTextChannels(guild, { userId: bot.id, roles: member.roles }, channels as Parameters<typeof postableTextChannels>[2]);
      },
      { forbidden: () => botRemoved(state).message, notFound: `The Discord server ${serverLabel(state)} no longer exists. Reconnect Discord and choose another server.` },
    );
  },

  async readStatus(env, session) {
    const { channelId, messageId } = session.state;
    if (!channelId || !messageId) return null;
    return discordCall(
      env,
      BOT,
      async (rest, routes) => {
        try {
          return parseStatusLine(((await rest.get(routes.channelMessage(channelId, messageId))) as APIMessage).content);
        } catch (error) {
          if (isUnknown(error, DISCORD_ERROR_CODES.unknownMessage, DISCORD_ERROR_CODES.unknownChannel)) return null;
          return explainMissingAccess(rest, routes, session.state, error);
        }
      },
      { forbidden: channelForbidden },
    );
  },

  async writeStatus(env, session, status, { displayName }) {
    const { state } = session;
    const { channelId, messageId } = state;
    if (!channelId) {
      if (status === null) return withoutMessage(state);
      throw new AppError("PRECONDITION_FAILED", NO_CHANNEL);
    }
    return discordCall(
      env,
      BOT,
      async (rest, routes): Promise<ChatProviderState> => {
        try {
          if (status === null) {
            if (messageId) {
              await rest.delete(routes.channelMessage(channelId, messageId)).catch((error: unknown) => {
                if (!isUnknown(error, DISCORD_ERROR_CODES.unknownMessage, DISCORD_ERROR_CODES.unknownChannel)) throw error;
              });
            }
            return withoutMessage(state);
          }
          // No status may ping anyone, whatever its text says (@everyone, <@id>, a role).
          const body = { content: statusLine(status, displayName), allowed_mentions: { parse: [] }, flags: DISCORD_MESSAGE_FLAGS.suppressEmbeds };
          if (messageId) {
            try {
              await rest.patch(routes.channelMessage(channelId, messageId), { body });
              return { ...state, messageId };
            } catch (error) {
              // Deleted in Discord (by a moderator, or with its channel's history): post it again.
              if (!isUnknown(error, DISCORD_ERROR_CODES.unknownMessage)) throw error;
            }
          }
          const silent = { ...body, flags: DISCORD_MESSAGE_FLAGS.suppressEmbeds | DISCORD_MESSAGE_FLAGS.suppressNotifications };
          const posted = (await rest.post(routes.channelMessages(channelId), { body: silent })) as APIMessage;
          return { ...state, messageId: posted.id };
        } catch (error) {
          return explainMissingAccess(rest, routes, state, error);
        }
      },
      { forbidden: channelForbidden, notFound: "The Discord channel picked for your status message no longer exists. Pick another channel." },
    );
  },

  // Discord has no Do Not Disturb an app may set (capabilities.doNotDisturb is false).
  setDoNotDisturb: async () => undefined,
};
