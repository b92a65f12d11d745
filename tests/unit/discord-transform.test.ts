import { describe, expect, it } from "vitest";
import { parseStatusLine, statusLine } from "~/server/integrations/discord/transform";

// The team status message: one line per person, and back (what readStatus returns).
const now = new Date("2026-12-05T14:00:00.000Z");
const at = (iso: string) => new Date(iso);

describe("the Discord status line", () => {
  it("names the person, shows the emoji and text, and the end as Discord timestamp markup", () => {
    const line = statusLine({ emoji: "🎯", text: "In focus mode", expiresAt: at("2026-12-05T15:30:00.000Z") }, "Ana Lima", now);
    expect(line).toBe(`🎯 Ana Lima — In focus mode until <t:${Date.parse("2026-12-05T15:30:00Z") / 1000}:t>`);
    expect(statusLine({ emoji: "💻", text: "Coding · devpulse", expiresAt: null }, "Ana Lima", now)).toBe("💻 Ana Lima — Coding · devpulse");
  });

  it("shows the date when the end is more than a day away, and works without an emoji", () => {
    const line = statusLine({ emoji: "", text: "Away", expiresAt: at("2026-12-07T09:00:00.000Z") }, "Bruno", now);
    expect(line).toBe(`Bruno — Away until <t:${Date.parse("2026-12-07T09:00:00Z") / 1000}:f>`);
  });

  it("keeps a status to one bounded line and escapes Markdown", () => {
    const line = statusLine({ emoji: "🐛", text: "Fixing **prod**\n# now", expiresAt: null }, "  Ana\n— the_dev ", now);
    expect(line).toBe("🐛 Ana – the\\_dev — Fixing \\*\\*prod\\*\\* \\# now");
    const long = statusLine({ emoji: "💻", text: "x".repeat(500), expiresAt: null }, "n".repeat(100), now);
    expect(long.length).toBeLessThan(300);
    expect(long).toContain("…");
    expect(statusLine({ emoji: "<:devpulse:131000000000000999>", text: "Coding", expiresAt: null }, "Ana", now)).toBe("<:devpulse:131000000000000999> Ana — Coding");
  });

  it("reads back what it wrote: emoji, text and the end to the second", () => {
    const expiresAt = at("2026-12-05T15:30:42.000Z");
    for (const status of [
      { emoji: "🎯", text: "In focus mode", expiresAt },
      { emoji: "", text: "Away — back soon", expiresAt: null },
      { emoji: "🐛", text: "Fixing **prod**", expiresAt },
      { emoji: "🇧🇷", text: "Coding · devpulse", expiresAt: null },
    ]) {
      expect(parseStatusLine(statusLine(status, "Ana — Lima", now))).toEqual(status);
    }
    expect(parseStatusLine(statusLine({ emoji: "🎯", text: "x", expiresAt: at("2026-12-05T15:30:42.900Z") }, "Ana", now))!.expiresAt).toEqual(expiresAt);
  });

  it("reads a message that is not in our format as plain text, and an empty one as none", () => {
    expect(parseStatusLine("hello team")).toEqual({ emoji: "", text: "hello team", expiresAt: null });
    expect(parseStatusLine("  ")).toBeNull();
  });
});
