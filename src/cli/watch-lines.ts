import type { RealtimeEvent } from "../../packages/client/src";

/**
 * One line per realtime event for `devpulse watch`. A notification reads as the desktop app
 * would show it (level, title, body, where to look); other events as their name and payload.
 */
export function describeRealtimeEvent(message: RealtimeEvent, at = new Date()): string {
  const time = at.toISOString();
  if (message.event === "notification:new") {
    const { title, body, level, href } = message.payload;
    return `${time}  notification  [${level}] ${title}${body ? ` — ${body}` : ""}${href ? `  (${href})` : ""}`;
  }
  if (message.event === "notification:unread") return `${time}  notifications  ${message.payload.unread} unread`;
  return `${time}  ${message.event}  ${JSON.stringify(message.payload)}`;
}
