"use client";

import type { FormEvent } from "react";
import { api } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { formErrors } from "./errors";

/** A new address takes effect only once the link mailed to it is followed. */
export function EmailCard({ email, hasPassword }: { email: string; hasPassword: boolean }) {
  const request = api.account.requestEmailChange.useMutation();
  const errors = formErrors(request.error);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    request.mutate(
      { newEmail: String(form.get("newEmail") ?? ""), currentPassword: hasPassword ? String(form.get("currentPassword") ?? "") : undefined },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <Card>
      <CardHeader
        title="Email"
        description={
          <>
            You sign in and receive mail at <strong className="font-medium text-zinc-800">{email}</strong>.
          </>
        }
      />
      <form onSubmit={onSubmit} className="space-y-4 p-5" noValidate>
        {errors.form && <Alert tone="error">{errors.form}</Alert>}
        {request.data && (
          <Alert tone="success" title="Check your inbox">
            We sent a confirmation link to {request.data.pendingEmail}. Your email changes when you follow it (within an hour).
          </Alert>
        )}
        <Field label="New email" name="newEmail" type="email" autoComplete="email" required error={errors.fields.newEmail} />
        {hasPassword && (
          <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={errors.fields.currentPassword} />
        )}
        <Button type="submit" variant="secondary" loading={request.isPending}>
          Send confirmation link
        </Button>
      </form>
    </Card>
  );
}
