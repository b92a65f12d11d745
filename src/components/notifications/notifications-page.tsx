"use client";

import { useState } from "react";
import { formatNumberIn } from "~/lib/schemas/locale";
import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { BellIcon, ClockIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { LoadMore } from "../ui/load-more";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { TabList, TabPanels, useTabs } from "../ui/tabs";
import { channelLabel, describeDecision, groupDecisions } from "./format";
import { NotificationItem } from "./notification-item";
import { useMarkRead } from "./use-notifications";

const PAGE_SIZE = 20;
const FILTERS = ["all", "unread"] as const;
type Filter = (typeof FILTERS)[number];

/** The full list, page by page, all or unread only, with mark read and mark all read. */
export function NotificationList() {
  const [filter, setFilter] = useState<Filter>("all");
  const tabs = useTabs(FILTERS, filter, setFilter);
  const list = api.notifications.list.useInfiniteQuery({ limit: PAGE_SIZE, unreadOnly: filter === "unread" }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const { markRead, markAllRead } = useMarkRead();
  const unread = api.notifications.unreadCount.useQuery().data?.unread ?? 0;
  const locale = useLocale();
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const marking = (id: string) => markRead.isPending && markRead.variables.ids.includes(id);

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-5 py-4">
        <TabList tabs={tabs} label="Show" labels={{ all: "All", unread: unread > 0 ? `Unread (${formatNumberIn(locale, unread)})` : "Unread" }} />
        <Button variant="secondary" size="sm" disabled={unread === 0} loading={markAllRead.isPending} onClick={() => markAllRead.mutate()}>
          Mark all as read
        </Button>
      </div>
      {(markAllRead.error ?? markRead.error) && (
        <div className="px-5 pt-4">
          <Alert tone="error">{errorMessage(markAllRead.error ?? markRead.error)}</Alert>
        </div>
      )}
      <TabPanels tabs={tabs}>
        {(value) =>
          list.isPending ? (
            <Loading label="Loading notifications" />
          ) : list.isError && !list.isFetchNextPageError ? (
            <LoadError title="Could not load your notifications" message={errorMessage(list.error)} onRetry={() => void list.refetch()} retrying={list.isRefetching} />
          ) : items.length === 0 ? (
            <EmptyState icon={<BellIcon />} title={value === "unread" ? "You are all caught up" : "No notifications yet"}>
              {value === "unread" ? "Every notification has been read." : "Conflicts, integration problems, new sign-ins, exports and your weekly summary show up here."}
            </EmptyState>
          ) : (
            <>
              <ul aria-label="Notifications" className="divide-y divide-zinc-100">
                {items.map((item) => (
                  <li key={item.id}>
                    <NotificationItem
                      item={item}
                      onOpen={() => item.readAt === null && markRead.mutate({ ids: [item.id] })}
                      action={
                        item.readAt === null && (
                          <Button variant="ghost" size="sm" loading={marking(item.id)} onClick={() => markRead.mutate({ ids: [item.id] })} aria-label={`Mark “${item.title}” as read`}>
                            Mark read
                          </Button>
                        )
                      }
                    />
                  </li>
                ))}
              </ul>
              <LoadMore list={list} />
            </>
          )
        }
      </TabPanels>
    </Card>
  );
}

/**
 * The decision log: for each notification, what each channel did and why — sent, held for
 * quiet hours or a digest (and when it went out), or not sent because a preference says so.
 */
export function DecisionLog() {
  const decisions = api.notifications.decisions.useQuery({ limit: 60 });
  const locale = useLocale();
  const now = new Date();
  const groups = groupDecisions(decisions.data ?? []);
  return (
    <Card>
      <CardHeader title="Why you were (or were not) notified" description="What each channel did with your recent notifications, following your preferences." />
      {decisions.isPending ? (
        <Loading label="Loading delivery decisions" />
      ) : decisions.isError ? (
        <LoadError title="Could not load the delivery decisions" message={errorMessage(decisions.error)} onRetry={() => void decisions.refetch()} retrying={decisions.isRefetching} />
      ) : groups.length === 0 ? (
        <EmptyState icon={<ClockIcon />} title="Nothing decided yet">
          Each notification records here, per channel, whether it was sent, held (quiet hours, a digest, do not disturb, focus) or not sent.
        </EmptyState>
      ) : (
        <ul aria-label="Delivery decisions" className="divide-y divide-zinc-100">
          {groups.map((group) => (
            <li key={group.key} className="px-5 py-4">
              <p className="text-sm font-medium text-zinc-900">{group.title}</p>
              <p className="text-xs text-zinc-500">
                Decided <time dateTime={group.decidedAt.toISOString()}>{timeAgo(group.decidedAt)}</time>
              </p>
              <ul aria-label={`Channels for ${group.title}`} className="mt-2 space-y-1.5">
                {group.decisions.map((decision) => {
                  const described = describeDecision(locale, decision, now);
                  return (
                    <li key={decision.id} className="grid grid-cols-[5.5rem_1fr] items-baseline gap-x-3 gap-y-1 text-sm sm:grid-cols-[5.5rem_6rem_1fr]">
                      <span className="font-medium text-zinc-700">{channelLabel(decision.channel)}</span>
                      <span className="sm:order-none">
                        <Badge tone={described.tone}>{described.status}</Badge>
                      </span>
                      <span className="col-span-2 text-zinc-600 sm:col-span-1">{described.text}</span>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
