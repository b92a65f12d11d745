import { describe, expect, it } from "vitest";
import { DISCORD_PERMISSIONS } from "~/server/integrations/discord/facts";
import { channelPermissions, postableTextChannels } from "~/server/integrations/discord/permissions";

// Discord's permission algorithm: base (roles), then @everyone, role and member overwrites.
const VIEW = DISCORD_PERMISSIONS.viewChannel;
const SEND = DISCORD_PERMISSIONS.sendMessages;
const both = (VIEW | SEND).toString();
const guild = { id: "100", owner_id: "1", roles: [{ id: "100", permissions: "0" }, { id: "200", permissions: both }, { id: "300", permissions: DISCORD_PERMISSIONS.administrator.toString() }] };
const bot = { userId: "9", roles: ["200"] };
const text = (id: string, overwrites: { id: string; type: number; allow?: string; deny?: string }[] = [], position = 0) => ({
  id,
  name: `c${id}`,
  type: 0,
  position,
  permission_overwrites: overwrites.map((o) => ({ allow: "0", deny: "0", ...o })),
});

describe("Discord channel permissions", () => {
  it("applies @everyone, then role, then member overwrites, denying before allowing", () => {
    expect(channelPermissions(guild, bot, text("1")) & SEND).toBe(SEND);
    // A channel's @everyone deny wins over the role's server-wide permission, unless a role overwrite allows it again.
    expect(channelPermissions(guild, bot, text("2", [{ id: "100", type: 0, deny: SEND.toString() }])) & SEND).toBe(0n);
    expect(channelPermissions(guild, bot, text("2", [{ id: "100", type: 0, deny: SEND.toString() }, { id: "200", type: 0, allow: SEND.toString() }])) & SEND).toBe(SEND);
    expect(channelPermissions(guild, bot, text("3", [{ id: "200", type: 0, deny: SEND.toString() }])) & SEND).toBe(0n);
    expect(channelPermissions(guild, bot, text("4", [{ id: "200", type: 0, deny: SEND.toString() }, { id: "9", type: 1, allow: SEND.toString() }])) & SEND).toBe(SEND);
    expect(channelPermissions(guild, { userId: "9", roles: [] }, text("5", [{ id: "100", type: 0, allow: both }])) & SEND).toBe(SEND);
  });

  it("gives the owner and administrators everything", () => {
    const denied = text("6", [{ id: "200", type: 0, deny: both }]);
    expect(channelPermissions(guild, { userId: "1", roles: [] }, denied) & SEND).toBe(SEND);
    expect(channelPermissions(guild, { userId: "9", roles: ["200", "300"] }, denied) & SEND).toBe(SEND);
  });

  it("lists only text channels where the bot can see and send, in the server's order", () => {
    const channels = [
      text("20", [], 2),
      text("10", [], 1),
      text("30", [{ id: "200", type: 0, deny: VIEW.toString() }], 3),
      text("40", [{ id: "9", type: 1, deny: SEND.toString() }], 4),
      { id: "50", name: "voice", type: 2, position: 0, permission_overwrites: [] },
    ];
    expect(postableTextChannels(guild, bot, channels)).toEqual([
      { id: "10", name: "c10" },
      { id: "20", name: "c20" },
    ]);
  });
});
