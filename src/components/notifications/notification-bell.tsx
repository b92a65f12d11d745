"use client";

import Link from "next/link";
import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import { formatNumberIn } from "~/lib/schemas/locale";
import { api, errorMessage } from "~/trpc/react";
import { BellIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { badgeCount, bellLabel } from "./format";
import { NotificationItem } from "./notification-item";
import { useMarkRead } from "./use-notifications";
import { usePressOutside } from "../ui/use-press-outside";

/** The bell shows the newest few; the rest are on /notifications. */
const RECENT = 8;

/**
 * The bell in the app shell: the unread count (kept live by useNotificationsLive in the shell)
 * and a panel of the newest notifications. The panel is a non-modal dialog: it takes the focus
 * when it opens, Escape or a click outside closes it and gives the focus back to the bell,
 * Tab leaving it closes it, and the arrow keys move between the notifications.
 */
export function NotificationBell({ align = "left" }: { align?: "left" | "right" }) {
  const [open, setOpen] = useState(false);
  const locale = useLocale();
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const unread = api.notifications.unreadCount.useQuery().data?.unread;

  const close = (restoreFocus: boolean) => {
    setOpen(false);
    if (restoreFocus) button.current?.focus();
  };

  useEffect(() => {
    if (open) panel.current?.focus();
  }, [open]);
  usePressOutside(open, [wrapper], () => setOpen(false));

  return (
    <div
      ref={wrapper}
      // On a phone the panel hangs from the top bar (its positioned ancestor), across the screen.
      className={align === "left" ? "relative" : "sm:relative"}
      onBlur={(event) => {
        if (open && event.relatedTarget && !wrapper.current?.contains(event.relatedTarget as Node)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        aria-label={bellLabel(locale, unread)}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-haspopup="dialog"
        onClick={() => setOpen((current) => !current)}
        className={cn("relative rounded-md p-2 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900", open && "bg-zinc-100 text-zinc-900")}
        data-testid="notification-bell"
      >
        <BellIcon />
        {Boolean(unread) && (
          <span aria-hidden="true" className="absolute -right-0.5 -top-0.5 flex h-5 min-w-5 items-center justify-center rounded-full bg-red-600 px-1 text-[11px] font-semibold leading-none text-white ring-2 ring-white">
            {badgeCount(unread!)}
          </span>
        )}
      </button>
      {open && <BellPanel id={panelId} ref={panel} align={align} unread={unread ?? 0} onClose={close} />}
    </div>
  );
}

function BellPanel({ id, ref, align, unread, onClose }: { id: string; ref: RefObject<HTMLDivElement | null>; align: "left" | "right"; unread: number; onClose: (restoreFocus: boolean) => void }) {
  const titleId = useId();
  const locale = useLocale();
  const list = api.notifications.list.useQuery({ limit: RECENT });
  const { markRead, markAllRead } = useMarkRead();
  const items = list.data?.items ?? [];

  // Up and Down move between the notifications (wrapping), Home and End to the ends; Tab still goes everywhere.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose(true);
      return;
    }
    if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
    const entries = [...(ref.current?.querySelectorAll<HTMLElement>("[data-notification-item]") ?? [])];
    if (entries.length === 0) return;
    event.preventDefault();
    const index = entries.indexOf(document.activeElement as HTMLElement);
    const next = { ArrowDown: index + 1, ArrowUp: index < 0 ? entries.length - 1 : index - 1, Home: 0, End: entries.length - 1 }[event.key]!;
    entries[(next + entries.length) % entries.length]!.focus();
  };

  return (
    <div
      id={id}
      ref={ref}
      role="dialog"
      aria-labelledby={titleId}
      tabIndex={-1}
      onKeyDown={onKeyDown}
      className={cn(
        "absolute z-50 mt-2 flex max-h-[min(36rem,calc(100dvh-6rem))] flex-col overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-xl focus:outline-none",
        align === "left" ? "left-0 w-[min(24rem,calc(100vw-2rem))]" : "inset-x-3 top-full sm:inset-x-auto sm:right-0 sm:top-auto sm:w-96",
      )}
    >
      <div className="flex items-center justify-between gap-3 border-b border-zinc-100 px-4 py-3">
        <h2 id={titleId} className="text-sm font-semibold text-zinc-900">
          Notifications
          {unread > 0 && <span className="ml-1.5 font-normal text-zinc-500">({formatNumberIn(locale, unread)} unread)</span>}
        </h2>
        <Button
          variant="ghost"
          size="sm"
          disabled={unread === 0}
          loading={markAllRead.isPending}
          onClick={() => {
            // The button is disabled from here on, and a disabled button drops the focus to the page, where Escape
            // and the arrow keys no longer reach the panel: the panel keeps it instead.
            ref.current?.focus();
            markAllRead.mutate();
          }}
        >
          Mark all as read
        </Button>
      </div>
      {markAllRead.error && (
        <div className="px-4 pt-3">
          <Alert tone="error">{errorMessage(markAllRead.error)}</Alert>
        </div>
      )}
      <div className="min-h-0 flex-1 overflow-y-auto">
        {list.isPending ? (
          <Loading label="Loading notifications" />
        ) : list.isError ? (
          <LoadError title="Could not load your notifications" message={errorMessage(list.error)} onRetry={() => void list.refetch()} retrying={list.isRefetching} inset />
        ) : items.length === 0 ? (
          <EmptyState icon={<BellIcon />} title="No notifications yet">
            Conflicts, integration problems, new sign-ins and exports show up here.
          </EmptyState>
        ) : (
          <ul aria-label="Recent notifications" className="divide-y divide-zinc-100">
            {items.map((item) => (
              <li key={item.id}>
                <NotificationItem
                  compact
                  item={item}
                  onOpen={() => {
                    if (item.readAt === null) markRead.mutate({ ids: [item.id] });
                    if (item.href) onClose(false);
                  }}
                />
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="flex items-center justify-between gap-3 border-t border-zinc-100 bg-zinc-50 px-4 py-2.5 text-sm">
        <Link href="/notifications" onClick={() => onClose(false)} className="font-medium text-brand-700 hover:underline">
          See all notifications
        </Link>
        <Link href="/settings/notifications" onClick={() => onClose(false)} className="text-zinc-600 hover:text-zinc-900 hover:underline">
          Preferences
        </Link>
      </div>
    </div>
  );
}
