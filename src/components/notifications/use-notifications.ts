"use client";

import { api } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";

/**
 * Keeps every notification query on the page live: `notification:unread` carries the new
 * count (a notification listed, or read in another tab), so the bell takes it as is and the
 * lists refetch. Mounted once, in the app shell; after a reconnection everything refetches.
 */
export function useNotificationsLive() {
  const utils = api.useUtils();
  const refresh = () => {
    void utils.notifications.unreadCount.invalidate();
    void utils.notifications.list.invalidate();
    void utils.notifications.decisions.invalidate();
  };
  useRealtime(
    "notification:unread",
    ({ unread }) => {
      utils.notifications.unreadCount.setData(undefined, { unread });
      void utils.notifications.list.invalidate();
      void utils.notifications.decisions.invalidate();
    },
    { onReady: refresh },
  );
}

/** useNotificationsLive as a component, for the shell (which renders the bell twice: sidebar and phone bar). */
export function NotificationsLive() {
  useNotificationsLive();
  return null;
}

/** Mark some or all read; the answer carries the count now, which the bell shows at once. */
export function useMarkRead() {
  const utils = api.useUtils();
  const settled = ({ unread }: { unread: number }) => {
    utils.notifications.unreadCount.setData(undefined, { unread });
    void utils.notifications.list.invalidate();
  };
  const markRead = api.notifications.markRead.useMutation({ onSuccess: settled });
  const markAllRead = api.notifications.markAllRead.useMutation({ onSuccess: settled });
  return { markRead, markAllRead };
}
