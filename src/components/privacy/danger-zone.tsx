"use client";

import { INTEGRATION_COMPANIES } from "~/lib/providers";
import { useState } from "react";
import { api, errorMessage } from "~/trpc/react";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ReauthDialog } from "./reauth-dialog";

export type Farewell = "deleted" | "anonymized";

/** The two irreversible rights: anonymize (keep only counts) and delete. Each asks for the password again. */
export function DangerZone({ onGone }: { onGone: (how: Farewell) => void }) {
  const me = api.auth.me.useQuery();
  const [open, setOpen] = useState<Farewell | null>(null);
  const deleteAccount = api.privacy.deleteAccount.useMutation({ onSuccess: () => onGone("deleted") });
  const anonymize = api.privacy.anonymize.useMutation({ onSuccess: () => onGone("anonymized") });
  const close = () => {
    deleteAccount.reset();
    anonymize.reset();
    setOpen(null);
  };

  return (
    <Card className="border-red-200!">
      <CardHeader title="Danger zone" description="These cannot be undone. Your desktop app keeps its local data; only what DevPulse Cloud holds is affected." />
      <ul className="divide-y divide-zinc-100">
        <li className="flex flex-wrap items-center justify-between gap-4 px-5 py-4">
          <div className="min-w-0 flex-1 basis-72">
            <h3 className="text-sm font-semibold text-zinc-900">Anonymize my account</h3>
            <p className="mt-0.5 text-sm text-zinc-500">
              Keeps only counts that cannot point back to you (how many devices, synced records and commits, in which month), then deletes your account and everything
              else.
            </p>
          </div>
          <Button variant="secondary" className="text-red-700" onClick={() => setOpen("anonymized")}>
            Anonymize…
          </Button>
        </li>
        <li className="flex flex-wrap items-center justify-between gap-4 px-5 py-4">
          <div className="min-w-0 flex-1 basis-72">
            <h3 className="text-sm font-semibold text-zinc-900">Delete my account</h3>
            <p className="mt-0.5 text-sm text-zinc-500">Deletes your account and every piece of data DevPulse Cloud holds about you, at once.</p>
          </div>
          <Button variant="danger" onClick={() => setOpen("deleted")}>
            Delete account…
          </Button>
        </li>
      </ul>

      <ReauthDialog
        open={open === "anonymized"}
        title="Anonymize your account?"
        confirmLabel="Anonymize and delete my account"
        email={me.data?.email}
        pending={anonymize.isPending}
        error={anonymize.error ? errorMessage(anonymize.error) : undefined}
        onCancel={close}
        onConfirm={(proof) => anonymize.mutate(proof)}
        consequences={
          <>
            <p>DevPulse Cloud keeps only anonymous totals (no email, no id, no dates finer than the month). Everything else is deleted:</p>
            <ul className="mt-2 list-disc space-y-1 pl-5">
              <li>your account, sessions and signed-in devices;</li>
              <li>all synced data and its history;</li>
              <li>your integrations (access is revoked at {INTEGRATION_COMPANIES}) and what they brought: commits, calendar events, chat status;</li>
              <li>your consent history and processing log.</li>
            </ul>
            <p className="mt-2 font-medium text-zinc-800">You are signed out, and the account cannot be recovered.</p>
          </>
        }
      />
      <ReauthDialog
        open={open === "deleted"}
        title="Delete your account?"
        confirmLabel="Delete my account"
        email={me.data?.email}
        pending={deleteAccount.isPending}
        error={deleteAccount.error ? errorMessage(deleteAccount.error) : undefined}
        onCancel={close}
        onConfirm={(proof) => deleteAccount.mutate(proof)}
        consequences={
          <>
            <p>Everything DevPulse Cloud holds about you is deleted at once:</p>
            <ul className="mt-2 list-disc space-y-1 pl-5">
              <li>your account, sessions and signed-in devices;</li>
              <li>all synced data and its history;</li>
              <li>your integrations (access is revoked at {INTEGRATION_COMPANIES}) and what they brought: commits, calendar events, chat status;</li>
              <li>your consent history and processing log.</li>
            </ul>
            <p className="mt-2 font-medium text-zinc-800">You are signed out, and the account cannot be recovered.</p>
          </>
        }
      />
    </Card>
  );
}
