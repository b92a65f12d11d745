"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useState } from "react";
import { TRPCClientError } from "@trpc/client";
import { sealRecord, type StoredVersion } from "~/lib/crypto";
import { openOrExplain, type Opened } from "~/lib/sync/open-or-explain";
import { isConflictChange, setAtPath, type FieldChange, type Json } from "~/lib/merge";
import { collectionLabel, collectionValueSchemas, type SyncCollection } from "~/lib/schemas/collections";
import type { RealtimePayload } from "~/lib/realtime/events";
import { api, errorMessage } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";
import { timeAgo } from "../devices/format";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button, ButtonLink } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Loading } from "../ui/loading";
import { UnlockPanel } from "../sync/unlock-panel";
import { useSyncKey } from "../sync/sync-key";
import { compareConflictVersions } from "./compare";
import { conflictTypeLabels, resolutionLabels } from "./labels";

type Side = "local" | "remote";
type Versions = { base: Json | null; local: Json | null; remote: Json | null };
/** The versions that did not open (tampered with, corrupted, or written wrongly by another client), and the first reason. */
type DecryptFailure = { sides: (keyof Versions)[]; message: string };

const versionNames: Record<keyof Versions, string> = { base: "The common base", local: "This device's version", remote: "The server's version" };
type VersionRow = (StoredVersion & { schemaVersion: number }) | null;

const kindLabels: Record<FieldChange["kind"], { text: string; tone: "neutral" | "brand" | "warning" | "success" }> = {
  unchanged: { text: "unchanged", tone: "neutral" },
  local_only: { text: "changed on this device", tone: "brand" },
  remote_only: { text: "changed on the server", tone: "brand" },
  both_same: { text: "same change on both", tone: "success" },
  both_different: { text: "changed on both", tone: "warning" },
  deleted_local: { text: "deleted on this device", tone: "warning" },
  deleted_remote: { text: "deleted on the server", tone: "warning" },
};

const pathKey = (path: string[]) => (path.length ? path.join(".") : "(whole record)");
const show = (value: Json | undefined) => (value === undefined ? "—" : JSON.stringify(value));

