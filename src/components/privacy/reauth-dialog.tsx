"use client";

import { oauthSignInMethods, signInMethodLabels } from "~/lib/schemas/sign-in-methods";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { useModalDialog } from "../ui/dialog";
import { Field } from "../ui/field";

/** "GitHub, Google, Microsoft or LinkedIn": the ways in without a password. */
const OAUTH_SIGN_IN_COMPANIES = new Intl.ListFormat("en", { type: "disjunction" }).format(oauthSignInMethods.map((method) => signInMethodLabels[method]));

export type Reauthentication = { password: string } | { confirmEmail: string };

/**
 * A destructive action that asks again who is there: the account password, or —
 * for accounts that sign in only with a provider (GitHub, Google, Microsoft, LinkedIn) — the account email, typed.
 * On the native <dialog> (focus trapped, Escape cancels), like ConfirmDialog.
 */
export function ReauthDialog({
  open,
  title,
  consequences,
  confirmLabel,
  email,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  consequences: ReactNode;
  confirmLabel: string;
  email: string | undefined;
  pending: boolean;
  error: string | undefined;
  onConfirm: (proof: Reauthentication) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const ref = useModalDialog(open);
  const [withEmail, setWithEmail] = useState(false);
  const [password, setPassword] = useState("");
  const [typedEmail, setTypedEmail] = useState("");
  const [missing, setMissing] = useState<string>();

  // A fresh start each time it opens: no password left behind in the page.
  const [wasOpen, setWasOpen] = useState(open);
  if (wasOpen !== open) {
    setWasOpen(open);
    if (!open) {
      setPassword("");
      setTypedEmail("");
      setMissing(undefined);
      setWithEmail(false);
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (withEmail) {
      if (!typedEmail.trim()) return setMissing("Type your account's email address to confirm.");
      onConfirm({ confirmEmail: typedEmail.trim() });
    } else {
      if (!password) return setMissing("Enter your password to confirm it is you.");
      onConfirm({ password });
    }
  }

  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-consequences`}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) onCancel();
      }}
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-0 shadow-xl"
    >
      <form onSubmit={submit} noValidate>
        <div className="space-y-4 p-5">
          <h2 id={`${id}-title`} className="text-base font-semibold text-zinc-900">
            {title}
          </h2>
          <div id={`${id}-consequences`} className="text-sm text-zinc-600">
            {consequences}
          </div>
          {withEmail ? (
            <Field
              key="email"
              label="Your account email"
              type="email"
              autoComplete="off"
              value={typedEmail}
              onChange={(event) => {
                setTypedEmail(event.target.value);
                setMissing(undefined);
              }}
              hint={email ? `Type ${email} to confirm.` : "Type the email address you sign in with."}
              error={missing}
              autoFocus
            />
          ) : (
            <Field
              key="password"
              label="Your password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => {
                setPassword(event.target.value);
                setMissing(undefined);
              }}
              hint="We ask again so nobody else can do this from a session you left open."
              error={missing}
              autoFocus
            />
          )}
          <button
            type="button"
            className="text-sm font-medium text-brand-600 hover:text-brand-700"
            onClick={() => {
              setWithEmail((value) => !value);
              setMissing(undefined);
            }}
          >
            {withEmail ? "My account has a password" : `I have no password: I sign in with ${OAUTH_SIGN_IN_COMPANIES}`}
          </button>
          {error && <Alert tone="error">{error}</Alert>}
        </div>
        <div className="flex flex-wrap justify-end gap-2 rounded-b-xl bg-zinc-50 px-5 py-3">
          <Button variant="secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" loading={pending}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
