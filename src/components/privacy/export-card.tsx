"use client";

import { api, errorMessage } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { useRealtime } from "../realtime/use-realtime";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Spinner } from "../ui/spinner";
import { DecryptedExport } from "./decrypted-export";
import { formatNumberIn, type SupportedLocale } from "~/lib/schemas/locale";
import { useLocale } from "../ui/locale";

const formatName = { json: "JSON", csv: "CSV zip" } as const;
const kib = (locale: SupportedLocale, bytes: number | null) => (bytes === null ? "" : bytes < 1024 ? `${formatNumberIn(locale, bytes)} B` : `${formatNumberIn(locale, bytes / 1024, 1)} KiB`);

/**
 * Everything the server holds about the user: built by a job, announced by
 * privacy:export_ready, downloadable by them for an hour, then deleted. Encrypted
 * records come as ciphertext (with the wrapped key), never decrypted by the server.
 * A build has a deadline: past it the server lists it as failed, which ends the polling.
 */
export function ExportCard() {
  const locale = useLocale();
  const utils = api.useUtils();
  const exports = api.privacy.exports.useQuery(undefined, {
    refetchInterval: (query) => (query.state.data?.some((entry) => entry.status === "building") ? 3000 : false),
  });
  const request = api.privacy.export.useMutation({ onSuccess: () => void utils.privacy.exports.invalidate() });
  useRealtime("privacy:export_ready", () => {
    void utils.privacy.exports.invalidate();
    void utils.privacy.processingLog.invalidate();
  });

  return (
    <Card>
      <CardHeader
        title="Export my data"
        description="A copy of everything DevPulse Cloud holds about you: account, settings, consents, processing log, devices, integrations (never their tokens), cached provider data, and your encrypted records as the ciphertext we store."
      />
      <div className="space-y-4 px-5 py-4">
        <div className="flex flex-wrap items-center gap-2">
          <Button onClick={() => request.mutate({ format: "json" })} loading={request.isPending && request.variables?.format === "json"} disabled={request.isPending}>
            Export as JSON
          </Button>
          <Button variant="secondary" onClick={() => request.mutate({ format: "csv" })} loading={request.isPending && request.variables?.format === "csv"} disabled={request.isPending}>
            Export as CSV (zip)
          </Button>
        </div>
        {request.error && <Alert tone="error">{errorMessage(request.error)}</Alert>}
        {exports.isError && !exports.data && (
          <LoadError inset={false} title="Could not load your exports" message={errorMessage(exports.error)} onRetry={() => void exports.refetch()} retrying={exports.isFetching} />
        )}
        {exports.data && exports.data.length > 0 && (
          <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-100" aria-label="Your exports">
            {exports.data.map((entry) => (
              <li key={entry.id} className="flex flex-wrap items-center gap-3 px-4 py-3 text-sm">
                <span className="font-medium text-zinc-900">{formatName[entry.format]}</span>
                <span className="text-zinc-500">requested {timeAgo(entry.createdAt)}</span>
                {entry.status === "building" && (
                  <span className="inline-flex items-center gap-2 text-zinc-600">
                    <Spinner className="size-4" /> Building…
                  </span>
                )}
                {entry.status === "failed" && (
                  <>
                    <Badge tone="danger">Failed</Badge>
                    {entry.error && <span className="text-zinc-600">{entry.error}</span>}
                    <Button
                      size="sm"
                      variant="secondary"
                      className="ml-auto"
                      aria-label={`Try again (${formatName[entry.format]} export)`}
                      onClick={() => request.mutate({ format: entry.format })}
                      disabled={request.isPending}
                    >
                      Try again
                    </Button>
                  </>
                )}
                {entry.status === "expired" && (
                  <>
                    <Badge>Link expired</Badge>
                    <span className="text-zinc-600">The file was deleted from the server.</span>
                  </>
                )}
                {entry.downloadUrl && (
                  <a className="ml-auto font-medium text-brand-700 underline" href={entry.downloadUrl} download>
                    Download ({kib(locale, entry.bytes)})
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
        <p className="text-xs text-zinc-500">Links work for you only, for an hour; then the file is deleted. Encrypted records stay encrypted in these files; for a readable copy, use the decrypted export below.</p>
      </div>
      <DecryptedExport />
    </Card>
  );
}
