"use client";

import { useState, type FormEvent } from "react";
import { api } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { formErrors } from "./errors";

/** Change the password, or set one on an account that signs in only with GitHub/Google. */
export function PasswordCard({ hasPassword }: { hasPassword: boolean }) {
  const utils = api.useUtils();
  const change = api.account.changePassword.useMutation({ onSuccess: () => utils.account.get.invalidate() });
  const [mismatch, setMismatch] = useState<string>();
  const errors = formErrors(change.error);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const newPassword = String(form.get("newPassword") ?? "");
    if (newPassword !== String(form.get("confirmPassword") ?? "")) {
      setMismatch("The two new passwords differ.");
      return;
    }
    setMismatch(undefined);
    change.mutate(
      { currentPassword: hasPassword ? String(form.get("currentPassword") ?? "") : undefined, newPassword },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <Card id="password">
      <CardHeader
        title={hasPassword ? "Password" : "Set a password"}
        description={
          hasPassword
            ? "Changing it signs out every other browser. Desktop apps stay signed in: revoke them on the Devices page."
            : "Add a password to sign in with your email as well."
        }
      />
      <form onSubmit={onSubmit} className="space-y-4 p-5" noValidate>
        {errors.form && <Alert tone="error">{errors.form}</Alert>}
        {change.isSuccess && (
          <Alert tone="success" title="Password changed">
            Every other browser session was signed out; this one stays signed in.
          </Alert>
        )}
        {hasPassword && (
          <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={errors.fields.currentPassword} />
        )}
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters. A long passphrase is best."
          error={errors.fields.newPassword}
        />
        <Field label="Repeat the new password" name="confirmPassword" type="password" autoComplete="new-password" required error={mismatch} />
        <Button type="submit" loading={change.isPending}>
          {hasPassword ? "Change password" : "Set password"}
        </Button>
      </form>
    </Card>
  );
}