/** Decrypts a conflict's versions in the browser and lets a person choose field by field or edit the JSON. */
export function ConflictResolver({ id }: { id: string }) {
  const { key } = useSyncKey();
  const router = useRouter();
  const utils = api.useUtils();
  const conflict = api.conflicts.get.useQuery({ id }, { refetchOnWindowFocus: false });
  const [versions, setVersions] = useState<Versions>();
  const [decryptFailure, setDecryptFailure] = useState<DecryptFailure>();
  const [choices, setChoices] = useState<Record<string, Side>>({});
  const [editedText, setEditedText] = useState<string>();
  const resultId = useId();
  const resolve = api.conflicts.resolve.useMutation({
    onSuccess: async () => {
      await utils.conflicts.list.invalidate();
      router.push("/conflicts");
    },
  });

  const data = conflict.data;

  // Live: if the record moves on (another device synced) or the conflict is resolved
  // elsewhere while this page is open, say so before the person saves. The versions on
  // screen stay as they are until they choose to reload: nothing changes under their eyes.
  const [changed, setChanged] = useState<"record" | "resolved">();
  const checkLatest = async () => {
    if (!data || data.status !== "open" || resolve.isPending || resolve.isSuccess) return;
    const latest = await utils.client.conflicts.get.query({ id });
    if (latest.status !== "open") setChanged("resolved");
    else if ((latest.remote?.revision ?? null) !== (data.remote?.revision ?? null)) setChanged("record");
  };
  const check = () => void checkLatest().catch(() => {}); // a failed check changes nothing; the server still refuses a stale save
  useRealtime(
    ["sync:changed", "sync:conflict_resolved"],
    (payload, event) => {
      if (event === "sync:conflict_resolved" && (payload as RealtimePayload<"sync:conflict_resolved">).conflictId !== id) return;
      check();
    },
    { onReady: check },
  );
  const reloadLatest = () => {
    setChanged(undefined);
    resolve.reset();
    setVersions(undefined);
    setDecryptFailure(undefined);
    setChoices({});
    setEditedText(undefined);
    void conflict.refetch();
  };

  useEffect(() => {
    if (!key || !data) return;
    let cancelled = false;
    const open = (version: VersionRow): Promise<Opened> =>
      version
        ? openOrExplain(key.dataKey, { userId: key.userId, collection: data.collection, recordId: data.recordId, schemaVersion: version.schemaVersion }, version)
        : Promise.resolve({ value: null });
    // Each side on its own: one that does not open leaves the other to keep.
    void Promise.all([open(data.base), open(data.local), open(data.remote)]).then(([base, local, remote]) => {
      if (cancelled) return;
      const opened = { base, local, remote };
      const failed = (Object.keys(opened) as (keyof Versions)[]).filter((side) => "error" in opened[side]);
      const value = (side: keyof Versions) => ("value" in opened[side] ? (opened[side].value as Json | null) : null);
      if (failed.length > 0) setDecryptFailure({ sides: failed, message: (opened[failed[0]!] as { error: string }).error });
      else setVersions({ base: value("base"), local: value("local"), remote: value("remote") });
    });
    return () => {
      cancelled = true;
    };
  }, [key, data]);

  // Compared in one schema where the page knows how; otherwise by field name, with a notice.
  const analysis = useMemo(() => {
    if (!versions || !data) return undefined;
    const at = (value: Json | null, row: VersionRow) => (row ? { value, schemaVersion: row.schemaVersion } : null);
    return compareConflictVersions(data.collection as SyncCollection, {
      base: at(versions.base, data.base),
      local: { value: versions.local, schemaVersion: data.local.schemaVersion },
      remote: at(versions.remote, data.remote),
    });
  }, [versions, data]);

  const chosen = useMemo(() => {
    if (!analysis || !versions) return undefined;
    let result = analysis.merge.merged;
    for (const change of analysis.changes) {
      const side = choices[pathKey(change.path)];
      if (side) result = setAtPath(result, change.path, side === "local" ? change.local : change.remote);
    }
    return result;
  }, [analysis, choices, versions]);

  const choose = (name: string, side: Side) => {
    setEditedText(undefined);
    setChoices((all) => ({ ...all, [name]: side }));
  };

  const resultText = editedText ?? (chosen === undefined ? "" : JSON.stringify(chosen, null, 2));
  const validation = useMemo(() => {
    if (!data) return undefined;
    try {
      const parsed = JSON.parse(resultText) as Json;
      const check = collectionValueSchemas[data.collection as SyncCollection].safeParse(parsed);
      if (!check.success) return { error: check.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ") };
      return { value: parsed };
    } catch {
      return { error: "Not valid JSON." };
    }
  }, [resultText, data]);

  if (conflict.isPending) {
    return (
      <Loading label="Loading conflict" />
    );
  }
  if (conflict.isError) {
    return (
      <Alert tone="error" title="Could not load this conflict">
        {errorMessage(conflict.error)} <Link className="font-medium underline" href="/conflicts">Back to conflicts</Link>
      </Alert>
    );
  }
  const c = conflict.data;
  const stale = resolve.error instanceof TRPCClientError && (resolve.error.data as { code?: string } | undefined)?.code === "PRECONDITION_FAILED";
  const submit = async (strategy: "local_wins" | "remote_wins" | "manual") => {
    const expectedRevision = c.remote?.revision ?? null;
    if (strategy !== "manual") return resolve.mutate({ id, strategy, expectedRevision });
    if (!key || !validation?.value) return;
    // the schema the versions were compared in: never older than either side
    const schemaVersion = Math.max(c.local.schemaVersion, c.remote?.schemaVersion ?? 0, analysis?.aligned.schemaVersion ?? 0);
    const sealed = await sealRecord(key.dataKey, { userId: key.userId, collection: c.collection, recordId: c.recordId, schemaVersion }, validation.value);
    resolve.mutate({ id, strategy: "manual", expectedRevision, resolved: { ...sealed, schemaVersion, deleted: false } });
  };

  return (
    <div className="space-y-6">
      <Card className="p-5">
        <div className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm text-zinc-600">
          <span className="font-medium text-zinc-900">
            {collectionLabel(c.collection)} / <span className="font-mono text-sm">{c.recordId}</span>
          </span>
          <Badge tone="warning">{conflictTypeLabels[c.type]}</Badge>
          <span>
            From <strong className="text-zinc-900">{c.deviceName ?? "a removed device"}</strong> {timeAgo(c.createdAt)}
          </span>
          <span>
            Base revision {c.baseRevision ?? "— (created on both)"} · server revision {c.remote?.revision ?? "—"}
          </span>
          {c.remote && c.remote.schemaVersion !== c.local.schemaVersion && (
            <span>
              Schema: this device {c.local.schemaVersion} · server {c.remote.schemaVersion}
            </span>
          )}
          {c.status === "resolved" && <Badge tone="success">Resolved: {c.resolution ? (resolutionLabels[c.resolution] ?? c.resolution) : "—"}</Badge>}
          <Link className="ml-auto font-medium text-brand-600 hover:text-brand-700" href={`/conflicts/history/${c.collection}/${encodeURIComponent(c.recordId)}`}>
            Record history
          </Link>
        </div>
      </Card>

      {changed && (
        <Alert tone="warning" title={changed === "resolved" ? "This conflict was resolved elsewhere" : "This record changed while you were looking at it"}>
          {changed === "resolved"
            ? "Another device or tab resolved it meanwhile, so there is nothing left to save here. "
            : "Another device synced a newer version. Saving now would decide against a version you have not seen, so it is blocked until you reload; your choices here start over. "}
          <button type="button" className="font-medium underline" onClick={reloadLatest}>
            Reload the latest
          </button>
        </Alert>
      )}

      {!key ? (
        <UnlockPanel purpose="compare the versions" />
      ) : decryptFailure ? (
        <UnreadableVersions
          failure={decryptFailure}
          open={c.status === "open" && !changed}
          pending={resolve.isPending}
          error={resolve.error ? errorMessage(resolve.error) : undefined}
          onKeep={(strategy) => void submit(strategy)}
        />
      ) : !versions || !analysis ? (
        <Loading label="Decrypting in your browser" />
      ) : (
        <>
          {analysis.schemaNotice && (
            <Alert tone="info" title={analysis.schemaNotice.title}>
              {analysis.schemaNotice.text}
            </Alert>
          )}
          <Card>
            <CardHeader
              title="What changed"
              description={
                analysis.merge.clean
                  ? "No field was changed differently on both sides: the automatic merge below keeps every change."
                  : `${analysis.merge.conflicts.length} field(s) changed differently on both sides: choose for each.`
              }
            />
            {/* relative: keeps the sr-only legends (absolutely positioned) inside the scroll box on phones */}
            <div className="relative overflow-x-auto">
              <table className="w-full min-w-[40rem] text-left text-sm">
                <thead className="bg-zinc-50 text-xs uppercase tracking-wide text-zinc-500">
                  <tr>
                    <th scope="col" className="px-5 py-2.5 font-medium">Field</th>
                    <th scope="col" className="px-3 py-2.5 font-medium">Base</th>
                    <th scope="col" className="px-3 py-2.5 font-medium">This device ({c.deviceName ?? "removed"})</th>
                    <th scope="col" className="px-3 py-2.5 font-medium">Server</th>
                    <th scope="col" className="px-5 py-2.5 font-medium">Keep</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-zinc-100">
                  {analysis.changes.map((change) => {
                    const name = pathKey(change.path);
                    const conflictRow = isConflictChange(change);
                    const current = choices[name];
                    return (
                      <tr key={name} className={conflictRow ? "bg-amber-50/60" : undefined}>
                        <th scope="row" className="px-5 py-3 align-top font-mono text-xs font-medium text-zinc-900">
                          {name}
                          <div className="mt-1 font-sans">
                            <Badge tone={kindLabels[change.kind].tone}>{kindLabels[change.kind].text}</Badge>
                          </div>
                        </th>
                        <td className="max-w-48 break-words px-3 py-3 align-top font-mono text-xs text-zinc-500">{show(change.base)}</td>
                        <td className="max-w-48 break-words px-3 py-3 align-top font-mono text-xs text-zinc-900">{show(change.local)}</td>
                        <td className="max-w-48 break-words px-3 py-3 align-top font-mono text-xs text-zinc-900">{show(change.remote)}</td>
                        <td className="px-5 py-3 align-top">
                          <fieldset className="flex gap-3">
                            <legend className="sr-only">Keep for {name}</legend>
                            {(["local", "remote"] as const).map((side) => (
                              <label key={side} className="flex items-center gap-1.5 whitespace-nowrap text-sm">
                                <input
                                  type="radio"
                                  name={`choice-${name}`}
                                  checked={current === side}
                                  // onClick too: choosing the already-chosen side again must still discard hand edits
                                  onChange={() => choose(name, side)}
                                  onClick={() => choose(name, side)}
                                  aria-label={`Keep ${side === "local" ? "this device's" : "the server's"} ${name}`}
                                />
                                {side === "local" ? "Mine" : "Theirs"}
                              </label>
                            ))}
                          </fieldset>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </Card>

          <Card>
            <CardHeader title="Result" description="The merged value with your choices. You can also edit the JSON directly; it is checked against the collection's schema." />
            <div className="space-y-3 p-5">
              <label htmlFor={resultId} className="sr-only">
                Resolved JSON
              </label>
              <textarea
                id={resultId}
                value={resultText}
                onChange={(event) => setEditedText(event.target.value)}
                spellCheck={false}
                rows={Math.min(18, Math.max(6, resultText.split("\n").length + 1))}
                aria-invalid={validation?.error ? true : undefined}
                aria-describedby={`${resultId}-status`}
                className="block w-full rounded-lg border border-zinc-300 bg-zinc-950 p-3 font-mono text-xs text-zinc-100 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
              />
              <p id={`${resultId}-status`} className={`text-xs ${validation?.error ? "font-medium text-red-600" : "text-emerald-700"}`}>
                {validation?.error ?? `Valid ${collectionLabel(c.collection).toLowerCase()} record.`}
              </p>
              {!analysis.merge.clean && Object.keys(choices).length === 0 && editedText === undefined && (
                <Alert tone="warning">Fields changed on both sides show this device&apos;s value until you choose.</Alert>
              )}
            </div>
          </Card>

          {resolve.error && (
            <Alert tone="error" title={stale ? "The record changed meanwhile" : "Could not resolve"}>
              {errorMessage(resolve.error)}{" "}
              {stale && (
                <button type="button" className="font-medium underline" onClick={reloadLatest}>
                  Reload the latest
                </button>
              )}
            </Alert>
          )}

          {c.status === "open" && (
            <div className="flex flex-wrap gap-2">
              <Button onClick={() => void submit("manual")} disabled={!validation?.value || resolve.isPending || Boolean(changed)} loading={resolve.isPending && resolve.variables?.strategy === "manual"}>
                Save this result
              </Button>
              <Button variant="secondary" onClick={() => void submit("local_wins")} disabled={resolve.isPending || Boolean(changed)}>
                Keep mine
              </Button>
              <Button variant="secondary" onClick={() => void submit("remote_wins")} disabled={resolve.isPending || Boolean(changed)}>
                Keep theirs
              </Button>
              <ButtonLink href="/conflicts" variant="ghost">
                Cancel
              </ButtonLink>
              {analysis.keepMineDropsFields && (
                <p className="basis-full text-xs text-zinc-600">&ldquo;Keep mine&rdquo; puts the older app&apos;s version back: fields only the newer app knows are dropped.</p>
              )}
            </div>
          )}
        </>
      )}
    </div>
  );
}

/**
 * A side that does not open cannot be compared or merged: say which, and offer to keep a side that
 * did open (the server keeps both versions in the conflict either way until it is resolved).
 */
function UnreadableVersions(props: { failure: DecryptFailure; open: boolean; pending: boolean; error?: string; onKeep: (strategy: "local_wins" | "remote_wins") => void }) {
  const { failure, open, pending, error, onKeep } = props;
  const readable = (side: Side) => !failure.sides.includes(side);
  return (
    <div className="space-y-4">
      <Alert tone="error" title={`${failure.sides.map((side) => versionNames[side]).join(" and ")} cannot be decrypted`}>
        {failure.message}. Nothing can be compared with it here{open && (readable("local") || readable("remote")) ? ", but you can keep a version that opened." : "."}
      </Alert>
      {error && (
        <Alert tone="error" title="Could not resolve">
          {error}
        </Alert>
      )}
      {open && (
        <div className="flex flex-wrap gap-2">
          {readable("local") && (
            <Button onClick={() => onKeep("local_wins")} disabled={pending} loading={pending}>
              Keep mine
            </Button>
          )}
          {readable("remote") && (
            <Button variant={readable("local") ? "secondary" : "primary"} onClick={() => onKeep("remote_wins")} disabled={pending}>
              Keep theirs
            </Button>
          )}
          <ButtonLink href="/conflicts" variant="ghost">
            Cancel
          </ButtonLink>
        </div>
      )}
    </div>
  );
}
