"use client";

import { useId, useState } from "react";
import { formatNumberIn } from "~/lib/schemas/locale";
import { decryptAllRecords, decryptedExportDocument } from "~/lib/sync/decrypt-all";
import { api } from "~/trpc/react";
import { UnlockPanel } from "../sync/unlock-panel";
import { useSyncKey } from "../sync/sync-key";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { useLocale } from "../ui/locale";
import { Spinner } from "../ui/spinner";

type Progress = { state: "idle" } | { state: "working"; records: number; done: number } | { state: "done"; records: number; unreadable: number } | { state: "failed"; message: string };

/** Hands a file to the browser's download, from memory: nothing decrypted goes over the network. */
function download(fileName: string, contents: string) {
  const url = URL.createObjectURL(new Blob([contents], { type: "application/json" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The readable copy of the synced records: this browser pulls the ciphertext,
 * decrypts it with the key unlocked here, and saves the file. The server only
 * ever serves ciphertext, as for any device.
 */
export function DecryptedExport() {
  const { key } = useSyncKey();
  const locale = useLocale();
  const utils = api.useUtils();
  const [progress, setProgress] = useState<Progress>({ state: "idle" });
  const titleId = useId();

  async function build() {
    if (!key) return;
    setProgress({ state: "working", records: 0, done: 0 });
    try {
      const { records, unreadable } = await decryptAllRecords({
        pull: (input) => utils.client.sync.pull.query(input),
        dataKey: key.dataKey,
        userId: key.userId,
        onProgress: ({ records: count, done }) => setProgress({ state: "working", records: count, done }),
      });
      const exportedAt = new Date();
      download(`devpulse-decrypted-${exportedAt.toISOString().slice(0, 10)}.json`, JSON.stringify(decryptedExportDocument({ userId: key.userId, records, unreadable, now: exportedAt }), null, 2));
      setProgress({ state: "done", records: records.length, unreadable: unreadable.length });
    } catch (error) {
      setProgress({ state: "failed", message: error instanceof Error ? error.message : "Could not build the decrypted export." });
    }
  }

  return (
    <section className="border-t border-zinc-100 px-5 py-4" aria-labelledby={titleId}>
      <h3 id={titleId} className="text-sm font-semibold text-zinc-900">
        Decrypted copy of your synced records
      </h3>
      <p className="mt-0.5 text-sm text-zinc-500">Built in this browser with your passphrase: the server sends ciphertext as to any device, and the readable file never leaves your computer.</p>
      <div className="mt-3 space-y-3">
        {!key ? (
          <UnlockPanel purpose="build a decrypted export" framed={false} />
        ) : (
          <>
            <div className="flex flex-wrap items-center gap-3">
              <Button variant="secondary" onClick={() => void build()} loading={progress.state === "working"} disabled={progress.state === "working"}>
                Download decrypted JSON
              </Button>
              {progress.state === "working" && (
                <span className="inline-flex items-center gap-2 text-sm text-zinc-600" role="status">
                  <Spinner className="size-4" /> Decrypting… {formatNumberIn(locale, progress.records)} records ({Math.round(progress.done * 100)} %)
                </span>
              )}
              {progress.state === "done" && (
                <span className="text-sm text-zinc-600" role="status">
                  Saved {formatNumberIn(locale, progress.records)} {progress.records === 1 ? "record" : "records"}.
                </span>
              )}
            </div>
            {progress.state === "done" && progress.unreadable > 0 && (
              <Alert tone="warning">
                {progress.unreadable} {progress.unreadable === 1 ? "record" : "records"} could not be decrypted with this passphrase (altered, or written under another key); the file lists them under
                “unreadable”.
              </Alert>
            )}
            {progress.state === "failed" && <Alert tone="error">{progress.message}</Alert>}
            <p className="text-xs text-zinc-500">The file holds your data in plain text: keep it somewhere safe.</p>
          </>
        )}
      </div>
    </section>
  );
}
