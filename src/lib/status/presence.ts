/**
 * Discord Rich Presence: a bot cannot set a user's custom status, so the desktop app
 * applies this activity to the user's own Discord client over Discord RPC (SET_ACTIVITY).
 * The shape is Discord's activity object, limited to the fields RPC accepts.
 */
export type DiscordPresence = {
  /** First line: "In focus mode". */
  details: string;
  /** Second line: the project, when shared ("devpulse"). */
  state?: string;
  /** Unix milliseconds: Discord shows "elapsed" from start, or a countdown to end. */
  timestamps?: { start?: number; end?: number };
  assets?: { large_image?: string; large_text?: string; small_image?: string; small_text?: string };
  instance: false;
};

/** Discord RPC's bounds for an activity's strings. */
export const PRESENCE_TEXT = { min: 2, max: 128 } as const;

/** What the presence is made from: the desired status's Discord side (server/status/types.ts DesiredStatus). */
export type PresenceSource = {
  text: string;
  discordEmoji: string;
  projectContext: string | null;
  activity: string | null;
  expiresAt: Date | null;
  changedAt: Date;
};

/**
 * One RPC string: one line, at most 128 UTF-16 units (cut between characters, with "…"),
 * and at least 2 (Discord refuses a 1-character details or state: padded with a blank
 * Braille pattern, which shows as a space).
 */
function presenceText(value: string): string {
  let text = value.replace(/\s+/g, " ").trim();
  if (text.length > PRESENCE_TEXT.max) {
    const chars = Array.from(text);
    while (chars.join("").length > PRESENCE_TEXT.max - 1) chars.pop();
    text = `${chars.join("").trimEnd()}…`;
  }
  return text.length >= PRESENCE_TEXT.min ? text : text.padEnd(PRESENCE_TEXT.min, "\u2800");
}

/**
 * The Rich Presence for a status (null: clear the activity). First line: the emoji and the
 * text ("🎯 In focus mode"); second line: the project, when the user shares it (a text that
 * already ends with " · project" is not repeated); "elapsed" since the status began and a
 * countdown to its end when it has one.
 */
export function discordPresenceFor(status: PresenceSource | null): DiscordPresence | null {
  if (!status) return null;
  const project = status.projectContext?.trim() || null;
  const suffix = project ? ` · ${project}` : null;
  const text = suffix && status.text.endsWith(suffix) ? status.text.slice(0, -suffix.length) : status.text;
  const presence: DiscordPresence = {
    details: presenceText([status.discordEmoji.trim(), text.trim()].filter(Boolean).join(" ")),
    timestamps: { start: status.changedAt.getTime(), ...(status.expiresAt ? { end: status.expiresAt.getTime() } : {}) },
    instance: false,
  };
  if (project) presence.state = presenceText(project);
  return presence;
}
