import { type APIChannel, type APIGuild, type APIMessage, type APIUser, DiscordAPIError, RateLimitError, type RateLimitData, REST, type RESTPostOAuth2AccessTokenResult, Routes } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DISCORD_DOUBLE_DEFAULTS, type DiscordDouble, startDiscordDouble } from "../doubles/discord/server";

/**
 * The Discord double is only useful if discord.js's REST client (@discordjs/rest) can drive
 * it: these tests run it (`api` pointed at the double, API v10) through OAuth2 with the bot
 * scope, the channel picker, the bot's status message, errors and rate limits.
 */
const CALLBACK = DISCORD_DOUBLE_DEFAULTS.redirectUris[0];
const ANA = DISCORD_DOUBLE_DEFAULTS.users[0].id;
let double: DiscordDouble;

const botRest = () => new REST({ version: "10", api: double.apiUrl, retries: 1, timeout: 5000 }).setToken(double.botToken);
const bearerRest = (token: string) => new REST({ version: "10", api: double.apiUrl, authPrefix: "Bearer", retries: 1 }).setToken(token);
const form = (values: Record<string, string>) => ({
  auth: false,
  passThroughBody: true,
  body: new URLSearchParams(values),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});
const apiError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  const { status, code, message } = error as DiscordAPIError;
  return { status, code, message };
};

beforeAll(async () => {
  double = await startDiscordDouble();
});
afterAll(() => double.close());
afterEach(() => double.reset());

describe("Discord double: OAuth2 with the bot scope", () => {
  it("consent adds the bot to the server; the code exchange, /users/@me, refresh and revoke work through REST", async () => {
    expect(double.botInGuild()).toBe(false);
    const authorize = new URL(`${double.url}/oauth2/authorize`);
    const query = { client_id: double.oauth.clientId, response_type: "code", redirect_uri: CALLBACK, scope: "identify bot", permissions: "3072", state: "st-1" };
    for (const [key, value] of Object.entries(query)) authorize.searchParams.set(key, value);
    const consent = await fetch(authorize);
    const page = await consent.text();
    expect(page).toContain("Add a bot to DevPulse Team");
    const requestId = /name="authorization_request" value="([^"]+)"/.exec(page)![1]!;
    const back = await fetch(`${double.url}/oauth2/authorize`, { method: "POST", redirect: "manual", body: new URLSearchParams({ authorization_request: requestId, decision: "approve" }) });
    const location = new URL(back.headers.get("location")!);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ state: "st-1", guild_id: double.guild.id, permissions: "3072" });
    expect(double.botInGuild()).toBe(true);

    const credentials = { client_id: double.oauth.clientId, client_secret: double.oauth.clientSecret };
    const rest = new REST({ version: "10", api: double.apiUrl });
    const exchange = { ...credentials, grant_type: "authorization_code", code: location.searchParams.get("code")!, redirect_uri: CALLBACK };
    const tokens = (await rest.post(Routes.oauth2TokenExchange(), form(exchange))) as RESTPostOAuth2AccessTokenResult & { guild?: { id: string } };
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 604_800, scope: "identify bot", guild: { id: double.guild.id } });
    expect(await apiError(rest.post(Routes.oauth2TokenExchange(), form(exchange)))).toMatchObject({ status: 400 });

    const me = (await bearerRest(tokens.access_token).get(Routes.user())) as APIUser;
    expect(me).toMatchObject({ id: ANA, username: "ana.lima", global_name: "Ana Lima" });

    const refreshed = (await rest.post(Routes.oauth2TokenExchange(), form({ ...credentials, grant_type: "refresh_token", refresh_token: tokens.refresh_token }))) as RESTPostOAuth2AccessTokenResult;
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(await apiError(bearerRest(tokens.access_token).get(Routes.user()))).toMatchObject({ status: 401, code: 0, message: "401: Unauthorized" });

    await rest.post(Routes.oauth2TokenRevocation(), form({ ...credentials, token: refreshed.access_token, token_type_hint: "access_token" }));
    expect(await apiError(bearerRest(refreshed.access_token).get(Routes.user()))).toMatchObject({ status: 401 });
  });

  it("cancel redirects with access_denied; an unregistered redirect_uri gets an error page", async () => {
    double.denyNext();
    const denied = await fetch(`${double.url}/oauth2/authorize?client_id=${double.oauth.clientId}&response_type=code&scope=identify&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s`, { redirect: "manual" });
    expect(new URL(denied.headers.get("location")!).searchParams.get("error")).toBe("access_denied");
    const elsewhere = await fetch(`${double.url}/oauth2/authorize?client_id=${double.oauth.clientId}&response_type=code&scope=identify&redirect_uri=https://evil.test/cb`);
    expect(elsewhere.status).toBe(400);
  });
});

