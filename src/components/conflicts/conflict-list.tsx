"use client";

import Link from "next/link";
import { useState } from "react";
import { SYNC_COLLECTIONS, type SyncCollection } from "~/lib/schemas/collections";
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
import { Loading } from "../ui/loading";
import { conflictTypeLabels } from "./labels";

type Status = "open" | "resolved";
type BulkStrategy = "local_wins" | "remote_wins";

const bulkLabels: Record<BulkStrategy, { action: string; explain: string }> = {
  local_wins: { action: "Keep mine", explain: "the version each device pushed (the refused one) becomes the current version" },
  remote_wins: { action: "Keep theirs", explain: "the server's current version stays and the refused versions are discarded" },
};

/** Open and resolved conflicts with filters and bulk keep-mine / keep-theirs. Refetches when the tab regains focus. */
export function ConflictList() {
  const [status, setStatus] = useState<Status>("open");
  const [collection, setCollection] = useState<SyncCollection | "">("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<BulkStrategy>();
  const utils = api.useUtils();
  const list = api.conflicts.list.useQuery({ status, collection: collection || undefined, limit: 100 });
  const resolveMany = api.conflicts.resolveMany.useMutation({
    onSuccess: async () => {
      setSelected(new Set());
      await utils.conflicts.list.invalidate();
    },
    onSettled: () => setBulk(undefined),
  });
  const refresh = () => void utils.conflicts.list.invalidate();
  useRealtime(["sync:conflict", "sync:conflict_resolved"], refresh, { onReady: refresh });
  const items = list.data?.items ?? [];
  const allSelected = items.length > 0 && items.every((item) => selected.has(item.id));

  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-5 py-4">
        <div role="tablist" aria-label="Conflict status" className="inline-flex rounded-lg bg-zinc-100 p-1">
          {(["open", "resolved"] as const).map((value) => (
            <button
              key={value}
              role="tab"
              type="button"
              aria-selected={status === value}
              onClick={() => {
                setStatus(value);
                setSelected(new Set());
              }}
              className={`rounded-md px-3 py-1.5 text-sm font-medium capitalize ${status === value ? "bg-white text-zinc-900 shadow-sm" : "text-zinc-600 hover:text-zinc-900"}`}
            >
              {value}
            </button>
          ))}
        </div>
        <label className="flex items-center gap-2 text-sm text-zinc-600">
          Collection
          <select
            value={collection}
            onChange={(event) => setCollection(event.target.value as SyncCollection | "")}
            className="h-9 rounded-lg border border-zinc-300 bg-white px-2 text-sm text-zinc-900"
          >
            <option value="">All</option>
            {SYNC_COLLECTIONS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>

      {status === "open" && items.length > 0 && (
        <div className="flex flex-wrap items-center gap-2 border-b border-zinc-100 bg-zinc-50 px-5 py-2.5">
          <label className="mr-auto flex items-center gap-2 text-sm text-zinc-700">
            <input
              type="checkbox"
              className="size-4 rounded border-zinc-300"
              checked={allSelected}
              onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((item) => item.id)))}
            />
            {selected.size ? `${selected.size} selected` : "Select all"}
          </label>
          {(Object.keys(bulkLabels) as BulkStrategy[]).map((strategy) => (
            <Button key={strategy} size="sm" variant="secondary" disabled={selected.size === 0} onClick={() => setBulk(strategy)}>
              {bulkLabels[strategy].action}
            </Button>
          ))}
        </div>
      )}

      {resolveMany.error && (
        <div className="px-5 pt-4">
          <Alert tone="error" title="Nothing was resolved">
            {errorMessage(resolveMany.error)}
          </Alert>
        </div>
      )}

      {list.isPending ? (
        <Loading label="Loading conflicts" />
      ) : list.isError ? (
        <div className="p-5">
          <Alert tone="error" title="Could not load conflicts">
            {errorMessage(list.error)}
          </Alert>
        </div>
      ) : items.length === 0 ? (
        status === "open" ? (
          <EmptyState icon={<CheckIcon />} title="Everything is in sync">
            No record was changed on two devices at once{collection ? ` in ${collection}` : ""}. Conflicts that need you will appear here.
          </EmptyState>
        ) : (
          <EmptyState icon={<ConflictIcon />} title="No resolved conflicts yet" />
        )
      ) : (
        <ul className="divide-y divide-zinc-100" aria-label={`${status === "open" ? "Open" : "Resolved"} conflicts`}>
          {items.map((conflict) => (
            <li key={conflict.id} className="flex items-center gap-3 px-5 py-3.5">
              {status === "open" && (
                <input
                  type="checkbox"
                  className="size-4 shrink-0 rounded border-zinc-300"
                  checked={selected.has(conflict.id)}
                  onChange={() => toggle(conflict.id)}
                  aria-label={`Select ${conflict.collection}/${conflict.recordId}`}
                />
              )}
              <Link href={`/conflicts/${conflict.id}`} className="group min-w-0 flex-1 rounded-md focus-visible:outline-2">
                <p className="truncate font-medium text-zinc-900 group-hover:text-brand-700">
                  {conflict.collection} / <span className="font-mono text-sm">{conflict.recordId}</span>
                </p>
                <p className="truncate text-sm text-zinc-500">
                  {conflict.deviceName ?? "A removed device"} · {timeAgo(conflict.createdAt)}
                  {conflict.resolution && ` · resolved: ${conflict.resolution.replace("_", " ")}`}
                </p>
              </Link>
              <Badge tone={conflict.type === "update_conflict" ? "warning" : "brand"}>{conflictTypeLabels[conflict.type]}</Badge>
            </li>
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={Boolean(bulk)}
        title={bulk ? `${bulkLabels[bulk].action} for ${selected.size} conflict(s)?` : ""}
        confirmLabel={bulk ? bulkLabels[bulk].action : ""}
        pending={resolveMany.isPending}
        onCancel={() => setBulk(undefined)}
        onConfirm={() => bulk && resolveMany.mutate({ ids: [...selected], strategy: bulk })}
      >
        For every selected record, {bulk ? bulkLabels[bulk].explain : ""}. All are resolved together, or none if a record changed meanwhile. Earlier
        versions stay in each record&apos;s history.
      </ConfirmDialog>
    </Card>
  );
}
