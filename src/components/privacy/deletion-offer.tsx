"use client";

import type { SyncCollection } from "~/lib/schemas/collections";
import { api, errorMessage, type RouterOutputs } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { collectionLabels } from "~/lib/schemas/collections";

type Provider = RouterOutputs["integrations"]["list"][number]["provider"];

/** Data the user may want gone after switching its processing off. */
export type DeletionOffer = { kind: "cloud_sync" } | { kind: "collection"; collection: SyncCollection } | { kind: "integration"; provider: Provider; name: string };

/** Where the outcome is shown: the card the user was working in. */
export type Notice = { origin: "cloud" | "integrations"; tone: "success" | "error" | "info"; text: string };

function plural(count: number, one: string, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * The one confirmation for deleting what the server holds after processing was
 * switched off (a single dialog on the page, so its accessible name is unambiguous).
 */
export function DeletionOfferDialog({ offer, onClose, onDone }: { offer: DeletionOffer | null; onClose: () => void; onDone: (notice: Notice) => void }) {
  const utils = api.useUtils();
  const refresh = () =>
    void Promise.all([utils.privacy.processingLog.invalidate(), utils.integrations.list.invalidate(), utils.privacy.consents.invalidate(), utils.privacy.settings.invalidate()]);
  const deleteAll = api.sync.deleteAll.useMutation({ onSettled: refresh });
  const deleteCollection = api.privacy.deleteCollection.useMutation({ onSettled: refresh });
  const disconnect = api.integrations.disconnect.useMutation({ onSettled: refresh });
  const pending = deleteAll.isPending || deleteCollection.isPending || disconnect.isPending;
  const failure = deleteAll.error ?? deleteCollection.error ?? disconnect.error;

  const reset = () => {
    deleteAll.reset();
    deleteCollection.reset();
    disconnect.reset();
  };
  const close = () => {
    if (pending) return;
    reset();
    onClose();
  };
  const finish = (notice: Notice) => {
    reset();
    onDone(notice);
  };

  function confirm() {
    if (!offer) return;
    if (offer.kind === "cloud_sync") {
      deleteAll.mutate(
        { confirm: "DELETE" },
        { onSuccess: () => finish({ origin: "cloud", tone: "success", text: "Deleted everything you had synced: records, their history, conflicts and the encrypted key bundle." }) },
      );
    } else if (offer.kind === "collection") {
      const name = collectionLabels[offer.collection].name.toLowerCase();
      deleteCollection.mutate(
        { collection: offer.collection },
        { onSuccess: ({ deleted }) => finish({ origin: "cloud", tone: "success", text: deleted === 0 ? `The server held no ${name}: nothing to delete.` : `Deleted ${plural(deleted, "record")} of ${name} (with their history) from the server.` }) },
      );
    } else {
      disconnect.mutate(
        { provider: offer.provider },
        { onSuccess: () => finish({ origin: "integrations", tone: "success", text: `Disconnected ${offer.name} and deleted its tokens and every commit and repository it cached.` }) },
      );
    }
  }

  const content = (() => {
    if (!offer) return { title: "Delete the data?", confirmLabel: "Delete", body: null };
    if (offer.kind === "cloud_sync")
      return {
        title: "Delete your synced data too?",
        confirmLabel: "Delete all synced data",
        body: "Cloud sync is off: the server refuses new uploads. It still holds what your devices uploaded before, encrypted. Delete all of it (records, history, conflicts and your encrypted key bundle)? Your devices keep their local copies.",
      };
    if (offer.kind === "collection") {
      const name = collectionLabels[offer.collection].name.toLowerCase();
      return {
        title: `Delete what the server holds of ${name} too?`,
        confirmLabel: `Delete ${name} from the server`,
        body: `Syncing ${name} is off: the server refuses new uploads of them. It still holds the ${name} your devices uploaded before, with their history. Delete them from the server? Your devices keep their local copies.`,
      };
    }
    return {
      title: `Disconnect ${offer.name} and delete its data?`,
      confirmLabel: `Disconnect ${offer.name}`,
      body: `${offer.name} is disabled: DevPulse no longer fetches anything from it. Disconnecting also revokes DevPulse's access at ${offer.name} and deletes your tokens and every commit and repository it cached.`,
    };
  })();

  return (
    <ConfirmDialog open={offer !== null} title={content.title} confirmLabel={content.confirmLabel} pending={pending} onCancel={close} onConfirm={confirm}>
      <p>{content.body}</p>
      <p className="mt-2">Choose Cancel to keep it: you can delete it from this page later.</p>
      {failure && (
        <div className="mt-3">
          <Alert tone="error">{errorMessage(failure)}</Alert>
        </div>
      )}
    </ConfirmDialog>
  );
}
