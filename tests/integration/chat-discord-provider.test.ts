import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { chatStatusTargets, integrations } from "~/server/db/schema";
import { type Env, getEnv } from "~/server/env";
import { AppError } from "~/server/errors";
import { discord } from "~/server/integrations/discord/provider";
import type { ChatProviderState, ChatSession, OAuthClientSettings } from "~/server/integrations/provider";
import { circuitState, ProviderError, resetCircuits } from "~/server/integrations/resilience";
import { DISCORD_DOUBLE_DEFAULTS, type DiscordDouble, startDiscordDouble } from "../doubles/discord/server";
import { callerFor, errorOf, signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, followCallback, startIntegrationRoutes } from "../support/integrations";

// The Discord chat provider through the real discord.js REST client against the Discord double:
// OAuth with the bot scope, the channel picker, the team status message and Discord's errors.
let double: DiscordDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
beforeAll(async () => {
  double = await startDiscordDouble({ autoApprove: true });
  app = await startIntegrationRoutes();
  double.addRedirectUri(`${app.url}/api/integrations/discord/callback`);
});
afterAll(async () => {
  resetCircuits();
  await Promise.all([double.close(), app.close()]);
});
afterEach(() => {
  double.reset();
  resetCircuits();
});
useEnv(() => ({
  APP_URL: app.url,
  ...double.appEnv,
}));

const CALLBACK = DISCORD_DOUBLE_DEFAULTS.redirectUris[0];
const ANA = DISCORD_DOUBLE_DEFAULTS.users[0];

function oauthSettings(env: Env = getEnv()): OAuthClientSettings {
  const configuration = discord.configuration(env, CALLBACK);
  if (!configuration.ok) throw new Error(`Discord is not configured: ${configuration.missing.join(", ")}`);
  return configuration.oauth;
}

/** The consent step as a person does it (auto-approved by the double): the callback's parameters. */
async function authorize() {
  const oauth = oauthSettings();
  const url = new URL(oauth.authorizeUrl);
  const params = { client_id: oauth.clientId, response_type: "code", redirect_uri: CALLBACK, scope: oauth.scopes.map((s) => s.scope).join(" "), state: "st", ...oauth.extraAuthorizeParams };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const answer = await fetch(url, { redirect: "manual" });
  expect(answer.status, await answer.clone().text()).toBe(302);
  return new URL(answer.headers.get("location")!).searchParams;
}

const session = (state: ChatProviderState, accessToken = "unused"): ChatSession => ({
  userId: "00000000-0000-0000-0000-000000000000",
  accessToken,
  account: { id: ANA.id, login: ANA.username, name: ANA.globalName, emails: [] },
  state,
});
const inStatusChannel = (extra: ChatProviderState = {}) => session({ guildId: double.guild.id, guildName: double.guild.name, channelId: double.channels.status!, ...extra });

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected a failure").not.toBeNull();
  return error as Error;
}

const focus = (minutes = 25) => ({ emoji: "🎯", text: "In focus mode", expiresAt: new Date(Math.floor((Date.now() + minutes * 60_000) / 1000) * 1000) });

