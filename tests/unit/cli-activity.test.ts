import { describe, expect, it } from "vitest";
import { describeCurrentStatus, FOCUS_MINUTES_MAX, heartbeatFromArgs, type CurrentStatus } from "~/cli/activity";
import { ZHeartbeat } from "~/server/status/inputs";

const now = new Date("2026-12-05T14:00:00Z");

describe("devpulse activity: arguments to one status.heartbeat", () => {
  it("builds heartbeats the server's input schema accepts", () => {
    const focus = heartbeatFromArgs("focus", { project: " devpulse ", focusMinutes: "25" }, now);
    expect(focus).toEqual({ activity: "focus", projectContext: "devpulse", focusUntil: new Date("2026-12-05T14:25:00Z") });
    expect(ZHeartbeat.parse(focus)).toEqual(focus);
    for (const activity of ["coding", "debugging", "focus", "idle"]) {
      const heartbeat = heartbeatFromArgs(activity, {}, now);
      expect(heartbeat).toEqual({ activity });
      expect(ZHeartbeat.parse(heartbeat)).toEqual(heartbeat);
    }
  });

  it("refuses what the server would refuse, with messages for people", () => {
    expect(() => heartbeatFromArgs(undefined, {})).toThrow("activity needs one of coding, debugging, focus, idle");
    expect(() => heartbeatFromArgs("meeting", {})).toThrow('Unknown activity "meeting": use one of coding, debugging, focus, idle.');
    expect(() => heartbeatFromArgs("coding", { focusMinutes: "25" })).toThrow("--focus-minutes goes with focus only");
    for (const minutes of ["0", "-5", "2.5", "abc", "", String(FOCUS_MINUTES_MAX + 1)]) {
      expect(() => heartbeatFromArgs("focus", { focusMinutes: minutes }), minutes).toThrow("--focus-minutes takes whole minutes from 1 to 10080");
    }
    expect(heartbeatFromArgs("focus", { focusMinutes: String(FOCUS_MINUTES_MAX) }, now).focusUntil).toEqual(new Date(now.getTime() + FOCUS_MINUTES_MAX * 60_000));
    expect(() => heartbeatFromArgs("coding", { project: "   " })).toThrow("--project needs a name");
    expect(() => heartbeatFromArgs("coding", { project: "x".repeat(61) })).toThrow("--project: use at most 60 characters.");
    expect(() => heartbeatFromArgs("idle", { project: "devpulse" })).toThrow("--project does not go with idle");
  });
});

describe("devpulse activity: what the server shows", () => {
  it("names the status, each provider (a status held by hand included) and the presence payload", () => {
    const current: CurrentStatus = {
      status: {
        templateKey: "focus",
        text: "In focus mode · devpulse",
        discordText: "In focus mode · devpulse",
        slackEmoji: ":dart:",
        discordEmoji: "🎯",
        source: "heartbeat",
        activity: "focus",
        projectContext: "devpulse",
        expiresAt: null,
        focusUntil: null,
        changedAt: now,
      },
      providers: [
        {
          provider: "slack",
          name: "Slack",
          state: "connected",
          capabilities: { userStatus: true, doNotDisturb: true, channelMessage: false },
          shown: null,
          heldByUser: true,
          dndUntil: null,
          lastWriteAt: null,
          channel: null,
        },
        {
          provider: "discord",
          name: "Discord",
          state: "needs_reauth",
          capabilities: { userStatus: false, doNotDisturb: false, channelMessage: true },
          shown: null,
          heldByUser: false,
          dndUntil: null,
          lastWriteAt: null,
          channel: null,
        },
      ],
      settings: { idleMinutes: 10, dndDuringFocus: true, projectContext: true },
      lastHeartbeatAt: now,
      discordPresence: { details: "In focus mode", state: "devpulse", instance: false },
    };
    expect(describeCurrentStatus(current).split("\n")).toEqual([
      "Status:    :dart: In focus mode · devpulse — from heartbeat",
      "Slack:     you set your status by hand; DevPulse will not change it until you clear it",
      "Discord:   needs re-authorization on /integrations",
      'Presence:  {"details":"In focus mode","state":"devpulse","instance":false}',
    ]);
    expect(describeCurrentStatus({ ...current, status: null, providers: [], discordPresence: null }).split("\n")).toEqual([
      "Status:    none shown",
      "Presence:  none (clear the Rich Presence activity)",
    ]);
  });
});
