"use client";

import Link from "next/link";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";

/**
 * Confirms a new email address. A button, not an automatic request on load: mail
 * scanners open links, and the link works only once.
 */
export function ConfirmEmail({ token }: { token: string }) {
  const confirm = api.account.confirmEmailChange.useMutation();
  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold text-zinc-900">Confirm your new email</h1>
      <div className="mt-6 space-y-4">
        {confirm.data ? (
          <Alert tone="success" title="Email changed">
            Your account now uses {confirm.data.email}. <Link className="font-medium underline" href="/settings/account">Back to your account</Link>
          </Alert>
        ) : (
          <>
            {confirm.error && <Alert tone="error">{errorMessage(confirm.error)}</Alert>}
            <p className="text-sm text-zinc-600">Use this address to sign in and to receive mail from DevPulse Cloud.</p>
            <Button className="w-full" loading={confirm.isPending} disabled={!token} onClick={() => confirm.mutate({ token })}>
              Confirm new email
            </Button>
          </>
        )}
      </div>
    </Card>
  );
}
