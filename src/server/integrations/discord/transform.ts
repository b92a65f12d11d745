import type { ChatStatusContent } from "../provider";
import { DISCORD_LIMITS } from "./facts";

/**
 * The team status message: one line per person, "🎯 Ana Lima — In focus mode until 15:30",
 * and back. The time is Discord's timestamp markup (`<t:1767620000:t>`), which every reader's
 * Discord client shows in their own time zone and format, so "until" is right for a team
 * spread over time zones, and the exact expiry reads back from the message. An expiry more
 * than a day away shows with its date (`:f`).
 *
 * The name and text are one line each, bounded, and their Markdown is escaped (a status
 * cannot make itself a heading or a link); mentions are made harmless by the request's
 * `allowed_mentions` (api callers), not here.
 */

const SEPARATOR = " — ";
const DAY_MS = 24 * 60 * 60 * 1000;
const MARKDOWN = /[\\*_~`|>[\]#]/g;
const CUSTOM_EMOJI = /^<a?:\w{2,32}:\d{15,25}>$/;
const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)/u;
const UNTIL = / until <t:(\d{1,12})(?::[tTdDfFsSR])?>$/;

/** One line, single spaces, at most `max` characters (never splitting an emoji's surrogate pair). */
function oneLine(value: string, max: number): string {
  const flat = value.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

const escapeMarkdown = (value: string) => value.replace(MARKDOWN, (char) => `\\${char}`);
const unescapeMarkdown = (value: string) => value.replace(/\\([\\*_~`|>[\]#])/g, "$1");

function emojiPart(emoji: string): string {
  const flat = oneLine(emoji, 32);
  return CUSTOM_EMOJI.test(flat) || EMOJI.test(flat) ? flat : escapeMarkdown(flat);
}

/** The message content for a status (the caller sends it with `allowed_mentions: { parse: [] }`). */
export function statusLine(status: ChatStatusContent, displayName: string, now = new Date()): string {
  // The separator is an em dash: a name's own em dashes become en dashes, so the line reads back.
  const name = escapeMarkdown(oneLine(displayName, DISCORD_LIMITS.displayName).replace(/—/g, "–")) || "Someone";
  const text = escapeMarkdown(oneLine(status.text, DISCORD_LIMITS.statusText));
  const head = [emojiPart(status.emoji), name].filter(Boolean).join(" ");
  let until = "";
  if (status.expiresAt) {
    const style = status.expiresAt.getTime() - now.getTime() > DAY_MS ? "f" : "t";
    until = ` until <t:${Math.floor(status.expiresAt.getTime() / 1000)}:${style}>`;
  }
  return `${head}${SEPARATOR}${text}${until}`;
}

/**
 * A status message read back: its emoji (the first word when it is one), its text and its
 * expiry (to the second). Not our format (edited by hand, empty): the whole content as text.
 */
export function parseStatusLine(content: string): ChatStatusContent | null {
  const line = content.trim();
  if (!line) return null;
  const separator = line.indexOf(SEPARATOR);
  if (separator < 0) return { emoji: "", text: unescapeMarkdown(line), expiresAt: null };
  const head = line.slice(0, separator);
  let rest = line.slice(separator + SEPARATOR.length);
  let expiresAt: Date | null = null;
  const until = UNTIL.exec(rest);
  if (until) {
    expiresAt = new Date(Number(until[1]) * 1000);
    rest = rest.slice(0, until.index);
  }
  const [first = ""] = head.split(" ");
  const emoji = CUSTOM_EMOJI.test(first) || EMOJI.test(first) ? first : "";
  return { emoji, text: unescapeMarkdown(rest), expiresAt };
}
