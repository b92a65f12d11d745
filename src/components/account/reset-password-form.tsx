"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { api } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field } from "../ui/field";
import { formErrors } from "./errors";

/** Sets a new password from the mailed link, then signs in with it. */
export function ResetPasswordForm({ token }: { token: string }) {
  const router = useRouter();
  const reset = api.account.resetPassword.useMutation();
  const [mismatch, setMismatch] = useState<string>();
  const [signInFailed, setSignInFailed] = useState(false);
  const errors = formErrors(reset.error);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password !== String(form.get("confirmPassword") ?? "")) {
      setMismatch("The two passwords differ.");
      return;
    }
    setMismatch(undefined);
    let email: string;
    try {
      ({ email } = await reset.mutateAsync({ token, password }));
    } catch {
      return; // shown from reset.error
    }
    const result = await signIn("credentials", { email, password, redirect: false });
    if (!result || result.error) {
      setSignInFailed(true);
      return;
    }
    router.replace("/dashboard");
    router.refresh();
  }

  if (!token) {
    return (
      <Card className="p-6 sm:p-8">
        <Alert tone="error" title="This link is incomplete">
          Open the whole link from the email, or <Link className="font-medium underline" href="/forgot-password">ask for a new one</Link>.
        </Alert>
      </Card>
    );
  }

  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold text-zinc-900">Choose a new password</h1>
      <p className="mt-1 text-sm text-zinc-500">This signs you out on every other browser.</p>
      {signInFailed ? (
        <div className="mt-6">
          <Alert tone="success" title="Password changed">
            Your new password is set. <Link className="font-medium underline" href="/sign-in">Sign in</Link> with it.
          </Alert>
        </div>
      ) : (
        <form onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
          {(errors.form ?? errors.fields.token) && (
            <Alert tone="error">
              {errors.form ?? errors.fields.token}{" "}
              <Link className="font-medium underline" href="/forgot-password">
                Ask for a new link
              </Link>
            </Alert>
          )}
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            autoFocus
            minLength={10}
            hint="At least 10 characters. A long passphrase is best."
            error={errors.fields.password}
          />
          <Field label="Repeat the new password" name="confirmPassword" type="password" autoComplete="new-password" required error={mismatch} />
          <Button type="submit" className="w-full" loading={reset.isPending || reset.isSuccess}>
            Set new password
          </Button>
        </form>
      )}
    </Card>
  );
}
