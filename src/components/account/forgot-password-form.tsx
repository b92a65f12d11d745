"use client";

import Link from "next/link";
import type { FormEvent } from "react";
import { api } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field } from "../ui/field";
import { formErrors } from "./errors";

/** Asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordForm() {
  const request = api.account.requestPasswordReset.useMutation();
  const errors = formErrors(request.error);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    request.mutate({ email: String(new FormData(event.currentTarget).get("email") ?? "") });
  }

  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold text-zinc-900">Reset your password</h1>
      {request.isSuccess ? (
        <div className="mt-6">
          <Alert tone="success" title="Check your inbox">
            If an account uses {request.variables.email}, we sent it a link to choose a new password. The link works once, within an hour.
          </Alert>
        </div>
      ) : (
        <>
          <p className="mt-1 text-sm text-zinc-500">Enter your account&apos;s email and we will send you a link to choose a new password.</p>
          <form onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
            {errors.form && <Alert tone="error">{errors.form}</Alert>}
            <Field label="Email" name="email" type="email" autoComplete="email" required autoFocus error={errors.fields.email} />
            <Button type="submit" className="w-full" loading={request.isPending}>
              Send reset link
            </Button>
          </form>
        </>
      )}
      <p className="mt-6 text-center text-sm text-zinc-600">
        <Link className="font-medium text-brand-600 hover:text-brand-700" href="/sign-in">
          Back to sign in
        </Link>
      </p>
    </Card>
  );
}
