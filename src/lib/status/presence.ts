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
