"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { formatNumberIn } from "~/lib/schemas/locale";
import { timeAgo } from "../devices/format";
import { BellIcon } from "../icons";
import { cn } from "../ui/cn";
import { useLocale } from "../ui/locale";
import { LEVEL_STYLES, type ListedNotification } from "./format";

/**
 * One notification as the bell and the list show it: a mark in its level's colour, the title
 * (bold while unread, with an "Unread" dot), the body and when. The title opens it: a link to
 * its page when it has one, else a button; either way `onOpen` marks it read.
 */
export function NotificationItem({ item, onOpen, compact = false, action }: { item: ListedNotification; onOpen: () => void; compact?: boolean; action?: ReactNode }) {
  const locale = useLocale();
  const unread = item.readAt === null;
  const level = LEVEL_STYLES[item.level];
  const title = (
    <>
      {unread && <span className="sr-only">Unread: </span>}
      {item.title}
    </>
  );
  const opener = cn(
    "text-left text-sm text-zinc-900 after:absolute after:inset-0 focus-visible:outline-none",
    unread ? "font-semibold" : "font-medium",
  );
  return (
    <div
      className={cn(
        "relative flex items-start gap-3 focus-within:bg-brand-50/60 focus-within:ring-2 focus-within:ring-inset focus-within:ring-brand-500 hover:bg-zinc-50",
        compact ? "px-4 py-3" : "px-5 py-4",
        unread && "bg-brand-50/30",
      )}
    >
      <span className={cn("flex shrink-0 items-center justify-center rounded-full", compact ? "size-8" : "size-10", level.mark)} title={level.label}>
        <BellIcon className="size-4" />
      </span>
      <div className="min-w-0 flex-1">
        {item.href ? (
          <Link href={item.href} onClick={onOpen} className={opener} data-notification-item>
            {title}
          </Link>
        ) : (
          <button type="button" onClick={onOpen} className={opener} data-notification-item>
            {title}
          </button>
        )}
        {item.body && <p className={cn("mt-0.5 text-sm text-zinc-600", compact && "line-clamp-2")}>{item.body}</p>}
        <p className="mt-1 text-xs text-zinc-500">
          <time dateTime={item.updatedAt.toISOString()}>{timeAgo(item.updatedAt)}</time>
          {item.count > 1 && ` · ${formatNumberIn(locale, item.count)} combined`}
        </p>
      </div>
      <div className="flex shrink-0 items-center gap-2">
        {unread && <span aria-hidden="true" className="mt-1.5 size-2.5 rounded-full bg-brand-600" data-testid="unread-dot" />}
        {/* Above the stretched link, so its own clicks stay its own. */}
        {action && <div className="relative z-10">{action}</div>}
      </div>
    </div>
  );
}
