"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import type { OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import { api, errorMessage, fieldErrors } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field } from "../ui/field";
import { OAuthButtons } from "./oauth-buttons";

export function SignUpForm({ callbackUrl, providers }: { callbackUrl: string; providers: readonly OAuthSignInMethod[] }) {
  const router = useRouter();
  const register = api.auth.register.useMutation();
  const [signInError, setSignInError] = useState<string>();
  const errors = fieldErrors(register.error);
  const formError = register.error && Object.keys(errors).length === 0 ? errorMessage(register.error) : signInError;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    const name = String(form.get("name") ?? "").trim();
    setSignInError(undefined);
    try {
      await register.mutateAsync({ email, password, name: name || undefined });
    } catch {
      return; // shown from register.error
    }
    const result = await signIn("credentials", { email, password, redirect: false });
    if (!result || result.error) {
      setSignInError("Your account was created, but signing in failed. Try signing in.");
      return;
    }
    router.replace(callbackUrl);
    router.refresh();
  }

  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold text-zinc-900">Create your account</h1>
      <p className="mt-1 text-sm text-zinc-500">Sync and integrations for the DevPulse desktop app.</p>
      <form onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
        {formError && <Alert tone="error">{formError}</Alert>}
        <Field label="Name" name="name" autoComplete="name" hint="Optional" error={errors.name} />
        <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters. A long passphrase is best."
          error={errors.password}
        />
        <Button type="submit" className="w-full" loading={register.isPending}>
          Create account
        </Button>
      </form>
      <OAuthButtons providers={providers} callbackUrl={callbackUrl} />
      <p className="mt-6 text-center text-sm text-zinc-600">
        Already have an account?{" "}
        <Link className="font-medium text-brand-600 hover:text-brand-700" href={`/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}`}>
          Sign in
        </Link>
      </p>
    </Card>
  );
}
