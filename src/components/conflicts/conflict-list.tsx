"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { collectionLabels, collectionLabel, SYNC_COLLECTIONS, type SyncCollection } from "~/lib/schemas/collections";
import { formatNumberIn, type SupportedLocale } from "~/lib/schemas/locale";
import { api, errorMessage } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";
import { timeAgo } from "../devices/format";
import { CheckIcon, ConflictIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { LoadMore } from "../ui/load-more";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { TabList, TabPanels, useTabs } from "../ui/tabs";
import { conflictTypeLabels, resolutionLabels } from "./labels";

type Status = "open" | "resolved";
type BulkStrategy = "local_wins" | "remote_wins";
/** Either conflicts ticked one by one, or every open conflict matching the filter (which the browser never holds). */
type Selection = { kind: "ids"; ids: ReadonlySet<string> } | { kind: "all" };
type Outcome = { resolved: number; skipped: Array<{ collection: string; recordId: string }>; error?: string };

const PAGE_SIZE = 100;
/** conflicts.resolveMany takes at most this many ids; each call is all or none. */
const IDS_PER_CALL = 100;
const STATUSES = ["open", "resolved"] as const;
const none: Selection = { kind: "ids", ids: new Set() };

const bulkLabels: Record<BulkStrategy, { action: string; explain: string }> = {
  local_wins: { action: "Keep mine", explain: "the version each device pushed (the refused one) becomes the current version" },
  remote_wins: { action: "Keep theirs", explain: "the server's current version stays and the refused versions are discarded" },
};

/** "1 conflict", "1,234 conflicts" ("1.234 conflicts" in de-DE: the number in the locale, the word in English). */
const plural = (locale: SupportedLocale, n: number, word: string) => `${formatNumberIn(locale, n)} ${word}${n === 1 ? "" : "s"}`;

/**
 * Open and resolved conflicts with filters, page by page ("Load more"), and bulk keep
 * mine / keep theirs: for ticked conflicts, or for every matching one, which the server
 * resolves a batch at a time while this shows the progress.
 */
export function ConflictList() {
  const locale = useLocale();
  const [status, setStatus] = useState<Status>("open");
  const [collection, setCollection] = useState<SyncCollection | "">("");
  const [selection, setSelection] = useState<Selection>(none);
  const [bulk, setBulk] = useState<BulkStrategy>();
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [outcome, setOutcome] = useState<Outcome>();
  const utils = api.useUtils();
  const filter = { status, collection: collection || undefined };
  const list = api.conflicts.list.useInfiniteQuery({ ...filter, limit: PAGE_SIZE }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const total = api.conflicts.count.useQuery(filter);
  const resolveMany = api.conflicts.resolveMany.useMutation();
  const resolveMatching = api.conflicts.resolveMatching.useMutation();
  const refresh = () => {
    void utils.conflicts.count.invalidate();
    void utils.conflicts.list.invalidate();
  };
  // A bulk resolution announces every conflict it resolved: refetch once per burst, not once per event.
  const burst = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refreshSoon = () => {
    clearTimeout(burst.current);
    burst.current = setTimeout(refresh, 250);
  };
  useEffect(() => () => clearTimeout(burst.current), []);
  useRealtime(["sync:conflict", "sync:conflict_resolved"], refreshSoon, { onReady: refresh });

  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const count = total.data?.count ?? items.length;
  const running = progress !== undefined;
  const isSelected = (id: string) => selection.kind === "all" || selection.ids.has(id);
  const selectedCount = selection.kind === "all" ? count : selection.ids.size;
  const tabs = useTabs(STATUSES, status, (value) => {
    setStatus(value);
    setSelection(none);
  });

  const toggle = (id: string) =>
    setSelection((current) => {
      // Unticking one of "all matching" leaves the loaded ones ticked, as in a mail client.
      const next = new Set(current.kind === "all" ? items.map((item) => item.id) : current.ids);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return { kind: "ids", ids: next };
    });

  async function run(strategy: BulkStrategy) {
    const done: Outcome = { resolved: 0, skipped: [] };
    setOutcome(undefined);
    try {
      if (selection.kind === "all") {
        const snapshot = total.data;
        if (!snapshot?.through) return;
        setProgress({ done: 0, total: snapshot.count });
        let after: string | undefined;
        do {
          const batch = await resolveMatching.mutateAsync({ collection: collection || undefined, strategy, through: snapshot.through, after });
          done.resolved += batch.resolved;
          done.skipped.push(...batch.skipped);
          setProgress({ done: done.resolved + done.skipped.length, total: snapshot.count });
          after = batch.next ?? undefined;
        } while (after);
      } else {
        const ids = [...selection.ids];
        setProgress({ done: 0, total: ids.length });
        for (let start = 0; start < ids.length; start += IDS_PER_CALL) {
          const result = await resolveMany.mutateAsync({ ids: ids.slice(start, start + IDS_PER_CALL), strategy });
          done.resolved += result.resolved.length;
          setProgress({ done: done.resolved, total: ids.length });
        }
      }
    } catch (error) {
      done.error = errorMessage(error);
    } finally {
      setOutcome(done);
      setProgress(undefined);
      setBulk(undefined);
      setSelection(none);
      refresh();
    }
  }

  const scope = selection.kind === "all" ? `all ${plural(locale, count, "matching conflict")}` : plural(locale, selectedCount, "selected conflict");

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-5 py-4">
        <TabList tabs={tabs} label="Conflict status" labels={{ open: "Open", resolved: "Resolved" }} />
        <label className="flex items-center gap-2 text-sm text-zinc-600">
          Collection
          <select
            value={collection}
            onChange={(event) => {
              setCollection(event.target.value as SyncCollection | "");
              setSelection(none);
            }}
            className="h-9 rounded-lg border border-zinc-300 bg-white px-2 text-sm text-zinc-900"
          >
            <option value="">All</option>
            {SYNC_COLLECTIONS.map((name) => (
              <option key={name} value={name}>
                {collectionLabels[name].name}
              </option>
            ))}
          </select>
        </label>
      </div>

      <TabPanels tabs={tabs}>
        {() => (
          <>
            {status === "open" && items.length > 0 && (
              <div className="flex flex-wrap items-center gap-2 border-b border-zinc-100 bg-zinc-50 px-5 py-2.5">
                <label className="mr-auto flex items-center gap-2 text-sm text-zinc-700">
                  <input
                    type="checkbox"
                    className="size-4 rounded border-zinc-300"
                    checked={selection.kind === "all"}
                    ref={(box) => {
                      if (box) box.indeterminate = selection.kind === "ids" && selection.ids.size > 0;
                    }}
                    onChange={() => setSelection(selection.kind === "all" || selectedCount > 0 ? none : { kind: "all" })}
                  />
                  {selection.kind === "all"
                    ? `All ${plural(locale, count, "matching conflict")} selected`
                    : selectedCount
                      ? `${formatNumberIn(locale, selectedCount)} selected`
                      : `Select all ${formatNumberIn(locale, count)}`}
                </label>
                {(Object.keys(bulkLabels) as BulkStrategy[]).map((strategy) => (
                  <Button key={strategy} size="sm" variant="secondary" disabled={selectedCount === 0 || running} onClick={() => setBulk(strategy)}>
                    {bulkLabels[strategy].action}
                    {selectedCount > 0 && ` for ${selection.kind === "all" ? "all " : ""}${formatNumberIn(locale, selectedCount)}`}
                  </Button>
                ))}
              </div>
            )}

            {outcome && (
              <div className="px-5 pt-4">
                <BulkOutcome outcome={outcome} />
              </div>
            )}

            {list.isPending ? (
              <Loading label="Loading conflicts" />
            ) : list.isError && !list.isFetchNextPageError ? (
              <LoadError title="Could not load conflicts" message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
            ) : items.length === 0 ? (
              status === "open" ? (
                <EmptyState icon={<CheckIcon />} title="Everything is in sync">
                  No record was changed on two devices at once{collection ? ` in ${collectionLabel(collection).toLowerCase()}` : ""}. Conflicts that need you will appear here.
                </EmptyState>
              ) : (
                <EmptyState icon={<ConflictIcon />} title="No resolved conflicts yet" />
              )
            ) : (
              <>
                <ul className="divide-y divide-zinc-100" aria-label={`${status === "open" ? "Open" : "Resolved"} conflicts`}>
                  {items.map((conflict) => (
                    <li key={conflict.id} className="flex items-center gap-3 px-5 py-3.5">
                      {status === "open" && (
                        <input
                          type="checkbox"
                          className="size-4 shrink-0 rounded border-zinc-300"
                          checked={isSelected(conflict.id)}
                          onChange={() => toggle(conflict.id)}
                          aria-label={`Select ${collectionLabel(conflict.collection)} ${conflict.recordId}`}
                        />
                      )}
                      <Link href={`/conflicts/${conflict.id}`} className="group min-w-0 flex-1 rounded-md focus-visible:outline-2">
                        <p className="truncate font-medium text-zinc-900 group-hover:text-brand-700">
                          {collectionLabel(conflict.collection)} / <span className="font-mono text-sm">{conflict.recordId}</span>
                        </p>
                        <p className="truncate text-sm text-zinc-500">
                          {conflict.deviceName ?? "A removed device"} · {timeAgo(conflict.createdAt)}
                          {conflict.resolution && ` · resolved: ${resolutionLabels[conflict.resolution] ?? conflict.resolution}`}
                        </p>
                      </Link>
                      <Badge tone={conflict.type === "update_conflict" ? "warning" : "brand"}>{conflictTypeLabels[conflict.type]}</Badge>
                    </li>
                  ))}
                </ul>
                <LoadMore list={list} summary={`Showing ${formatNumberIn(locale, items.length)} of ${formatNumberIn(locale, count)}`} />
              </>
            )}
          </>
        )}
      </TabPanels>

      <ConfirmDialog
        open={Boolean(bulk)}
        title={bulk ? `${bulkLabels[bulk].action} for ${scope}?` : ""}
        confirmLabel={selection.kind === "all" ? `Resolve all ${plural(locale, count, "matching conflict")}` : `Resolve ${plural(locale, selectedCount, "conflict")}`}
        pending={running}
        onCancel={() => !running && setBulk(undefined)}
        onConfirm={() => bulk && !running && void run(bulk)}
      >
        <p>
          For every {selection.kind === "all" ? `open conflict${collection ? ` in ${collectionLabel(collection).toLowerCase()}` : ""}` : "selected conflict"},{" "}
          {bulk ? bulkLabels[bulk].explain : ""}.{" "}
          {selection.kind === "all"
            ? `They are resolved ${IDS_PER_CALL} at a time; a record that changed meanwhile is skipped and stays here for you, and conflicts that arrive from now on are not included.`
            : `Up to ${IDS_PER_CALL} at a time are resolved together, or none of them if a record changed meanwhile.`}{" "}
          Earlier versions stay in each record&apos;s history.
        </p>
        {progress && (
          <div className="mt-3 space-y-1">
            <progress className="w-full" max={progress.total} value={progress.done} aria-label="Resolving conflicts" />
            <p role="status">
              Resolved {formatNumberIn(locale, progress.done)} of {formatNumberIn(locale, progress.total)}…
            </p>
          </div>
        )}
      </ConfirmDialog>
    </Card>
  );
}

function BulkOutcome({ outcome }: { outcome: Outcome }) {
  const locale = useLocale();
  const skipped = outcome.skipped.length;
  const title = outcome.error
    ? `Resolved ${plural(locale, outcome.resolved, "conflict")}, then stopped`
    : skipped
      ? `Resolved ${plural(locale, outcome.resolved, "conflict")}; ${plural(locale, skipped, "record")} changed meanwhile`
      : `Resolved ${plural(locale, outcome.resolved, "conflict")}`;
  return (
    <Alert tone={outcome.error ? "error" : skipped ? "warning" : "success"} title={title}>
      {outcome.error && <p>{outcome.error} Nothing else was changed.</p>}
      {skipped > 0 && (
        <p>
          Still open for you, because another device changed the record after the conflict arose:{" "}
          {outcome.skipped
            .slice(0, 5)
            .map((item) => `${collectionLabel(item.collection)} / ${item.recordId}`)
            .join(", ")}
          {skipped > 5 && ` and ${skipped - 5} more`}.
        </p>
      )}
    </Alert>
  );
}
