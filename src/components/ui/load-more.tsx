"use client";

import { useState, type ReactNode } from "react";
import { errorMessage } from "~/trpc/react";
import { Button } from "./button";
import { cn } from "./cn";

/** What LoadMore needs of a `useInfiniteQuery` result (TanStack Query's, or tRPC's around it). */
export type PagedList = {
  data: { pages: readonly unknown[] } | undefined;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  error: unknown;
  fetchNextPage: (options?: { cancelRefetch?: boolean }) => Promise<{ data: { pages: readonly unknown[] } | undefined; hasNextPage: boolean; isError: boolean }>;
};

/** A click is given up after this many refreshes in a row took its place (a list refreshing that often is being replaced anyway). */
const MAX_WAITS = 5;

/**
 * Loads the next page and returns once it is on screen, however the list is refreshed meanwhile.
 *
 * A refresh (a live event invalidating the list) cancels a page still loading: TanStack Query
 * cancels an in-flight fetch to refetch, so the click would be lost, the button going back to
 * "Load more" with nothing added. And a click during a refresh would, by default, cancel that
 * refresh instead. Here the click waits for a refresh under way (`cancelRefetch: false` joins it)
 * and asks again until a page more than before is loaded, the list ends, or loading fails.
 */
export async function loadNextPage(list: Pick<PagedList, "data" | "fetchNextPage">): Promise<void> {
  const loaded = list.data?.pages.length ?? 0;
  for (let wait = 0; wait < MAX_WAITS; wait++) {
    const result = await list.fetchNextPage({ cancelRefetch: false });
    if ((result.data?.pages.length ?? 0) > loaded || !result.hasNextPage || result.isError) return;
  }
}

/**
 * The foot of a paged list: an optional summary ("Showing 20 of 58"), "Load more", and what
 * went wrong loading more (the pages already shown stay). Every paged list uses it.
 */
export function LoadMore({ list, summary }: { list: PagedList; summary?: ReactNode }) {
  const [waiting, setWaiting] = useState(false);
  if (!summary && !list.hasNextPage) return null;
  const loadMore = async () => {
    setWaiting(true);
    try {
      await loadNextPage(list);
    } finally {
      setWaiting(false);
    }
  };
  return (
    <div className={cn("flex flex-wrap items-center gap-3 border-t border-zinc-100 px-5 py-3 text-sm text-zinc-500", summary ? "justify-between" : "justify-center")}>
      {summary && <span role="status">{summary}</span>}
      {list.isFetchNextPageError && <span className="text-red-700">Could not load more: {errorMessage(list.error)}</span>}
      {list.hasNextPage && (
        <Button size="sm" variant="secondary" loading={waiting || list.isFetchingNextPage} onClick={() => void loadMore()}>
          {list.isFetchNextPageError ? "Try again" : "Load more"}
        </Button>
      )}
    </div>
  );
}
