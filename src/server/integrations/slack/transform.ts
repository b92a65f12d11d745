import { z } from "zod";
import type { GrantedTokens } from "../oauth";
import type { ChatStatusContent, ConnectedAccount } from "../provider";
import { ProviderError } from "../resilience";
import { SLACK } from "./facts";

/** Slack Web API shapes → ours, and ours → Slack's. Only the fields we use; Slack sends many more. */

const ZUserToken = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

/**
 * oauth.v2.access: a user-token app finds its token under `authed_user` after a code
 * exchange; a refresh of a rotating user token answers at the top level with
 * `token_type: "user"`. A top-level bot token is never taken for the user's.
 */
const ZAccess = z.object({
  authed_user: z.object({ access_token: z.string().optional() }).passthrough().optional(),
  access_token: z.string().optional(),
  token_type: z.string().optional(),
});

export function toGrantedTokens(result: unknown, now = Date.now()): GrantedTokens {
  const access = ZAccess.safeParse(result);
  const candidate = !access.success ? null : access.data.authed_user?.access_token ? access.data.authed_user : access.data.token_type === "user" ? result : null;
  const token = ZUserToken.safeParse(candidate);
  if (!token.success) {
    throw new ProviderError("slack", "bad_response", "Slack did not return a user token. Check that the Slack app asks for user token scopes, then connect again.");
  }
  const { access_token, refresh_token, expires_in, scope } = token.data;
  return {
    accessToken: access_token,
    refreshToken: refresh_token ?? null,
    expiresAt: expires_in ? new Date(now + expires_in * 1000) : null,
    scopes: scope === undefined ? null : scope.split(/[\s,]+/).filter(Boolean),
  };
}

const ZAuthTest = z.object({ user_id: z.string().min(1), user: z.string().optional() });
const ZProfile = z
  .object({
    display_name: z.string().optional(),
    real_name: z.string().optional(),
    status_text: z.string().optional(),
    status_emoji: z.string().optional(),
    status_expiration: z.coerce.number().optional(),
  })
  .passthrough();

export function toProfile(result: unknown) {
  const parsed = z.object({ profile: ZProfile }).safeParse(result);
  if (!parsed.success) throw new ProviderError("slack", "bad_response", "Slack answered users.profile.get without a profile.");
  return parsed.data.profile;
}

/** auth.test (who the token is) and the profile (how they are named) → the connected account. */
export function toAccount(authTest: unknown, profile: z.infer<typeof ZProfile>): ConnectedAccount {
  const parsed = ZAuthTest.safeParse(authTest);
  if (!parsed.success) throw new ProviderError("slack", "bad_response", "Slack answered auth.test without a user id.");
  const handle = profile.display_name?.trim() || parsed.data.user?.trim() || parsed.data.user_id;
  return { accountId: parsed.data.user_id, login: handle, displayName: profile.real_name?.trim() || null, emails: [] };
}

/** The profile's status, or null when none shows (or it has expired and Slack has not dropped it yet). */
export function toStatusContent(profile: z.infer<typeof ZProfile>, now = Date.now()): ChatStatusContent | null {
  const text = profile.status_text ?? "";
  const emoji = profile.status_emoji ?? "";
  const expiration = profile.status_expiration ?? 0;
  if (!text && !emoji) return null;
  if (expiration > 0 && expiration * 1000 <= now) return null;
  return { text, emoji, expiresAt: expiration > 0 ? new Date(expiration * 1000) : null };
}

/** The longest prefix of whole code points that is at most `max` UTF-16 units long. */
function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  let fitted = "";
  for (const character of text) {
    if (fitted.length + character.length > max) break;
    fitted += character;
  }
  return fitted;
}

export type SlackProfileStatus = { status_text: string; status_emoji: string; status_expiration: number };

/**
 * Ours → users.profile.set's status fields; null clears. Slack refuses a Unicode emoji
 * and a text over 100 characters, so an emoji not written `:name:` becomes the emoji
 * Slack itself would show for a bare text (what is written is what reads back), and the
 * text is cut to fit 100 UTF-16 units (how Slack counts), never inside a surrogate pair.
 * `status_expiration` is Unix seconds, rounded up; 0 means no expiration.
 */
export function toProfileStatus(status: ChatStatusContent | null): SlackProfileStatus {
  if (status === null) return { status_text: "", status_emoji: "", status_expiration: 0 };
  const text = fitText(status.text, SLACK.limits.statusTextMaxLength);
  const emoji = SLACK.emojiSyntax.test(status.emoji) ? status.emoji : text ? SLACK.defaultEmoji : "";
  return { status_text: text, status_emoji: emoji, status_expiration: status.expiresAt ? Math.ceil(status.expiresAt.getTime() / 1000) : 0 };
}

/** dnd.setSnooze's whole minutes from now until `until`, rounded up; 0 when `until` has passed. */
export function snoozeMinutes(until: Date, now = Date.now()): number {
  const ms = until.getTime() - now;
  return ms <= 0 ? 0 : Math.max(SLACK.limits.minSnoozeMinutes, Math.ceil(ms / 60_000));
}
