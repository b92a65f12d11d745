import { and, count, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { presentNotification, type AnyNotification, type NotificationPresentation } from "~/lib/notifications/catalog";
import { ZText } from "~/lib/schemas/primitives";
import type { DbOrTx } from "../db/client";
import { notificationDecisions, notifications } from "../db/schema";
import { AppError } from "../errors";
import { publishSafely } from "../realtime/publisher";

/**
 * The in-app list behind the bell: the user's listed notifications newest first, their unread
 * count (its own query), marking read. Every query is scoped to the caller's user id, so an id of someone
 * else's notification is simply not found.
 */

export const ZNotificationListInput = z
  .object({
    limit: z.number().int().min(1).max(100).default(20),
    /** `nextCursor` from the previous page. */
    cursor: ZText.max(100).optional(),
    unreadOnly: z.boolean().default(false),
  })
  .prefault({});
export const ZMarkReadInput = z.object({ ids: z.array(z.uuid("Not a notification id")).min(1).max(100) });
export const ZDecisionLogInput = z.object({ limit: z.number().int().min(1).max(200).default(50) }).prefault({});

export type ListedNotification = NotificationPresentation & {
  id: string;
  kind: AnyNotification["kind"];
  category: string;
  priority: string;
  data: unknown;
  /** Notifications folded into this one (a burst of related ones). */
  count: number;
  readAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

const listed = (userId: string) => and(eq(notifications.userId, userId), eq(notifications.listed, true));

export async function unreadCount(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ unread: count() })
    .from(notifications)
    .where(and(listed(userId), isNull(notifications.readAt)));
  return row?.unread ?? 0;
}

/** The cursor is the last row's creation time and id: stable while new notifications arrive on top. */
function parseCursor(cursor: string | undefined): { createdAt: Date; id: string } | null {
  if (!cursor) return null;
  const [time, id] = cursor.split("_");
  const createdAt = new Date(Number(time));
  if (!id || Number.isNaN(createdAt.getTime()) || !z.uuid().safeParse(id).success) throw new AppError("BAD_REQUEST", "Not a notification list cursor");
  return { createdAt, id };
}

export async function listNotifications(db: DbOrTx, userId: string, input: z.input<typeof ZNotificationListInput>) {
  const { limit, cursor, unreadOnly } = ZNotificationListInput.parse(input);
  const after = parseCursor(cursor);
  const rows = await db
    .select()
    .from(notifications)
    .where(
      and(
        listed(userId),
        unreadOnly ? isNull(notifications.readAt) : undefined,
        after ? or(lt(notifications.createdAt, after.createdAt), and(eq(notifications.createdAt, after.createdAt), lt(notifications.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const items: ListedNotification[] = page.map((row) => ({
    ...presentNotification({ kind: row.kind, data: row.data } as AnyNotification),
    id: row.id,
    kind: row.kind,
    category: row.category,
    priority: row.priority,
    data: row.data,
    count: row.count,
    readAt: row.readAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
  // No unread count here: the bell's own unreadCount query (kept live by notification:unread) is the one
  // place it is counted, so paging through the list never repeats that count.
  return { items, nextCursor: rows.length > limit && last ? `${last.createdAt.getTime()}_${last.id}` : null };
}

/** Tells the user's open bells the unread count: after a notification is listed, or marked read in any tab. */
export async function announceUnread(db: DbOrTx, userId: string): Promise<number> {
  const unread = await unreadCount(db, userId);
  await publishSafely(userId, "notification:unread", { unread });
  return unread;
}

/** Marks the caller's notifications read; an id that is not one of theirs refuses the whole call (NOT_FOUND). */
export async function markRead(db: DbOrTx, userId: string, ids: string[]) {
  const unique = [...new Set(ids)];
  const owned = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), inArray(notifications.id, unique)));
  if (owned.length !== unique.length) throw new AppError("NOT_FOUND", "No such notification");
  const marked = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.userId, userId), inArray(notifications.id, unique), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: marked.length, unread: await announceUnread(db, userId) };
}

export async function markAllRead(db: DbOrTx, userId: string) {
  const marked = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(listed(userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: marked.length, unread: await announceUnread(db, userId) };
}

/** The recent decisions, newest first, each with what it was about: the settings page's "why did (not) I get this". */
export async function listDecisions(db: DbOrTx, userId: string, input: z.input<typeof ZDecisionLogInput>) {
  const { limit } = ZDecisionLogInput.parse(input);
  const rows = await db
    .select({
      id: notificationDecisions.id,
      notificationId: notificationDecisions.notificationId,
      channel: notificationDecisions.channel,
      outcome: notificationDecisions.outcome,
      reason: notificationDecisions.reason,
      reasonText: notificationDecisions.reasonText,
      deliverAt: notificationDecisions.deliverAt,
      deliveredAt: notificationDecisions.deliveredAt,
      deliveredAs: notificationDecisions.deliveredAs,
      decidedAt: notificationDecisions.createdAt,
      kind: notifications.kind,
      data: notifications.data,
    })
    .from(notificationDecisions)
    .innerJoin(notifications, eq(notifications.id, notificationDecisions.notificationId))
    .where(eq(notificationDecisions.userId, userId))
    .orderBy(desc(notificationDecisions.createdAt), sql`${notificationDecisions.channel}`)
    .limit(limit);
  return rows.map(({ kind, data, ...decision }) => ({ ...decision, kind, title: presentNotification({ kind, data } as AnyNotification).title }));
}
