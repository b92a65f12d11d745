"use client";

import { useId, useState, type FormEvent } from "react";
import { rotateEncryptionKey, type KeyRotationProgress } from "~/client/key-rotation";
import { api, errorMessage } from "~/trpc/react";
import { LockIcon } from "../icons";
import { unlockErrorMessage, useSyncKey } from "../sync/sync-key";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { Field } from "../ui/field";

type Run =
  | { state: "idle" }
  | { state: "working"; progress?: KeyRotationProgress }
  | { state: "done"; keyId: number; reencrypted: number; purged: number | null; resumed: boolean }
  | { state: "failed"; message: string };

/**
 * "Rotate encryption key": offered after a device is revoked, since the revoked device
 * still holds the data key. This browser does the work, like any device: the passphrase
 * typed here derives the key in memory (never sent), a new data key is made, and every
 * record is re-encrypted in batches with progress. Interrupted (tab closed), it resumes
 * on the next run, here or in the CLI.
 */
export function RotateKeyPanel({ id, highlighted }: { id?: string; highlighted?: boolean }) {
  const utils = api.useUtils();
  const status = api.sync.rotation.status.useQuery();
  const { unlock } = useSyncKey();
  const [run, setRun] = useState<Run>({ state: "idle" });
  const [confirming, setConfirming] = useState<{ passphrase: string; includeRevisions: boolean; purge: boolean }>();
  const titleId = useId();
  const progressId = useId();
  const interrupted = status.data?.rotation?.status === "running";

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setConfirming({
      passphrase: String(form.get("passphrase") ?? ""),
      includeRevisions: form.get("includeRevisions") === "on",
      purge: form.get("purge") === "on",
    });
  }

  async function rotate() {
    if (!confirming) return;
    const { passphrase, includeRevisions, purge } = confirming;
    setConfirming(undefined);
    setRun({ state: "working" });
    try {
      const result = await rotateEncryptionKey({
        client: utils.client,
        passphrase,
        includeRevisions,
        purgeRevisions: purge,
        onProgress: (progress) => setRun({ state: "working", progress }),
      });
      // This tab's own unlocked key is now the old one: open the new bundle (fetched fresh).
      await utils.sync.keys.get.invalidate();
      await unlock(passphrase);
      setRun({ state: "done", keyId: result.keyId, reencrypted: result.reencrypted, purged: result.purged?.revisions ?? null, resumed: result.resumed });
    } catch (caught) {
      setRun({ state: "failed", message: caught instanceof Error && caught.name === "WrongPassphraseError" ? unlockErrorMessage(caught) : errorMessage(caught) });
    } finally {
      void status.refetch();
    }
  }

  if (status.data && status.data.currentKeyId === null) return null; // sync never set up: no key to rotate

  const progress = run.state === "working" ? run.progress : undefined;
  const total = progress ? progress.done + progress.remaining : 0;
  return (
    <Card id={id} role="region" className={highlighted ? "mt-6 p-5 ring-2 ring-brand-500 sm:p-6" : "mt-6 p-5 sm:p-6"} aria-labelledby={titleId}>
      <div className="flex items-start gap-4">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
          <LockIcon />
        </span>
        <form onSubmit={onSubmit} className="min-w-0 flex-1 space-y-3">
          <div>
            <h2 id={titleId} className="font-semibold text-zinc-900">
              Rotate encryption key
            </h2>
            <p className="mt-0.5 text-sm text-zinc-600">
              A revoked or lost device can no longer sign in, but it still holds your encryption key. Rotating makes a new key and re-encrypts your data with it, so that key
              reads nothing written from now on. Your other devices ask for your sync passphrase once. The passphrase stays in this browser: it is never sent.
            </p>
          </div>
          {interrupted && run.state !== "working" && (
            <Alert tone="warning">
              A key rotation was interrupted ({status.data?.remaining ? status.data.remaining.records + status.data.remaining.conflicts : "some"} items still under the old key). Enter
              your passphrase to finish it.
            </Alert>
          )}
          {run.state === "failed" && <Alert tone="error">{run.message}</Alert>}
          {run.state === "done" && (
            <Alert tone="success">
              {run.resumed ? "The interrupted rotation is finished" : "Encryption key rotated"}: everything is under key {run.keyId} now ({run.reencrypted} items re-encrypted
              {run.purged !== null ? `, ${run.purged} old revisions deleted` : ""}). The old key reads nothing written from now on.
            </Alert>
          )}
          {run.state === "working" && (
            <div className="space-y-1.5">
              <label htmlFor={progressId} className="block text-sm font-medium text-zinc-800">
                {progress?.phase === "finishing" ? "Finishing…" : progress ? `Re-encrypting: ${progress.done} of ${total}` : "Making the new key…"}
              </label>
              <progress id={progressId} className="h-2 w-full" max={total || 1} value={progress ? progress.done : undefined} />
            </div>
          )}
          <div className="flex flex-wrap items-end gap-2">
            <Field label="Sync passphrase" name="passphrase" type="password" autoComplete="off" required className="min-w-60 flex-1" disabled={run.state === "working"} />
            <Button type="submit" loading={run.state === "working"}>
              {interrupted ? "Resume rotation" : "Rotate encryption key"}
            </Button>
          </div>
          {!interrupted && (
            <fieldset className="space-y-1 text-sm text-zinc-700">
              <legend className="sr-only">Older versions</legend>
              <label className="flex items-center gap-2">
                <input type="checkbox" name="includeRevisions" /> Also re-encrypt the older versions kept in each record’s history
              </label>
              <label className="flex items-center gap-2">
                <input type="checkbox" name="purge" /> Delete older versions still under the old key when done
              </label>
            </fieldset>
          )}
        </form>
      </div>
      <ConfirmDialog
        open={Boolean(confirming)}
        title={interrupted ? "Resume the key rotation?" : "Rotate your encryption key?"}
        confirmLabel={interrupted ? "Resume" : "Rotate key"}
        onCancel={() => setConfirming(undefined)}
        onConfirm={() => void rotate()}
      >
        Keep this tab open until it finishes (if it is closed, run it again to resume). Your other devices will ask for your sync passphrase on their next sync
        {confirming?.purge ? "; older versions still under the old key are deleted for good" : ""}.
      </ConfirmDialog>
    </Card>
  );
}
