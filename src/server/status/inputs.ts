import { z } from "zod";
import { IDLE_MINUTES, STATUS_ACTIVITIES, STATUS_LIMITS, ZDiscordEmoji, ZSlackEmoji, ZStatusTemplate, ZTemplateKey } from "~/lib/status/templates";
import { ZText } from "~/lib/schemas/primitives";

/** The status procedures' inputs: every boundary validated here, the domain functions take the parsed values. */

/** A focus session's end (and the Do Not Disturb it sets) is at most this far ahead; one already past is ignored. */
const FOCUS_MAX_HOURS = 12;

const futureDate = (what: string) => z.coerce.date({ error: `${what} must be a date` });

export const ZHeartbeat = z.object({
  activity: z.enum(STATUS_ACTIVITIES, { error: `activity must be one of ${STATUS_ACTIVITIES.join(", ")}` }),
  /** The project the developer works in; sent on only when the privacy settings allow it. */
  projectContext: ZText.trim().min(1).max(STATUS_LIMITS.projectContext, `Use at most ${STATUS_LIMITS.projectContext} characters for the project`).optional(),
  /** A focus session's end: the focus status (and Slack Do Not Disturb) until then. */
  focusUntil: futureDate("focusUntil")
    .refine((date) => date.getTime() <= Date.now() + FOCUS_MAX_HOURS * 3_600_000, `A focus session lasts at most ${FOCUS_MAX_HOURS} hours`)
    .optional(),
});
export type HeartbeatInput = z.infer<typeof ZHeartbeat>;

const ZDurationMinutes = z.number({ error: "durationMinutes must be a number" }).int("Use whole minutes").min(1, "At least 1 minute").max(7 * 24 * 60, "At most a week");

export const ZCustomStatus = z.object({
  text: ZText.trim().min(1, "Write the status text").max(STATUS_LIMITS.slackText, `Use at most ${STATUS_LIMITS.slackText} characters`),
  slackEmoji: ZSlackEmoji.optional(),
  discordEmoji: ZDiscordEmoji.optional(),
});

/** status.set: a template or a one-off status, optionally for a while. `source: "calendar"` is for server-side callers only (see setStatus). */
export const ZSetStatus = z
  .object({
    template: ZTemplateKey.optional(),
    custom: ZCustomStatus.optional(),
    durationMinutes: ZDurationMinutes.optional(),
  })
  .refine((input) => (input.template === undefined) !== (input.custom === undefined), "Choose a template or write a custom status (one of the two)");
export type SetStatusInput = z.infer<typeof ZSetStatus>;

export const ZScheduleStatus = z.object({
  template: ZTemplateKey,
  startAt: futureDate("startAt"),
  durationMinutes: ZDurationMinutes,
});
export type ScheduleStatusInput = z.infer<typeof ZScheduleStatus>;

export const ZStatusSettingsPatch = z
  .object({
    idleMinutes: z
      .number({ error: "idleMinutes must be a number" })
      .int("Use whole minutes")
      .min(IDLE_MINUTES.min, `At least ${IDLE_MINUTES.min} minutes: heartbeats come every minute`)
      .max(IDLE_MINUTES.max, `At most ${IDLE_MINUTES.max} minutes`),
    dndDuringFocus: z.boolean(),
  })
  .partial()
  .strict();
export type StatusSettingsPatch = z.infer<typeof ZStatusSettingsPatch>;

export const ZTemplateInput = ZStatusTemplate;
export const ZTemplateKeyInput = z.object({ key: ZTemplateKey });
export const ZScheduleIdInput = z.object({ id: z.uuid("Not a schedule id") });
export const ZChannelChoice = z.object({ channelId: ZText.trim().regex(/^\d{5,25}$/, "Not a Discord channel id") });
