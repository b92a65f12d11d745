import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { ProviderError } from "~/server/integrations/resilience";
import { slackError } from "~/server/integrations/slack/api";

// The SDK's own error classes, as @slack/web-api rejects with them, into the ProviderError kinds the jobs act on.
const NOW = Date.UTC(2026, 11, 5, 14, 0, 0);
const platform = (error: string, extra: Record<string, unknown> = {}) => new WebAPIPlatformError({ ok: false, error, ...extra });

describe("slackError", () => {
  it("a 429 is rate_limited until now + Retry-After", () => {
    expect(slackError(new WebAPIRateLimitedError(7), NOW)).toMatchObject({ provider: "slack", kind: "rate_limited", retryAt: new Date(NOW + 7000) });
    expect(slackError(platform("ratelimited", { response_metadata: { retryAfter: 30 } }), NOW)).toMatchObject({ kind: "rate_limited", retryAt: new Date(NOW + 30_000) });
    expect(slackError(new Error("Retry header did not contain a valid timeout (url: x)"), NOW)).toMatchObject({ kind: "rate_limited", retryAt: new Date(NOW + 60_000) });
  });

  it("a refused token is unauthorized, with a message to reconnect", () => {
    for (const code of ["invalid_auth", "token_revoked", "not_authed", "account_inactive", "token_expired"]) {
      expect(slackError(platform(code), NOW)).toMatchObject({ kind: "unauthorized", message: `Slack no longer accepts the saved authorization (${code}). Reconnect Slack to continue.` });
    }
  });

  it("a missing scope is forbidden; other refusals are bad responses naming Slack's code", () => {
    expect(slackError(platform("missing_scope", { needed: "dnd:write", provided: "dnd:read" }), NOW)).toMatchObject({ kind: "forbidden", message: expect.stringContaining("dnd:write") });
    expect(slackError(platform("profile_status_set_failed_not_emoji_syntax"), NOW)).toMatchObject({ kind: "bad_response", message: "Slack refused the request (profile_status_set_failed_not_emoji_syntax)." });
  });

  it("5xx, Slack's own internal errors and network failures are unavailable (they count against the circuit)", () => {
    expect(slackError(new WebAPIHTTPError(503, "Service Unavailable", {}, "<html>"), NOW)).toMatchObject({ kind: "unavailable", message: "Slack answered 503; it may be having an outage." });
    expect(slackError(platform("internal_error"), NOW)).toMatchObject({ kind: "unavailable" });
    expect(slackError(new WebAPIRequestError(new TypeError("fetch failed")), NOW)).toMatchObject({ kind: "unavailable", message: "Slack could not be reached." });
    const timeout = Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
    expect(slackError(new WebAPIRequestError(timeout), NOW)).toMatchObject({ kind: "unavailable", message: "Slack did not answer in time." });
    expect(slackError(new WebAPIHTTPError(401, "Unauthorized", {}), NOW)).toMatchObject({ kind: "unauthorized" });
  });

  it("a ProviderError passes through unchanged", () => {
    const error = new ProviderError("slack", "forbidden", "x");
    expect(slackError(error)).toBe(error);
  });
});