describe("Discord double: the bot through REST", () => {
  beforeAll(() => double.addBotToGuild());

  it("lists the bot's servers and their channels for the picker", async () => {
    const guilds = (await botRest().get(Routes.userGuilds())) as APIGuild[];
    expect(guilds.map((g) => g.name)).toEqual(["DevPulse Team"]);
    const channels = (await botRest().get(Routes.guildChannels(double.guild.id))) as APIChannel[];
    expect(channels.filter((c) => c.type === 0).map((c) => c.name)).toEqual(["general", "status", "announcements"]);
    expect(((await botRest().get(Routes.user())) as APIUser).bot).toBe(true);
  });

  it("creates, edits and deletes the status message; the channel shows each step", async () => {
    const channel = double.channels.status!;
    const rest = botRest();
    const created = (await rest.post(Routes.channelMessages(channel), { body: { content: "🎯 Ana — In focus mode until 15:30", allowed_mentions: { parse: [] } } })) as APIMessage;
    expect(created).toMatchObject({ channel_id: channel, author: { id: double.bot.id, bot: true }, content: "🎯 Ana — In focus mode until 15:30", edited_timestamp: null });
    expect(double.messages(channel).map((m) => m.content)).toEqual(["🎯 Ana — In focus mode until 15:30"]);

    const edited = (await rest.patch(Routes.channelMessage(channel, created.id), { body: { content: "💻 Ana — Coding" } })) as APIMessage;
    expect(edited.edited_timestamp).not.toBeNull();
    expect(double.messages(channel)[0]!.content).toBe("💻 Ana — Coding");
    await rest.delete(Routes.channelMessage(channel, created.id));
    expect(double.requests.at(-1)).toMatchObject({ method: "DELETE", status: 204 });
    expect(double.messages(channel)).toEqual([]);
    expect(double.messageEvents(channel).map((e) => e.action)).toEqual(["create", "edit", "delete"]);
    expect(await apiError(rest.patch(Routes.channelMessage(channel, created.id), { body: { content: "x" } }))).toMatchObject({ status: 404, code: 10008, message: "Unknown Message" });
  });

  it("answers Discord's errors: bad bot token, no permission, kicked bot, someone else's message", async () => {
    const bad = new REST({ version: "10", api: double.apiUrl, retries: 0 }).setToken("not-the-bot");
    expect(await apiError(bad.post(Routes.channelMessages(double.channels.status!), { body: { content: "hi" } }))).toMatchObject({ status: 401, code: 0, message: "401: Unauthorized" });
    expect(await apiError(botRest().post(Routes.channelMessages(double.channels.announcements!), { body: { content: "hi" } }))).toMatchObject({ status: 403, code: 50013 });
    expect(await apiError(botRest().post(Routes.channelMessages(double.channels.status!), { body: { content: " " } }))).toMatchObject({ status: 400, code: 50006 });
    const theirs = double.postByHand(double.channels.general!, "good morning");
    expect(await apiError(botRest().patch(Routes.channelMessage(double.channels.general!, theirs.id), { body: { content: "x" } }))).toMatchObject({ status: 403, code: 50005 });
    double.removeBotFromGuild();
    try {
      expect(await apiError(botRest().post(Routes.channelMessages(double.channels.status!), { body: { content: "hi" } }))).toMatchObject({ status: 403, code: 50001, message: "Missing Access" });
    } finally {
      double.addBotToGuild();
    }
  });

  it("a 429 with retry_after is waited out by @discordjs/rest", async () => {
    const channel = double.channels.general!;
    // rejectOnRateLimit is called on every 429: returning false lets the client wait and retry.
    const limits: RateLimitData[] = [];
    const rest = new REST({ version: "10", api: double.apiUrl, retries: 1, rejectOnRateLimit: (data) => (limits.push(data), false) }).setToken(double.botToken);
    double.rateLimitNext(`/channels/${channel}/messages`, 1, { method: "POST" });
    const started = Date.now();
    const message = (await rest.post(Routes.channelMessages(channel), { body: { content: "after the wait" } })) as APIMessage;
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(message.content).toBe("after the wait");
    expect(double.requests.filter((r) => r.path === `/api/v10/channels/${channel}/messages`).map((r) => r.status)).toEqual([429, 200]);
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({ global: false, method: "POST", scope: "user" });
    expect(limits[0]!.retryAfter).toBeGreaterThanOrEqual(1000);

    // A job that owns the wait: the client throws RateLimitError at once instead of sleeping.
    const owner = new REST({ version: "10", api: double.apiUrl, rejectOnRateLimit: () => true }).setToken(double.botToken);
    double.rateLimitNext(`/channels/${channel}/messages`, 3, { method: "POST" });
    const error = await owner.post(Routes.channelMessages(channel), { body: { content: "x" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBeGreaterThanOrEqual(3000);
  });

  it("X-RateLimit headers make the client queue a burst instead of hitting 429", async () => {
    double.setMessageRateLimit({ limit: 2, windowMs: 600 });
    try {
      const channel = double.channels.status!;
      const rest = botRest();
      const started = Date.now();
      const sent = await Promise.all([1, 2, 3, 4].map((n) => rest.post(Routes.channelMessages(channel), { body: { content: `burst ${n}` } }) as Promise<APIMessage>));
      expect(sent.map((m) => m.content)).toEqual(["burst 1", "burst 2", "burst 3", "burst 4"]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      const posts = double.requests.filter((r) => r.method === "POST" && r.path === `/api/v10/channels/${channel}/messages`);
      expect(posts.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // Raw answers on another channel's bucket: 2 allowed, then 429 with Discord's body and headers.
      const post = () =>
        fetch(`${double.apiUrl}/v10/channels/${double.channels.general}/messages`, { method: "POST", headers: { authorization: `Bot ${double.botToken}`, "content-type": "application/json" }, body: JSON.stringify({ content: "raw" }) });
      const first = await post();
      expect([first.headers.get("x-ratelimit-limit"), first.headers.get("x-ratelimit-remaining")]).toEqual(["2", "1"]);
      expect(first.headers.get("x-ratelimit-bucket")).toMatch(/^[0-9a-f]{32}$/);
      expect(Number(first.headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(0);
      expect((await post()).headers.get("x-ratelimit-remaining")).toBe("0");
      const over = await post();
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ message: "You are being rate limited.", global: false });
      expect(over.headers.get("retry-after")).toBe("1");
      expect(over.headers.get("x-ratelimit-scope")).toBe("user");
    } finally {
      double.setMessageRateLimit({ limit: 5, windowMs: 5000 });
    }
  });
});
