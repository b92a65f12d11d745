"use client";

import { SYNC_COLLECTIONS, type SyncCollection } from "~/lib/schemas/collections";
import { errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { useLocale } from "../ui/locale";
import type { DeletionOffer, Notice } from "./deletion-offer";
import { collectionLabels } from "~/lib/schemas/collections";
import { formatDate } from "./labels";
import { SaveStatus } from "./save-status";
import { SwitchRow } from "../ui/switch";
import { useRecordConsent, useUpdateSettings, type Consents, type Settings } from "./use-privacy";

/** Cloud sync as a consent (with the policy it was given under) and, under it, each synced collection. */
export function CloudSyncCard({ settings, consents, notice, onOffer }: { settings: Settings; consents: Consents; notice: Notice | null; onOffer: (offer: DeletionOffer) => void }) {
  const locale = useLocale();
  const consent = useRecordConsent();
  const update = useUpdateSettings();
  const decision = consents.current.cloud_sync;

  const consentPending = consent.isPending && consent.variables?.type === "cloud_sync";
  const cloudOn = consentPending ? consent.variables.granted : settings.enableCloudSync;
  const pendingCollection = update.isPending ? (Object.keys(update.variables?.collections ?? {})[0] as SyncCollection | undefined) : undefined;

  function setCloudSync(granted: boolean) {
    update.reset();
    consent.mutate({ type: "cloud_sync", granted }, { onSuccess: (result) => !granted && result.offerDeletion && onOffer({ kind: "cloud_sync" }) });
  }

  function setCollection(collection: SyncCollection, on: boolean) {
    consent.reset();
    update.mutate({ collections: { [collection]: on } }, { onSuccess: () => !on && onOffer({ kind: "collection", collection }) });
  }

  const failure = consent.error ?? update.error;
  return (
    <Card>
      <CardHeader
        title="Cloud sync"
        description="End-to-end encrypted copies of your desktop data, so all your machines stay in step."
        action={<SaveStatus pending={consent.isPending || update.isPending} saved={consent.isSuccess || update.isSuccess} />}
      />
      <div className="space-y-4 px-5 py-4">
        <SwitchRow
          label="Sync my data to DevPulse Cloud"
          checked={cloudOn}
          pending={consentPending}
          onChange={setCloudSync}
          description={
            <>
              When this is on, you agree that DevPulse Cloud stores end-to-end encrypted copies of the collections you choose below, keeps their history for your cloud
              retention period, and passes them to your other signed-in devices. The server cannot read what they contain. Turning it off withdraws your consent: the server
              refuses new uploads at once.
            </>
          }
        >
          <p className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-500">
            <Badge tone="neutral">Privacy policy {consents.policyVersion}</Badge>
            {decision ? (
              <span>
                {decision.granted ? "You agreed" : "You withdrew your consent"} on {formatDate(locale, decision.at)}
                {decision.policyVersion !== consents.policyVersion && ` (under policy ${decision.policyVersion})`}.
              </span>
            ) : (
              <span>Off until you agree here or set a sync passphrase in the DevPulse app.</span>
            )}
          </p>
        </SwitchRow>
        {failure && <Alert tone="error">{errorMessage(failure)}</Alert>}
        {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
        {!settings.enableCloudSync && decision && (
          <div className="flex flex-wrap items-center justify-between gap-2 rounded-lg bg-zinc-50 px-4 py-3 text-sm text-zinc-600">
            <span>Cloud sync is off: nothing is uploaded, whatever you choose below.</span>
            <Button variant="ghost" size="sm" className="text-red-700" onClick={() => onOffer({ kind: "cloud_sync" })}>
              Delete all synced data…
            </Button>
          </div>
        )}
      </div>

      <div className="border-t border-zinc-100 px-5 py-4">
        <h3 className="text-sm font-semibold text-zinc-900">What is synced</h3>
        <p className="mt-0.5 text-sm text-zinc-500">Switch a collection off and the server refuses to store it; you can then delete what it already holds.</p>
        <ul className="mt-3 grid gap-3 sm:grid-cols-2" aria-label="Synced collections">
          {SYNC_COLLECTIONS.map((collection) => {
            const label = collectionLabels[collection];
            const pending = pendingCollection === collection;
            const on = pending ? Boolean(update.variables?.collections?.[collection]) : settings.collections[collection];
            return (
              <li key={collection} className="rounded-lg border border-zinc-200 p-4">
                <SwitchRow label={label.name} description={label.description} checked={on} pending={pending} disabled={update.isPending} onChange={(next) => setCollection(collection, next)}>
                  {!settings.collections[collection] && !pending && (
                    <button type="button" className="mt-2 text-sm font-medium text-red-700 hover:underline" onClick={() => onOffer({ kind: "collection", collection })}>
                      Delete server copy…
                    </button>
                  )}
                </SwitchRow>
              </li>
            );
          })}
        </ul>
      </div>
    </Card>
  );
}
