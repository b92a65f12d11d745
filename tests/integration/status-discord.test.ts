import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { startDiscordDouble, type DiscordDouble } from "../doubles/discord/server";
import { startSlackDouble, type SlackDouble } from "../doubles/slack/server";
import { errorOf, signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, startIntegrationRoutes } from "../support/integrations";
import { settle, slackUser, useStatusTestTiming } from "./status-helpers";

// The team status message on Discord (the bot's own message, edited in place), and one
// status shown on Slack and Discord at once, through the real SDKs against both doubles.
let discord: DiscordDouble;
let slack: SlackDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
const SPACING_MS = 1_000;

beforeAll(async () => {
  [discord, slack, app] = await Promise.all([startDiscordDouble({ autoApprove: true }), startSlackDouble({ autoApprove: true }), startIntegrationRoutes()]);
  discord.addRedirectUri(`${app.url}/api/integrations/discord/callback`);
  slack.addRedirectUri(`${app.url}/api/integrations/slack/callback`);
  await getDb();
});
afterAll(() => Promise.all([discord.close(), slack.close(), app.close()]));
useStatusTestTiming(SPACING_MS);
afterEach(() => {
  discord.reset();
  slack.reset();
});
useEnv(() => ({
  APP_URL: app.url,
  ...discord.appEnv,
  ...slack.appEnv,
}));

const pause = () => new Promise((resolve) => setTimeout(resolve, SPACING_MS));

async function discordUser(label: string) {
  const account = await signedUpUser(label);
  await connectThroughProvider(account.user, "discord");
  return account;
}

/** This user's message in the channel (each user has their own, named after them). */
const messageOf = (channelId: string, name: string) => discord.messages(channelId).find((message) => message.content.includes(name));

describe("the Discord team status message", () => {
  it("shows nothing until a channel is picked; only channels the bot can post in can be picked", async () => {
    const { caller } = await discordUser("Dora");
    const channels = await caller.status.discord.channels();
    expect(channels.map((channel) => channel.name).sort()).toEqual(["general", "status"]);
    expect(await errorOf(() => caller.status.discord.chooseChannel({ channelId: discord.channels.announcements! }))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("cannot post in that channel") });
    expect(await errorOf(() => caller.status.discord.chooseChannel({ channelId: "123456789012345678" }))).toMatchObject({ code: "BAD_REQUEST" });

    await caller.status.set({ template: "coding" });
    await settle();
    expect(discord.messageEvents().filter((event) => event.action === "create")).toEqual([]);
    const current = await caller.status.current();
    expect(current.providers).toEqual([expect.objectContaining({ provider: "discord", channel: null, capabilities: { userStatus: false, doNotDisturb: false, channelMessage: true } })]);
    // Discord's own status is the desktop app's to set, over RPC.
    expect(current.discordPresence).toMatchObject({ details: "💻 Coding", instance: false });
  });

  it("posts one message per user in the picked channel, edits it in place, deletes it on clear, and posts it again when a moderator deleted it", async () => {
    const { caller } = await discordUser("Edgar");
    const status = discord.channels.status!;
    expect(await caller.status.discord.chooseChannel({ channelId: status })).toEqual({ id: status, name: "status" });
    await caller.status.set({ template: "focus", durationMinutes: 25 });
    await settle();
    const posted = messageOf(status, "Edgar")!;
    expect(posted.content).toMatch(/^🎯 Edgar — In focus mode until <t:\d+:t>$/);
    expect((await caller.status.current()).providers[0]).toMatchObject({ channel: { id: status, name: "status" }, shown: expect.objectContaining({ text: "In focus mode", emoji: "🎯" }) });

    await pause();
    await caller.status.set({ template: "debugging" });
    await settle();
    expect(messageOf(status, "Edgar")).toMatchObject({ id: posted.id, content: "🐛 Edgar — Debugging" });
    expect(discord.messageEvents(status).filter((event) => event.messageId === posted.id).map((event) => event.action)).toEqual(["create", "edit"]);

    discord.deleteByHand(status, posted.id);
    await pause();
    await caller.status.set({ template: "coding" });
    await settle();
    const again = messageOf(status, "Edgar")!;
    expect(again.id).not.toBe(posted.id);
    expect(again.content).toBe("💻 Edgar — Coding");

    await pause();
    await caller.status.clear();
    await settle();
    expect(messageOf(status, "Edgar")).toBeUndefined();
  });

  it("moving to another channel takes the message along; disconnecting deletes it", async () => {
    const { caller } = await discordUser("Fiona");
    await caller.status.discord.chooseChannel({ channelId: discord.channels.status! });
    await caller.status.set({ template: "meeting" });
    await settle();
    expect(messageOf(discord.channels.status!, "Fiona")?.content).toBe("📅 Fiona — In a meeting");
    await pause();
    await caller.status.discord.chooseChannel({ channelId: discord.channels.general! });
    await settle();
    expect(messageOf(discord.channels.status!, "Fiona")).toBeUndefined();
    expect(messageOf(discord.channels.general!, "Fiona")?.content).toBe("📅 Fiona — In a meeting");

    await caller.integrations.disconnect({ provider: "discord" });
    expect(messageOf(discord.channels.general!, "Fiona")).toBeUndefined();
    expect((await caller.status.current()).providers).toEqual([]);
  });
});

describe("Slack and Discord together", () => {
  it("status.set and status.clear take effect on every connected chat provider", async () => {
    const { user, caller, slackId } = await slackUser(slack, "Gus");
    await connectThroughProvider(user, "discord");
    await caller.status.discord.chooseChannel({ channelId: discord.channels.status! });
    await caller.status.set({ template: "debugging" });
    await settle();
    expect(slack.status(slackId)).toMatchObject({ status_text: "Debugging", status_emoji: ":bug:" });
    expect(messageOf(discord.channels.status!, "Gus")?.content).toBe("🐛 Gus — Debugging");
    expect((await caller.status.current()).providers.map((provider) => provider.provider)).toEqual(["slack", "discord"]);

    await pause();
    await caller.status.clear();
    await settle();
    expect(slack.status(slackId).status_text).toBe("");
    expect(messageOf(discord.channels.status!, "Gus")).toBeUndefined();
  });
});
