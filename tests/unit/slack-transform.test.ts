import { describe, expect, it } from "vitest";
import { ProviderError } from "~/server/integrations/resilience";
import { snoozeMinutes, toAccount, toGrantedTokens, toProfile, toProfileStatus, toStatusContent } from "~/server/integrations/slack/transform";

// Slack's shapes → ours, on answers shaped like Slack's documented ones.
const NOW = Date.UTC(2026, 11, 5, 14, 0, 0);

describe("toGrantedTokens (oauth.v2.access)", () => {
  it("takes a code exchange's user token from authed_user, never the top-level bot token", () => {
    const answer = {
      ok: true,
      app_id: "A1",
      access_token: "xoxb-bot",
      token_type: "bot",
      scope: "chat:write",
      authed_user: { id: "U1", scope: "users.profile:read,dnd:write", access_token: "xoxp-user", token_type: "user" },
      team: { id: "T1", name: "Team" },
    };
    expect(toGrantedTokens(answer, NOW)).toEqual({ accessToken: "xoxp-user", refreshToken: null, expiresAt: null, scopes: ["users.profile:read", "dnd:write"] });
  });

  it("with rotation: the refresh token and the expiry from expires_in", () => {
    const answer = { ok: true, authed_user: { id: "U1", access_token: "xoxe.xoxp-1-a", refresh_token: "xoxe-1-r", expires_in: 43_200, scope: "dnd:read" } };
    expect(toGrantedTokens(answer, NOW)).toEqual({ accessToken: "xoxe.xoxp-1-a", refreshToken: "xoxe-1-r", expiresAt: new Date(NOW + 43_200_000), scopes: ["dnd:read"] });
  });

  it("a refresh answers a user token at the top level", () => {
    const answer = { ok: true, token_type: "user", access_token: "xoxe.xoxp-1-b", refresh_token: "xoxe-1-s", expires_in: 60, scope: "dnd:read,dnd:write", user_id: "U1" };
    expect(toGrantedTokens(answer, NOW)).toEqual({ accessToken: "xoxe.xoxp-1-b", refreshToken: "xoxe-1-s", expiresAt: new Date(NOW + 60_000), scopes: ["dnd:read", "dnd:write"] });
  });

  it("an answer with only a bot token (an app without user scopes) is a bad response naming the fix", () => {
    const error = (() => {
      try {
        toGrantedTokens({ ok: true, access_token: "xoxb-bot", token_type: "bot" });
      } catch (failure) {
        return failure;
      }
    })();
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "bad_response", message: expect.stringContaining("user token scopes") });
    expect((error as Error).message).not.toContain("xoxb-bot");
  });
});

describe("account and status", () => {
  const profile = toProfile({ ok: true, profile: { display_name: "ana", real_name: "Ana Lima", status_text: "Lunch", status_emoji: ":taco:", status_expiration: 0 } });

  it("names the account by display name, then handle, with the real name", () => {
    expect(toAccount({ ok: true, user_id: "U1", user: "ana.lima" }, profile)).toEqual({ accountId: "U1", login: "ana", displayName: "Ana Lima", emails: [] });
    expect(toAccount({ ok: true, user_id: "U1", user: "ana.lima" }, { display_name: "", real_name: "" })).toEqual({ accountId: "U1", login: "ana.lima", displayName: null, emails: [] });
    expect(() => toAccount({ ok: true }, profile)).toThrow(ProviderError);
  });

  it("reads the status, its expiration as a date, and none when empty or expired", () => {
    expect(toStatusContent(profile, NOW)).toEqual({ text: "Lunch", emoji: ":taco:", expiresAt: null });
    const later = NOW / 1000 + 600;
    expect(toStatusContent({ status_text: "Focus", status_emoji: ":dart:", status_expiration: later }, NOW)).toEqual({ text: "Focus", emoji: ":dart:", expiresAt: new Date(later * 1000) });
    expect(toStatusContent({ status_text: "Focus", status_emoji: ":dart:", status_expiration: NOW / 1000 - 1 }, NOW)).toBeNull();
    expect(toStatusContent({ status_text: "", status_emoji: "", status_expiration: 0 }, NOW)).toBeNull();
    expect(() => toProfile({ ok: true })).toThrow(ProviderError);
  });

  it("writes Unix seconds rounded up, 0 for none; null clears text and emoji", () => {
    expect(toProfileStatus({ text: "In focus mode", emoji: ":dart:", expiresAt: new Date(NOW + 1500) })).toEqual({ status_text: "In focus mode", status_emoji: ":dart:", status_expiration: NOW / 1000 + 2 });
    expect(toProfileStatus({ text: "Coding", emoji: ":computer::skin-tone-3:", expiresAt: null })).toEqual({ status_text: "Coding", status_emoji: ":computer::skin-tone-3:", status_expiration: 0 });
    expect(toProfileStatus(null)).toEqual({ status_text: "", status_emoji: "", status_expiration: 0 });
  });

  it("never sends a Unicode emoji or more than 100 UTF-16 units of text", () => {
    expect(toProfileStatus({ text: "Coding", emoji: "💻", expiresAt: null }).status_emoji).toBe(":speech_balloon:");
    expect(toProfileStatus({ text: "", emoji: "💻", expiresAt: null })).toEqual({ status_text: "", status_emoji: "", status_expiration: 0 });
    expect(toProfileStatus({ text: "x".repeat(120), emoji: ":dart:", expiresAt: null }).status_text).toBe("x".repeat(100));
    // 99 units of text, then a two-unit emoji that would not fit whole: cut before it.
    expect(toProfileStatus({ text: `${"x".repeat(99)}🎯!`, emoji: ":dart:", expiresAt: null }).status_text).toBe("x".repeat(99));
  });
});

describe("snoozeMinutes", () => {
  it("rounds up to whole minutes, at least one, and 0 once the time has passed", () => {
    expect(snoozeMinutes(new Date(NOW + 25 * 60_000), NOW)).toBe(25);
    expect(snoozeMinutes(new Date(NOW + 24 * 60_000 + 1), NOW)).toBe(25);
    expect(snoozeMinutes(new Date(NOW + 5_000), NOW)).toBe(1);
    expect(snoozeMinutes(new Date(NOW), NOW)).toBe(0);
    expect(snoozeMinutes(new Date(NOW - 60_000), NOW)).toBe(0);
  });
});
