import { getEnv } from "../../env";
import { cancelSchedule, listSchedules, scheduleStatus } from "../../status/schedules";
import { clearStatus, currentStatus, recordHeartbeat, setStatus, updateStatusSettings } from "../../status/status";
import { chooseDiscordChannel, listDiscordChannels } from "../../status/targets";
import { listTemplates, removeTemplate, upsertTemplate } from "../../status/templates";
import { ZChannelChoice, ZHeartbeat, ZScheduleIdInput, ZScheduleStatus, ZSetStatus, ZStatusSettingsPatch, ZTemplateInput, ZTemplateKeyInput } from "../../status/inputs";
import { ZDesiredStatus } from "../../status/types";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** Chat status (the seed's StatusIntegration): what Slack and Discord show about what the developer is doing. */
export const statusRouter = createTRPCRouter({
  /** Signed in (the desktop app, every minute or on change): the activity; the status changes only when it differs. */
  heartbeat: protectedProcedure.input(ZHeartbeat).mutation(({ ctx, input }) => recordHeartbeat(ctx.db, ctx.user.id, input)),

  /** Signed in: show a template or a one-off status on every connected chat provider (updateStatus). */
  set: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/external/status", protect: true, tags: ["External data"], summary: "Show a status on Slack and Discord", errorResponses: [412] } })
    .input(ZSetStatus)
    .output(ZDesiredStatus.nullable())
    .mutation(({ ctx, input }) => setStatus(ctx.db, ctx.user.id, input, "manual")),

  /** Signed in: clear DevPulse's status everywhere, putting back the user's own where it had one (clearStatus). */
  clear: protectedProcedure.mutation(({ ctx }) => clearStatus(ctx.db, ctx.user.id)),

  /** Signed in: what is shown now, per provider, whether the user holds it by hand, the settings and Discord's presence payload. */
  current: protectedProcedure.query(({ ctx }) => currentStatus(ctx.db, ctx.user.id)),

  /** Signed in: the idle timeout and Do Not Disturb during focus. */
  updateSettings: protectedProcedure.input(ZStatusSettingsPatch).mutation(({ ctx, input }) => updateStatusSettings(ctx.db, ctx.user.id, input)),

  /** Signed in: a status shown at `startAt` for `durationMinutes` (scheduleStatusUpdate). */
  schedule: protectedProcedure.input(ZScheduleStatus).mutation(({ ctx, input }) => scheduleStatus(ctx.db, ctx.user.id, input)),

  schedules: createTRPCRouter({
    /** Signed in: scheduled statuses not yet over, soonest first. */
    list: protectedProcedure.query(({ ctx }) => listSchedules(ctx.db, ctx.user.id)),
    /** Signed in: cancel one of the caller's scheduled statuses (cleared at once if it is showing). */
    cancel: protectedProcedure.input(ZScheduleIdInput).mutation(({ ctx, input }) => cancelSchedule(ctx.db, ctx.user.id, input.id)),
  }),

  templates: createTRPCRouter({
    /** Signed in: the built-in templates (as the user edited them) and the user's own. */
    list: protectedProcedure.query(({ ctx }) => listTemplates(ctx.db, ctx.user.id)),
    /** Signed in: create or edit a template; a built-in key edits the built-in. */
    upsert: protectedProcedure.input(ZTemplateInput).mutation(({ ctx, input }) => upsertTemplate(ctx.db, ctx.user.id, input)),
    /** Signed in: remove one of the user's templates, or put a built-in back as it was. */
    remove: protectedProcedure.input(ZTemplateKeyInput).mutation(({ ctx, input }) => removeTemplate(ctx.db, ctx.user.id, input.key)),
  }),

  discord: createTRPCRouter({
    /** Signed in: the text channels of the Discord server the bot was added to. */
    channels: protectedProcedure.query(({ ctx }) => listDiscordChannels(ctx.db, getEnv(), ctx.user.id)),
    /** Signed in: where the bot keeps the user's status message. */
    chooseChannel: protectedProcedure.input(ZChannelChoice).mutation(({ ctx, input }) => chooseDiscordChannel(ctx.db, getEnv(), ctx.user.id, input.channelId)),
  }),
});
