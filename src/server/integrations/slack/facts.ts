import { STATUS_LIMITS } from "~/lib/status/templates";
import type { Env } from "../../env";

/**
 * What Slack is, as data: where it lives, what we ask for and why, and the limits
 * we design for (https://docs.slack.dev/reference/methods/users.profile.set,
 * https://docs.slack.dev/authentication/installing-with-oauth). Code elsewhere in
 * this folder only handles what differs from these facts.
 */
export const SLACK = {
  /** Relative to SLACK_BASE_URL (default https://slack.com). */
  authorizePath: "/oauth/v2/authorize",
  /** The Web API, relative to SLACK_BASE_URL; WebClient wants the trailing slash. */
  apiPath: "/api/",
  /** A user-token app: every scope goes in `user_scope`, comma separated; no bot token. */
  scopeParam: "user_scope",
  scopeSeparator: ",",
  pkce: true,
  scopes: [
    { scope: "users.profile:read", why: "Read your Slack status, so DevPulse never overwrites one you set yourself and can put it back afterwards." },
    { scope: "users.profile:write", why: "Set and clear your Slack status (text, emoji and when it expires) to show what you are working on." },
    { scope: "dnd:read", why: "See whether notifications are paused, so a focus session does not undo a pause of your own." },
    { scope: "dnd:write", why: "Pause Slack notifications (Do Not Disturb) during a focus session, and resume them when it ends." },
  ],
  limits: {
    /** users.profile.set: per user per minute (Tier-3-like, but per user); the status jobs space writes out. */
    profileWritesPerMinute: 10,
    statusTextMaxLength: STATUS_LIMITS.slackText,
    /** dnd.setSnooze takes whole minutes, at least one. */
    minSnoozeMinutes: 1,
    /** A 429 without a usable Retry-After is waited out this long. */
    defaultRetryAfterSeconds: 60,
  },
  /** Slack's emoji syntax for status_emoji: `:name:`, optionally with a skin tone. Unicode emoji are refused. */
  emojiSyntax: /^:[a-z0-9_+'-]+(::skin-tone-[2-6])?:$/,
  /** What Slack shows for a status text sent without an emoji. */
  defaultEmoji: ":speech_balloon:",
  /** Web API errors meaning the saved token is no good any more (reconnect). */
  refusedTokenErrors: ["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"],
  /** oauth.v2.access errors meaning this server's app credentials are wrong (the operator's problem, not the user's). */
  clientCredentialErrors: ["invalid_client_id", "bad_client_secret", "invalid_client"],
  /** Web API errors Slack gives when it is itself in trouble. */
  outageErrors: ["internal_error", "fatal_error", "service_unavailable", "request_timeout"],
} as const;

export const slackWebUrl = (env: Env) => env.SLACK_BASE_URL.replace(/\/+$/, "");
export const slackApiUrl = (env: Env) => `${slackWebUrl(env)}${SLACK.apiPath}`;
