import { ZNotificationPreferencesPatch } from "~/lib/schemas/notifications";
import { listDecisions, listNotifications, markAllRead, markRead, unreadCount, ZDecisionLogInput, ZMarkReadInput, ZNotificationListInput } from "../../notifications/inbox";
import { getNotificationPreferences, updateNotificationPreferences } from "../../notifications/preferences";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const notificationsRouter = createTRPCRouter({
  /** Signed in: the caller's in-app notifications, newest first, a page at a time (the count is unreadCount's). */
  list: protectedProcedure.input(ZNotificationListInput).query(({ ctx, input }) => listNotifications(ctx.db, ctx.user.id, input)),

  /** Signed in: how many of the caller's notifications are unread (the bell). */
  unreadCount: protectedProcedure.query(async ({ ctx }) => ({ unread: await unreadCount(ctx.db, ctx.user.id) })),

  /** Signed in: mark some of the caller's notifications read (NOT_FOUND if any id is not theirs). */
  markRead: protectedProcedure.input(ZMarkReadInput).mutation(({ ctx, input }) => markRead(ctx.db, ctx.user.id, input.ids)),

  /** Signed in: mark every notification of the caller's read. */
  markAllRead: protectedProcedure.mutation(({ ctx }) => markAllRead(ctx.db, ctx.user.id)),

  /** Signed in: the recent delivery decisions with their reasons ("quiet hours until 08:00"), newest first. */
  decisions: protectedProcedure.input(ZDecisionLogInput).query(({ ctx, input }) => listDecisions(ctx.db, ctx.user.id, input)),

  preferences: createTRPCRouter({
    /** Signed in: the caller's notification preferences, defaults filled in. */
    get: protectedProcedure.query(({ ctx }) => getNotificationPreferences(ctx.db, ctx.user.id)),
    /** Signed in: change any part of them (categories one at a time); answers the preferences now in force. */
    update: protectedProcedure.input(ZNotificationPreferencesPatch).mutation(({ ctx, input }) => updateNotificationPreferences(ctx.db, ctx.user.id, input)),
  }),
});