describe("configuring Discord", () => {
  it("needs the client id, secret and bot token; then asks for identify and bot with View Channel and Send Messages only", () => {
    const missing = discord.configuration({ ...getEnv(), DISCORD_BOT_TOKEN: undefined }, CALLBACK);
    expect(missing).toEqual({ ok: false, missing: ["DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "DISCORD_BOT_TOKEN"] });
    const oauth = oauthSettings();
    expect(oauth.authorizeUrl).toBe(`${double.url}/oauth2/authorize`);
    expect(oauth.tokenUrl).toBe(`${double.apiUrl}/oauth2/token`);
    expect(oauth.scopes.map((s) => s.scope)).toEqual(["identify", "bot"]);
    expect(oauth.scopes.every((s) => s.why.length > 40)).toBe(true);
    expect(oauth.extraAuthorizeParams).toEqual({ permissions: String(1024 + 2048) });
    expect(discord.capabilities).toEqual({ userStatus: false, doNotDisturb: false, channelMessage: true });
  });
});

describe("Discord OAuth with the bot scope", () => {
  it("exchanges the code for tokens and the server the bot joined; reads the account; refreshes; revokes", async () => {
    double.removeBotFromGuild();
    const callback = await authorize();
    expect(double.botInGuild()).toBe(true);
    const grant = { code: callback.get("code")!, redirectUri: CALLBACK, codeVerifier: null, callbackParams: callback };
    const granted = await discord.exchangeCode(getEnv(), oauthSettings(), grant);
    expect(granted.state).toEqual({ guildId: double.guild.id, guildName: "DevPulse Team" });
    expect(granted.scopes).toEqual(["identify", "bot"]);
    expect(granted.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const refused = await failure(discord.exchangeCode(getEnv(), oauthSettings(), grant));
    expect(refused).toMatchObject({ kind: "unauthorized" });
    expect(refused.message).toMatch(/^Discord refused the authorization \(invalid_grant/);
    expect(refused.message).not.toContain(grant.code);

    expect(await discord.fetchAccount(getEnv(), granted.accessToken)).toEqual({ accountId: ANA.id, login: ANA.username, displayName: ANA.globalName, emails: [] });

    const refreshed = await discord.refreshTokens(getEnv(), oauthSettings(), granted.refreshToken!);
    expect(refreshed.accessToken).not.toBe(granted.accessToken);
    expect(await failure(discord.fetchAccount(getEnv(), granted.accessToken))).toMatchObject({ kind: "unauthorized" });
    expect(await failure(discord.refreshTokens(getEnv(), oauthSettings(), granted.refreshToken!))).toMatchObject({ kind: "unauthorized" });

    await discord.revoke(getEnv(), refreshed);
    expect(await failure(discord.fetchAccount(getEnv(), refreshed.accessToken))).toMatchObject({ kind: "unauthorized", message: expect.stringContaining("Reconnect Discord") });
  });

  it("never takes the server from the callback's query: a guild_id that Discord's token answer does not name is ignored", async () => {
    double.addBotToGuild();
    const account = await signedUpUser("discord-forged-guild");
    const { authorizationUrl } = await (await callerFor(account.user)).integrations.connect({ provider: "discord", consent: true });
    // Without the bot scope Discord adds no bot and its token answer names no server; the browser then adds a guild_id of its choosing.
    const consentUrl = new URL(authorizationUrl);
    consentUrl.searchParams.set("scope", "identify");
    const consent = await fetch(consentUrl, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const callbackUrl = new URL(consent.headers.get("location")!);
    expect(callbackUrl.searchParams.has("guild_id")).toBe(false);
    callbackUrl.searchParams.set("guild_id", double.guild.id);
    const { callback } = await followCallback(account.user, callbackUrl.toString());
    expect(callback.searchParams.get("connected")).toBe("discord");

    const caller = await callerFor(account.user);
    expect(await errorOf(() => caller.status.discord.channels())).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(await errorOf(() => caller.status.discord.chooseChannel({ channelId: double.channels.status! }))).toMatchObject({ code: expect.stringMatching(/PRECONDITION_FAILED|NOT_FOUND|BAD_REQUEST/) });
  });
});

describe("the channel picker", () => {
  beforeEach(() => double.addBotToGuild());

  it("lists the server's text channels the bot can post in", async () => {
    const listed = await discord.listChannels(getEnv(), inStatusChannel());
    expect(listed).toEqual([
      { id: double.channels.general, name: "general" },
      { id: double.channels.status, name: "status" },
    ]);
    double.setChannelSendable(double.channels.general!, false);
    try {
      expect((await discord.listChannels(getEnv(), inStatusChannel())).map((c) => c.name)).toEqual(["status"]);
    } finally {
      double.setChannelSendable(double.channels.general!, true);
    }
  });

  it("asks the user to add the bot to a server when there is none, and says so when the bot was removed", async () => {
    const none = await failure(discord.listChannels(getEnv(), session({})));
    expect(none).toBeInstanceOf(AppError);
    expect(none.message).toMatch(/add it to/);
    double.removeBotFromGuild();
    const removed = await failure(discord.listChannels(getEnv(), inStatusChannel()));
    expect(removed).toMatchObject({ kind: "forbidden" });
    expect(removed.message).toBe('DevPulse\'s bot is no longer in the Discord server "DevPulse Team". Add it again: reconnect Discord and choose that server.');
  });
});

describe("the team status message", () => {
  beforeEach(() => double.addBotToGuild());

  it("posts one message, edits it in place, reads it back, and deletes it when cleared", async () => {
    const channel = double.channels.status!;
    const before = double.messages(channel).length;
    const status = focus();
    const first = await discord.writeStatus(getEnv(), inStatusChannel(), status, { displayName: "Ana Lima" });
    expect(first).toMatchObject({ guildId: double.guild.id, channelId: channel, messageId: expect.any(String) });
    const ours = double.messages(channel).at(-1)!;
    expect(ours).toMatchObject({ id: first.messageId, author: { id: double.bot.id }, content: `🎯 Ana Lima — In focus mode until <t:${status.expiresAt.getTime() / 1000}:t>` });
    expect(await discord.readStatus(getEnv(), inStatusChannel(first))).toEqual(status);

    const second = await discord.writeStatus(getEnv(), inStatusChannel(first), { emoji: "💻", text: "Coding · devpulse", expiresAt: null }, { displayName: "Ana Lima" });
    expect(second.messageId).toBe(first.messageId);
    expect(double.messages(channel)).toHaveLength(before + 1);
    expect(double.messages(channel).at(-1)!.content).toBe("💻 Ana Lima — Coding · devpulse");
    expect(double.messageEvents(channel).filter((e) => e.messageId === first.messageId).map((e) => e.action)).toEqual(["create", "edit"]);
    expect(await discord.readStatus(getEnv(), inStatusChannel(second))).toEqual({ emoji: "💻", text: "Coding · devpulse", expiresAt: null });

    const cleared = await discord.writeStatus(getEnv(), inStatusChannel(second), null, { displayName: "Ana Lima" });
    expect(cleared).toEqual({ guildId: double.guild.id, guildName: double.guild.name, channelId: channel });
    expect(double.messages(channel)).toHaveLength(before);
    expect(await discord.readStatus(getEnv(), inStatusChannel(cleared))).toBeNull();
    // Clearing again, or a message already gone: nothing to do, no error.
    expect(await discord.writeStatus(getEnv(), inStatusChannel(second), null, { displayName: "Ana Lima" })).toEqual(cleared);
  });

  it("posts again when someone deleted the message by hand", async () => {
    const channel = double.channels.status!;
    const first = await discord.writeStatus(getEnv(), inStatusChannel(), focus(), { displayName: "Ana Lima" });
    double.deleteByHand(channel, first.messageId!);
    expect(await discord.readStatus(getEnv(), inStatusChannel(first))).toBeNull();
    const again = await discord.writeStatus(getEnv(), inStatusChannel(first), focus(), { displayName: "Ana Lima" });
    expect(again.messageId).not.toBe(first.messageId);
    expect(double.messages(channel).filter((m) => m.author.id === double.bot.id).map((m) => m.id)).toContain(again.messageId);
    await discord.writeStatus(getEnv(), inStatusChannel(again), null, { displayName: "Ana Lima" });
  });

  it("never pings anyone, whatever the status says", async () => {
    const channel = double.channels.general!;
    const text = `@everyone standup with <@${DISCORD_DOUBLE_DEFAULTS.users[1].id}>`;
    // The double pings by default, as Discord does:
    expect(double.postByHand(channel, text)).toMatchObject({ mention_everyone: true, mentions: [{ id: DISCORD_DOUBLE_DEFAULTS.users[1].id }] });
    const written = await discord.writeStatus(getEnv(), session({ guildId: double.guild.id, channelId: channel }), { emoji: "📅", text, expiresAt: null }, { displayName: "@here Ana" });
    const ours = double.messages(channel).find((m) => m.id === written.messageId)!;
    expect(ours.content).toContain("@everyone");
    expect(ours).toMatchObject({ mention_everyone: false, mentions: [] });
    await discord.writeStatus(getEnv(), session({ guildId: double.guild.id, channelId: channel, messageId: written.messageId }), { emoji: "📅", text: `${text} (edited)`, expiresAt: null }, { displayName: "Ana" });
    expect(double.messages(channel).find((m) => m.id === written.messageId)).toMatchObject({ mention_everyone: false, mentions: [] });
    await discord.writeStatus(getEnv(), session({ channelId: channel, messageId: written.messageId }), null, { displayName: "Ana" });
  });

  it("without a channel: asks to pick one; clearing is a no-op", async () => {
    const none = await failure(discord.writeStatus(getEnv(), session({ guildId: double.guild.id }), focus(), { displayName: "Ana" }));
    expect(none).toBeInstanceOf(AppError);
    expect(none.message).toMatch(/Pick a Discord channel/);
    expect(await discord.writeStatus(getEnv(), session({ guildId: double.guild.id }), null, { displayName: "Ana" })).toEqual({ guildId: double.guild.id });
    expect(double.requests).toHaveLength(0);
  });
});

describe("Discord's refusals", () => {
  beforeEach(() => double.addBotToGuild());

  it("a channel where the bot may not post: forbidden, telling the user what to give it", async () => {
    const error = await failure(discord.writeStatus(getEnv(), inStatusChannel({ channelId: double.channels.announcements! }), focus(), { displayName: "Ana" }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "forbidden" });
    expect(error.message).toMatch(/give the bot View Channel and Send Messages/);
  });

  it("the bot removed from the server: a clear error", async () => {
    const written = await discord.writeStatus(getEnv(), inStatusChannel(), focus(), { displayName: "Ana" });
    double.removeBotFromGuild();
    for (const attempt of [
      discord.writeStatus(getEnv(), inStatusChannel(written), focus(), { displayName: "Ana" }),
      discord.writeStatus(getEnv(), inStatusChannel(), focus(), { displayName: "Ana" }),
      discord.readStatus(getEnv(), inStatusChannel(written)),
    ]) {
      const error = await failure(attempt);
      expect(error).toMatchObject({ kind: "forbidden", message: expect.stringContaining('no longer in the Discord server "DevPulse Team"') });
    }
    double.addBotToGuild();
    await discord.writeStatus(getEnv(), inStatusChannel(written), null, { displayName: "Ana" });
  });

  it("a 429 is rate_limited with retryAt from retry_after, without waiting inside the call", async () => {
    const channel = double.channels.status!;
    double.rateLimitNext(`/channels/${channel}/messages`, 3, { method: "POST" });
    const started = Date.now();
    const error = await failure(discord.writeStatus(getEnv(), inStatusChannel(), focus(), { displayName: "Ana" }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "rate_limited" });
    const retryAt = (error as ProviderError).retryAt!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(started + 3000);
    expect(retryAt).toBeLessThan(Date.now() + 4000);
    expect(double.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([429]);
    expect(circuitState("discord").failures).toBe(0);
  });

  it("5xx and network failures are retried by the client, then unavailable (counted by the circuit breaker)", async () => {
    const channel = double.channels.status!;
    double.failNext({ path: `/channels/${channel}/messages`, method: "POST", status: 502, times: 4 });
    expect(await failure(discord.writeStatus(getEnv(), inStatusChannel(), focus(), { displayName: "Ana" }))).toMatchObject({ kind: "unavailable" });
    expect(double.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([502, 502, 502, 502]);
    expect(circuitState("discord").failures).toBe(1);

    const unreachable = { ...getEnv(), DISCORD_API_URL: "http://127.0.0.1:9/api" };
    expect(await failure(discord.writeStatus(unreachable, inStatusChannel(), focus(), { displayName: "Ana" }))).toMatchObject({ kind: "unavailable", message: expect.stringContaining("could not be reached") });
  });

  it("a refused bot token is unauthorized, and no token shows in any message", async () => {
    const wrong = { ...getEnv(), DISCORD_BOT_TOKEN: "MTMx.wrong-bot-token-never-shown" };
    const error = await failure(discord.writeStatus(wrong, inStatusChannel(), focus(), { displayName: "Ana" }));
    expect(error).toMatchObject({ kind: "unauthorized", message: expect.stringContaining("DISCORD_BOT_TOKEN") });
    expect(`${error.message} ${error.stack}`).not.toContain("wrong-bot-token");
    const unknown = await failure(discord.writeStatus(getEnv(), inStatusChannel({ channelId: "1310000000000009999" }), focus(), { displayName: "Ana" }));
    expect(unknown).toMatchObject({ kind: "not_found", message: expect.stringContaining("Pick another channel") });
    expect(unknown.message).not.toContain(double.botToken);
  });

  it("Do Not Disturb is not Discord's: a no-op", async () => {
    await discord.setDoNotDisturb(getEnv(), inStatusChannel(), new Date(Date.now() + 60_000));
    expect(double.requests).toHaveLength(0);
  });
});

describe("connecting Discord through the routes", () => {
  // Its first call through the routes loads their modules: under the two Vitest passes at once, more than the default 20 s.
  it("connects: the integration row is connected and the chat target keeps the server", { timeout: 60_000 }, async () => {
    double.removeBotFromGuild();
    const { user } = await signedUpUser("discord-connect");
    const connected = await connectThroughProvider(user, "discord");
    expect(connected.authorizationUrl.origin + connected.authorizationUrl.pathname).toBe(`${double.url}/oauth2/authorize`);
    expect(connected.authorizationUrl.searchParams.get("scope")).toBe("identify bot");
    expect(connected.authorizationUrl.searchParams.get("permissions")).toBe("3072");
    expect(connected.status).toBe(303);
    expect(Object.fromEntries(connected.callback.searchParams)).toEqual({ connected: "discord", account: ANA.username });
    expect(double.botInGuild()).toBe(true);
    const db = await getDb();
    const [row] = await db.select().from(integrations).where(and(eq(integrations.userId, user.id), eq(integrations.provider, "discord")));
    expect(row).toMatchObject({ status: "connected", accountId: ANA.id, accountLogin: ANA.username, accountName: ANA.globalName });
    const [target] = await db.select().from(chatStatusTargets).where(eq(chatStatusTargets.integrationId, row!.id));
    expect(target?.state).toMatchObject({ guildId: double.guild.id, guildName: "DevPulse Team" });
  });
});
