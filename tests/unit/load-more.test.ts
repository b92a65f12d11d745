import { InfiniteQueryObserver, QueryClient, type InfiniteData } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { loadNextPage, type PagedList } from "~/components/ui/load-more";

/**
 * "Load more" against TanStack Query itself (no React): a list of 5 pages whose page fetches are
 * held until the test lets them go, so a live refresh can land while a page is loading.
 */
type Page = { items: number[]; next: number | null };

function pagedList() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const held: { page: number; release: () => void }[] = [];
  const aborted: number[] = [];
  const observer = new InfiniteQueryObserver<Page, Error, InfiniteData<Page, number>, readonly string[], number>(client, {
    queryKey: ["list"],
    initialPageParam: 0,
    getNextPageParam: (page) => page.next ?? undefined,
    queryFn: ({ pageParam, signal }) =>
      new Promise<Page>((resolve, reject) => {
        const release = () => resolve({ items: [pageParam * 10, pageParam * 10 + 1], next: pageParam < 4 ? pageParam + 1 : null });
        held.push({ page: pageParam, release });
        signal.addEventListener("abort", () => (aborted.push(pageParam), reject(signal.reason)));
      }),
  });
  const unsubscribe = observer.subscribe(() => {});
  /** What a component sees: the observer's current result, as `useInfiniteQuery` returns it. */
  const list = (): PagedList => ({ ...observer.getCurrentResult(), fetchNextPage: (options) => observer.fetchNextPage(options) });
  /** Lets every held fetch answer, until none is left (a refetch of N pages asks for them one by one). */
  const releaseAll = async () => {
    for (let round = 0; round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const waiting = held.splice(0);
      if (waiting.length === 0 && observer.getCurrentResult().fetchStatus === "idle") return;
      for (const fetch of waiting) fetch.release();
    }
  };
  return { client, observer, list, held, aborted, releaseAll, close: () => (unsubscribe(), client.clear()) };
}

let close = () => {};
afterEach(() => close());

/** The list with its first page on screen. */
async function withFirstPage() {
  const paged = pagedList();
  close = paged.close;
  const firstPage = paged.observer.refetch();
  await paged.releaseAll();
  await firstPage;
  return paged;
}

describe("loadNextPage", () => {
  it("loads the next page even when a live refresh cancels the fetch under way", async () => {
    const paged = await withFirstPage();
    expect(paged.list().data?.pages).toHaveLength(1);

    // The click, then a refresh while the second page is still on its way (a notification:unread event).
    const click = loadNextPage(paged.list());
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(paged.held.map((fetch) => fetch.page)).toEqual([1]);
    const refresh = paged.client.invalidateQueries({ queryKey: ["list"] });
    await paged.releaseAll();
    await Promise.all([click, refresh]);

    const result = paged.observer.getCurrentResult();
    expect(result.data?.pages.map((page) => page.items[0])).toEqual([0, 10]);
    expect(result.isError).toBe(false);
  });

  it("without waiting it out, the same refresh swallows the click (why loadNextPage asks again)", async () => {
    const paged = await withFirstPage();

    const click = paged.observer.fetchNextPage();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const refresh = paged.client.invalidateQueries({ queryKey: ["list"] });
    await paged.releaseAll();
    await Promise.all([click, refresh]);

    expect(paged.aborted).toEqual([1]);
    expect(paged.observer.getCurrentResult().data?.pages).toHaveLength(1);
  });

  it("a click during a refresh joins it, and the refresh is not cancelled", async () => {
    const paged = await withFirstPage();

    const refresh = paged.client.invalidateQueries({ queryKey: ["list"] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const click = loadNextPage(paged.list());
    await paged.releaseAll();
    await Promise.all([click, refresh]);

    const result = paged.observer.getCurrentResult();
    expect(result.data?.pages.map((page) => page.items[0])).toEqual([0, 10]);
    // The refresh ran to its end: fetchNextPage's default would have cancelled it (the fetch of page 0).
    expect(paged.aborted).toEqual([]);
  });

  it("stops at the end of the list", async () => {
    const paged = await withFirstPage();
    for (let page = 1; page < 5; page++) {
      const click = loadNextPage(paged.list());
      await paged.releaseAll();
      await click;
    }
    expect(paged.list().hasNextPage).toBe(false);
    const atEnd = loadNextPage(paged.list());
    await paged.releaseAll();
    await atEnd;
    expect(paged.list().data?.pages).toHaveLength(5);
  });
});
