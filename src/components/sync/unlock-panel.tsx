"use client";

import { useState, type FormEvent } from "react";
import { LockIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field } from "../ui/field";
import { api } from "~/trpc/react";
import { unlockErrorMessage, useSyncKey } from "./sync-key";

/**
 * Asks for the sync passphrase; the key is derived here, in the browser (~¼ s), and never leaves it.
 * `framed={false}` drops the card, for use inside another card's section.
 */
export function UnlockPanel({ purpose, framed = true }: { purpose: string; framed?: boolean }) {
  const { unlock } = useSyncKey();
  // No key bundle yet: there is nothing to unlock, so say how sync starts instead of asking for a passphrase.
  const bundle = api.sync.keys.get.useQuery(undefined, { staleTime: 60_000 });
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const passphrase = String(new FormData(event.currentTarget).get("passphrase") ?? "");
    setPending(true);
    setError(undefined);
    try {
      await unlock(passphrase);
    } catch (caught) {
      setError(unlockErrorMessage(caught));
    } finally {
      setPending(false);
    }
  }

  const notSetUp = bundle.isSuccess && bundle.data === null;
  const panel = notSetUp ? (
    <div className="flex items-start gap-4">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-zinc-100 text-zinc-500">
        <LockIcon />
      </span>
      <div className="min-w-0 flex-1">
        <h2 className="font-semibold text-zinc-900">Sync is not set up yet</h2>
        <p className="mt-0.5 text-sm text-zinc-600">
          To {purpose}, set a sync passphrase in the DevPulse desktop app and sync once. Your data is end-to-end encrypted with it; this page then asks for it here.
        </p>
      </div>
    </div>
  ) : (
      <div className="flex items-start gap-4">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
          <LockIcon />
        </span>
        <form onSubmit={onSubmit} className="min-w-0 flex-1 space-y-3">
          <div>
            <h2 className="font-semibold text-zinc-900">Unlock to {purpose}</h2>
            <p className="mt-0.5 text-sm text-zinc-600">
              Your data is end-to-end encrypted. Enter your sync passphrase: the key is derived in this browser and kept in memory only — it is never sent.
            </p>
          </div>
          {error && <Alert tone="error">{error}</Alert>}
          <div className="flex flex-wrap items-end gap-2">
            <Field label="Sync passphrase" name="passphrase" type="password" autoComplete="off" required className="min-w-60 flex-1" />
            <Button type="submit" loading={pending}>
              Unlock
            </Button>
          </div>
        </form>
      </div>
  );
  return framed ? <Card className="p-5 sm:p-6">{panel}</Card> : panel;
}
