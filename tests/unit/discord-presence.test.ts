import { describe, expect, it } from "vitest";
import { discordPresenceFor, PRESENCE_TEXT } from "~/lib/status/presence";

// The Rich Presence payload the desktop app applies over Discord RPC (status.current().discordPresence).
const changedAt = new Date("2026-12-05T14:00:00.000Z");
const expiresAt = new Date("2026-12-05T14:25:00.000Z");
const focus = { text: "In focus mode", discordEmoji: "🎯", projectContext: null, activity: "focus", expiresAt, changedAt };

describe("discordPresenceFor", () => {
  it("shows emoji and text, counts down to the end, and is never an instance", () => {
    expect(discordPresenceFor(focus)).toEqual({ details: "🎯 In focus mode", timestamps: { start: changedAt.getTime(), end: expiresAt.getTime() }, instance: false });
  });

  it("puts the shared project on the second line, without repeating it in the first", () => {
    const coding = { ...focus, text: "Coding · devpulse", discordEmoji: "💻", projectContext: "devpulse", activity: "coding", expiresAt: null };
    expect(discordPresenceFor(coding)).toEqual({ details: "💻 Coding", state: "devpulse", timestamps: { start: changedAt.getTime() }, instance: false });
    expect(discordPresenceFor({ ...coding, text: "Coding" })).toMatchObject({ details: "💻 Coding", state: "devpulse" });
  });

  it("clears with null", () => {
    expect(discordPresenceFor(null)).toBeNull();
  });

  it("keeps every string within Discord's 2 to 128 characters", () => {
    const long = discordPresenceFor({ ...focus, discordEmoji: "", text: "🎯".repeat(100), projectContext: "p".repeat(200) })!;
    expect(long.details.length).toBeLessThanOrEqual(PRESENCE_TEXT.max);
    expect(long.details.endsWith("…")).toBe(true);
    expect(long.details).not.toMatch(/[\uD800-\uDBFF]…$/); // no half an emoji
    expect(long.state!.length).toBeLessThanOrEqual(PRESENCE_TEXT.max);
    const short = discordPresenceFor({ ...focus, discordEmoji: "", text: "x", projectContext: "y" })!;
    expect(short.details.length).toBe(2);
    expect(short.state!.length).toBe(2);
  });
});
