import { z } from "zod";
import { ZText } from "../schemas/primitives";

/**
 * Chat status: what the desktop app reports, where a status comes from, and the
 * templates that turn an activity into what Slack and Discord show. Shared by the
 * server that decides and the pages that edit (isomorphic: no server imports).
 */

/** What a heartbeat reports. `idle` clears the status. */
export const STATUS_ACTIVITIES = ["coding", "debugging", "focus", "idle"] as const;
export type StatusActivity = (typeof STATUS_ACTIVITIES)[number];

/** Who asked for the status shown: the desktop app's heartbeats, the user on a page, a schedule, or the calendar (issue 17's seam). */
export const STATUS_SOURCES = ["heartbeat", "manual", "schedule", "calendar"] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];

/** The chat providers a status is shown on. */
export const CHAT_PROVIDER_IDS = ["slack", "discord"] as const;
export type ChatProviderId = (typeof CHAT_PROVIDER_IDS)[number];

/** Slack's limits (users.profile.set): 100 characters of text, an emoji as `:name:`. Discord's message line is ours to bound. */
export const STATUS_LIMITS = { slackText: 100, discordText: 128, name: 40, templates: 30, projectContext: 60 } as const;

export const ZTemplateKey = ZText.trim()
  .min(1, "Give the template a key")
  .max(40, "Use at most 40 characters for the key")
  .regex(/^[a-z0-9][a-z0-9-]*$/, "Use lower-case letters, digits and dashes for the key");

export const ZSlackEmoji = ZText.trim().regex(/^:[a-z0-9_+'-]{1,98}:$/, "Slack emoji are written :name:, like :dart:");
/** One emoji (a short grapheme sequence), or empty for none. */
export const ZDiscordEmoji = ZText.trim().max(32, "Use one emoji");

export const ZStatusTemplate = z.object({
  key: ZTemplateKey,
  name: ZText.trim().min(1, "Give the template a name").max(STATUS_LIMITS.name, `Use at most ${STATUS_LIMITS.name} characters for the name`),
  slack: z.object({
    emoji: ZSlackEmoji,
    text: ZText.trim().min(1, "Give the Slack status a text").max(STATUS_LIMITS.slackText, `Slack allows at most ${STATUS_LIMITS.slackText} characters`),
  }),
  discord: z.object({
    emoji: ZDiscordEmoji,
    text: ZText.trim().min(1, "Give the Discord status a text").max(STATUS_LIMITS.discordText, `Use at most ${STATUS_LIMITS.discordText} characters`),
  }),
});
export type StatusTemplate = z.infer<typeof ZStatusTemplate>;

/** The seed's four. A user may edit them (a stored row with the same key wins) but not remove them. */
export const BUILT_IN_TEMPLATES: readonly StatusTemplate[] = [
  { key: "coding", name: "Coding", slack: { emoji: ":computer:", text: "Coding" }, discord: { emoji: "💻", text: "Coding" } },
  { key: "focus", name: "Focus", slack: { emoji: ":dart:", text: "In focus mode" }, discord: { emoji: "🎯", text: "In focus mode" } },
  { key: "debugging", name: "Debugging", slack: { emoji: ":bug:", text: "Debugging" }, discord: { emoji: "🐛", text: "Debugging" } },
  { key: "meeting", name: "Meeting", slack: { emoji: ":calendar:", text: "In a meeting" }, discord: { emoji: "📅", text: "In a meeting" } },
];

export const BUILT_IN_TEMPLATE_KEYS = BUILT_IN_TEMPLATES.map((template) => template.key);

/** The template a heartbeat's activity shows; idle shows none. */
export function templateKeyForActivity(activity: StatusActivity): string | null {
  return activity === "idle" ? null : activity;
}

/** Idle timeout bounds, in minutes: heartbeats come every minute, so less than 2 would clear between two of them. */
export const IDLE_MINUTES = { min: 2, max: 240, default: 10 } as const;
