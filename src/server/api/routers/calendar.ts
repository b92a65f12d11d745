import { z } from "zod";
import { getEnv } from "../../env";
import { listCalendars, setCalendarIncluded } from "../../calendar/calendars";
import { listConflicts, resolveConflict } from "../../calendar/conflicts";
import { listEvents, ZCalendarEvent } from "../../calendar/events";
import { deleteFocusBlock, listFocusBlocks, nextFocusBlock, requestFocusBlock, updateFocusBlock } from "../../calendar/focus-blocks";
import { ZCreateFocusBlock, ZEventsQuery, ZFocusBlockId, ZRange, ZResolveConflict, ZSetIncluded, ZUpdateFocusBlock } from "../../calendar/inputs";
import { suggestFocusSlots, ZSuggestFocusSlots } from "../../calendar/suggestions";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** Calendars (the seeds' CalendarIntegration): Google and Microsoft merged, focus blocks, suggestions and conflicts. */
export const calendarRouter = createTRPCRouter({
  /** Signed in: every connected calendar with its provider, colour, primary flag and whether it is included. */
  calendars: protectedProcedure.query(({ ctx }) => listCalendars(ctx.db, ctx.user.id)),

  /** Signed in: include a calendar in the week view, suggestions and conflicts, or leave it out. */
  setIncluded: protectedProcedure.input(ZSetIncluded).mutation(({ ctx, input }) => setCalendarIncluded(ctx.db, ctx.user.id, input.calendarId, input.included)),

  /** Signed in: events overlapping a range, merged across providers (titles only where the user keeps them). */
  events: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/external/calendar", protect: true, tags: ["External data"], summary: "Calendar events in a range, merged across providers" } })
    .input(ZEventsQuery)
    .output(z.array(ZCalendarEvent))
    .query(({ ctx, input }) => listEvents(ctx.db, ctx.user.id, input)),

  /** Signed in: DevPulse's focus blocks overlapping a range, with where each stands (creating, active, failed). */
  focusBlocks: protectedProcedure.input(ZRange).query(({ ctx, input }) => listFocusBlocks(ctx.db, ctx.user.id, input)),

  /** Signed in: the next focus block (the dashboard). */
  nextFocusBlock: protectedProcedure.query(({ ctx }) => nextFocusBlock(ctx.db, ctx.user.id)),

  /** Signed in: book a focus block (the seed's FocusSessionRequest); made in the calendar by a job, exactly once. */
  createFocusBlock: protectedProcedure.input(ZCreateFocusBlock).mutation(({ ctx, input }) => requestFocusBlock(ctx.db, ctx.user.id, input)),

  /** Signed in: move, resize or rename one of the user's focus blocks, in the calendar too. */
  updateFocusBlock: protectedProcedure.input(ZUpdateFocusBlock).mutation(({ ctx, input }) => updateFocusBlock(ctx.db, getEnv(), ctx.user.id, input)),

  /** Signed in: delete one of the user's focus blocks, from the calendar too. */
  deleteFocusBlock: protectedProcedure.input(ZFocusBlockId).mutation(({ ctx, input }) => deleteFocusBlock(ctx.db, getEnv(), ctx.user.id, input.id)),

  /** Signed in: free slots for focus, ranked by the productivity profile the client computed (used for this answer only). */
  suggestFocusSlots: protectedProcedure.input(ZSuggestFocusSlots).mutation(({ ctx, input }) => suggestFocusSlots(ctx.db, ctx.user.id, input)),

  /** Signed in: overlapping events across the included calendars, not yet decided. */
  conflicts: protectedProcedure.input(ZRange).query(({ ctx, input }) => listConflicts(ctx.db, ctx.user.id, input)),

  /** Signed in: keep both, decline the meeting, or move the focus block to the next suggested slot. */
  resolveConflict: protectedProcedure.input(ZResolveConflict).mutation(({ ctx, input }) => resolveConflict(ctx.db, getEnv(), ctx.user.id, input)),
});
