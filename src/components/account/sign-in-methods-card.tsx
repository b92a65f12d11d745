"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { signInMethodLabels, type SignInMethod } from "~/lib/schemas/sign-in-methods";
import { api, errorMessage, type RouterOutputs } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";

type Methods = RouterOutputs["account"]["get"]["methods"];

/** Each way to sign in: linked or not; link a provider (its sign-in, from this signed-in browser) or remove one. */
export function SignInMethodsCard({ methods, notice }: { methods: Methods; notice?: { tone: "success" | "error"; text: string } }) {
  const utils = api.useUtils();
  const [removing, setRemoving] = useState<SignInMethod>();
  const unlink = api.account.unlinkMethod.useMutation({
    onSuccess: async () => {
      setRemoving(undefined);
      await utils.account.get.invalidate();
    },
  });
  const linkedCount = methods.filter((entry) => entry.linked).length;

  return (
    <Card>
      <CardHeader title="Sign-in methods" description="The ways you can sign in to this account. At least one always stays." />
      <div className="space-y-3 p-5">
        {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
        {unlink.error && !removing && <Alert tone="error">{errorMessage(unlink.error)}</Alert>}
        <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200">
          {methods.map(({ method, linked, available }) => (
            <li key={method} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3" data-testid={`method-${method}`}>
              <div className="flex items-center gap-2">
                <span className="text-sm font-medium text-zinc-900">{signInMethodLabels[method]}</span>
                {linked ? <Badge tone="success">Linked</Badge> : <Badge>Not linked</Badge>}
              </div>
              {linked ? (
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={linkedCount <= 1}
                  title={linkedCount <= 1 ? "Your only way to sign in cannot be removed" : undefined}
                  onClick={() => {
                    unlink.reset();
                    setRemoving(method);
                  }}
                >
                  Remove
                </Button>
              ) : method === "password" ? (
                <a href="#password" className="text-sm font-medium text-brand-600 hover:text-brand-700">
                  Set a password below
                </a>
              ) : (
                available && (
                  <Button size="sm" variant="secondary" onClick={() => void signIn(method, { callbackUrl: "/settings/account" })}>
                    Link {signInMethodLabels[method]}
                  </Button>
                )
              )}
            </li>
          ))}
        </ul>
        {linkedCount <= 1 && <p className="text-xs text-zinc-500">Add another method before removing your only one.</p>}
      </div>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing ? signInMethodLabels[removing] : ""}?`}
        confirmLabel="Remove"
        pending={unlink.isPending}
        onCancel={() => setRemoving(undefined)}
        onConfirm={() => removing && unlink.mutate({ method: removing })}
      >
        {removing === "password" ? "You will no longer be able to sign in with your email and password." : "You will no longer be able to sign in with this account."}
        {unlink.error && (
          <span className="mt-3 block">
            <Alert tone="error">{errorMessage(unlink.error)}</Alert>
          </span>
        )}
      </ConfirmDialog>
    </Card>
  );
}
