"use client";

import { useEffect, useState } from "react";
import { openOrExplain, type Opened } from "~/lib/sync/open-or-explain";
import type { Json } from "~/lib/merge";
import { collectionLabel, type SyncCollection } from "~/lib/schemas/collections";
import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { UnlockPanel } from "../sync/unlock-panel";
import { useSyncKey } from "../sync/sync-key";

type Restored = { revision: number; restoredRevision: number; previousRevision: number };

/** A record's revisions, decrypted in the browser, each restorable as a new revision (so every restore can be undone). */
export function RecordHistory({ collection, recordId }: { collection: SyncCollection; recordId: string }) {
  const { key } = useSyncKey();
  const history = api.conflicts.history.useQuery({ collection, recordId }, { refetchOnWindowFocus: false });
  const [opened, setOpened] = useState<Record<number, Opened>>({});
  const [pendingRestore, setPendingRestore] = useState<number>();
  const [restored, setRestored] = useState<Restored>();
  const rollback = api.conflicts.rollback.useMutation();

  const data = history.data;
  useEffect(() => {
    if (!key || !data) return;
    let cancelled = false;
    // Each revision on its own: one that does not open is shown as such, and the others stay restorable.
    void Promise.all(
      data.revisions.map(async (revision) => {
        const identity = { userId: key.userId, collection, recordId, schemaVersion: revision.schemaVersion };
        return [revision.revision, await openOrExplain(key.dataKey, identity, revision)] as const;
      }),
    ).then((entries) => !cancelled && setOpened(Object.fromEntries(entries)));
    return () => {
      cancelled = true;
    };
  }, [key, data, collection, recordId]);

  /**
   * `previousRevision`: the revision the person saw as current. Undo passes the revision
   * its restore wrote, since the history may not have been refetched yet when it is clicked.
   */
  async function restore(revision: number, previousRevision = data?.currentRevision) {
    if (previousRevision === undefined) return;
    const result = await rollback.mutateAsync({ collection, recordId, revision, expectedCurrentRevision: previousRevision });
    setRestored({ revision: result.revision, restoredRevision: result.restoredRevision, previousRevision });
    setPendingRestore(undefined);
    await history.refetch();
  }

  if (history.isPending) {
    return (
      <Loading label="Loading history" />
    );
  }
  if (history.isError) {
    return (
      <Card>
        <LoadError title="Could not load the history" message={errorMessage(history.error)} onRetry={() => void history.refetch()} retrying={history.isFetching} />
      </Card>
    );
  }
  const { revisions, currentRevision } = history.data;

  return (
    <div className="space-y-4">
      {!key && <UnlockPanel purpose="read earlier versions" />}
      {restored && (
        <Alert tone="success" title={`Restored revision ${restored.restoredRevision} as revision ${restored.revision}`}>
          Every device picks it up on its next sync.{" "}
          <button
            type="button"
            className="font-medium underline"
            disabled={rollback.isPending}
            onClick={() => void restore(restored.previousRevision, restored.revision).catch(() => {})}
          >
            Undo
          </button>
        </Alert>
      )}
      {rollback.error && <Alert tone="error" title="Nothing was restored">{errorMessage(rollback.error)}</Alert>}
      <Card>
        <CardHeader title={`${revisions.length} revision(s)`} description="Newest first. Restoring writes the old value as a new revision: nothing is destroyed." />
        <ol className="divide-y divide-zinc-100" aria-label="Revisions">
          {revisions.map((revision) => (
            <li key={revision.revision} className="flex flex-wrap items-start gap-4 px-5 py-4">
              <div className="min-w-0 flex-1">
                <p className="flex flex-wrap items-center gap-2 font-medium text-zinc-900">
                  Revision {revision.revision}
                  {revision.revision === currentRevision && <Badge tone="brand">Current</Badge>}
                  {revision.deleted && <Badge tone="warning">Deleted</Badge>}
                </p>
                <p className="text-sm text-zinc-500">
                  {revision.deviceName ?? "A removed device or the web"} · {timeAgo(revision.createdAt)}
                </p>
                {key && revision.revision in opened && <RevisionValue opened={opened[revision.revision]!} deleted={revision.deleted} />}
              </div>
              {revision.revision !== currentRevision && (
                <Button size="sm" variant="secondary" onClick={() => setPendingRestore(revision.revision)} aria-label={`Restore revision ${revision.revision}`}>
                  Restore
                </Button>
              )}
            </li>
          ))}
        </ol>
      </Card>
      <ConfirmDialog
        open={pendingRestore !== undefined}
        title={`Restore revision ${pendingRestore ?? ""}?`}
        confirmLabel="Restore revision"
        pending={rollback.isPending}
        onCancel={() => setPendingRestore(undefined)}
        onConfirm={() => pendingRestore !== undefined && void restore(pendingRestore).catch(() => setPendingRestore(undefined))}
      >
        Its value becomes revision {currentRevision + 1} of {collectionLabel(collection)} / {recordId} on every device. The current value stays in the history, so you can undo this.
      </ConfirmDialog>
    </div>
  );
}

function RevisionValue({ opened, deleted }: { opened: Opened; deleted: boolean }) {
  if ("error" in opened) {
    return (
      <p className="mt-2 rounded-lg bg-red-50 p-3 text-xs text-red-800">
        <span className="font-medium">Cannot be decrypted:</span> {opened.error}. Restore a revision that opened to replace it.
      </p>
    );
  }
  return <pre className="mt-2 max-h-40 overflow-auto rounded-lg bg-zinc-50 p-3 font-mono text-xs text-zinc-800">{deleted ? "(deleted)" : JSON.stringify(opened.value as Json | null, null, 2)}</pre>;
}
