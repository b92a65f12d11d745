/**
 * `devpulse activity` and the status lines of `devpulse watch`: what the desktop app
 * reports through `status.heartbeat`, and what the server then shows. Pure functions,
 * so the argument rules are tested without a server (tests/unit/cli-activity.test.ts).
 */
import { STATUS_ACTIVITIES, STATUS_LIMITS, type DevPulseClient, type StatusActivity } from "../../packages/client/src";

/** What `status.heartbeat` takes, as the CLI builds it. */
export type Heartbeat = { activity: StatusActivity; projectContext?: string; focusUntil?: Date };

/** What `status.current()` answers (the server's CurrentStatus, as the client receives it). */
export type CurrentStatus = Awaited<ReturnType<DevPulseClient["status"]["current"]["query"]>>;

/** A focus session lasts at most a week, like any status duration. */
export const FOCUS_MINUTES_MAX = 7 * 24 * 60;

/**
 * `devpulse activity <coding|debugging|focus|idle> [--project NAME] [--focus-minutes N]`
 * as one heartbeat. Throws a message for people on anything the server would refuse.
 */
export function heartbeatFromArgs(activity: string | undefined, options: { project?: string; focusMinutes?: string }, now = new Date()): Heartbeat {
  if (!activity) throw new Error(`activity needs one of ${STATUS_ACTIVITIES.join(", ")}. See devpulse --help.`);
  if (!(STATUS_ACTIVITIES as readonly string[]).includes(activity)) {
    throw new Error(`Unknown activity "${activity}": use one of ${STATUS_ACTIVITIES.join(", ")}.`);
  }
  const heartbeat: Heartbeat = { activity: activity as StatusActivity };
  if (options.project !== undefined) {
    const project = options.project.trim();
    if (!project) throw new Error("--project needs a name, like --project devpulse.");
    if (project.length > STATUS_LIMITS.projectContext) throw new Error(`--project: use at most ${STATUS_LIMITS.projectContext} characters.`);
    if (heartbeat.activity === "idle") throw new Error("--project does not go with idle: an idle status is cleared.");
    heartbeat.projectContext = project;
  }
  if (options.focusMinutes !== undefined) {
    if (heartbeat.activity !== "focus") throw new Error("--focus-minutes goes with focus only: devpulse activity focus --focus-minutes 25.");
    const minutes = Number(options.focusMinutes);
    if (!/^\d+$/.test(options.focusMinutes.trim()) || !Number.isSafeInteger(minutes) || minutes < 1 || minutes > FOCUS_MINUTES_MAX) {
      throw new Error(`--focus-minutes takes whole minutes from 1 to ${FOCUS_MINUTES_MAX} (a week).`);
    }
    heartbeat.focusUntil = new Date(now.getTime() + minutes * 60_000);
  }
  return heartbeat;
}

const clock = (date: Date) => date.toTimeString().slice(0, 5);

/** "focus until 15:30 in devpulse": what was sent. */
export function describeHeartbeat(heartbeat: Heartbeat): string {
  const until = heartbeat.focusUntil ? ` until ${clock(heartbeat.focusUntil)}` : "";
  const project = heartbeat.projectContext ? ` in ${heartbeat.projectContext}` : "";
  return `${heartbeat.activity}${until}${project}`;
}

/** The Discord Rich Presence payload as one line, for the desktop app to apply over Discord RPC (none: clear its activity). */
export function describePresence(current: Pick<CurrentStatus, "discordPresence">): string {
  return current.discordPresence ? JSON.stringify(current.discordPresence) : "none (clear the Rich Presence activity)";
}

const NOT_SHOWING: Record<string, string> = {
  not_configured: "not configured on this server",
  available: "not connected (connect it on /integrations)",
  error: "in error (see /integrations)",
  needs_reauth: "needs re-authorization on /integrations",
};

/** What the server shows now: the status, each chat provider, and Discord's presence payload. */
export function describeCurrentStatus(current: CurrentStatus): string {
  const { status } = current;
  const lines = [
    status
      ? `Status:    ${status.slackEmoji} ${status.text}${status.expiresAt ? ` (until ${clock(status.expiresAt)})` : ""} — from ${status.source}`
      : "Status:    none shown",
  ];
  for (const provider of current.providers) {
    const label = `${provider.name}:`.padEnd(10);
    if (provider.state !== "connected" && provider.state !== "syncing") {
      lines.push(`${label} ${NOT_SHOWING[provider.state]}`);
    } else if (provider.heldByUser) {
      lines.push(`${label} you set your status by hand; DevPulse will not change it until you clear it`);
    } else {
      const dnd = provider.dndUntil ? `, Do Not Disturb until ${clock(provider.dndUntil)}` : "";
      lines.push(`${label} ${provider.shown ? `${provider.shown.emoji} ${provider.shown.text}`.trim() : "nothing of DevPulse's shown"}${dnd}`);
    }
  }
  lines.push(`Presence:  ${describePresence(current)}`);
  return lines.join("\n");
}
