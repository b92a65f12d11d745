"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import type { OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import { Field } from "../ui/field";
import { OAuthButtons } from "./oauth-buttons";

export function SignInForm({
  callbackUrl,
  initialError,
  providers,
}: {
  callbackUrl: string;
  initialError?: string;
  providers: readonly OAuthSignInMethod[];
}) {
  const router = useRouter();
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    try {
      const result = await signIn("credentials", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        redirect: false,
      });
      if (!result || result.error) {
        setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "Wrong email or password.");
        return;
      }
      router.replace(callbackUrl);
      router.refresh();
    } catch {
      setError("Cannot reach the server. Check your connection.");
    } finally {
      setPending(false);
    }
  }

  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold text-zinc-900">Sign in</h1>
      <p className="mt-1 text-sm text-zinc-500">Welcome back to DevPulse Cloud.</p>
      <form onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
        {error && <Alert tone="error">{error}</Alert>}
        <Field label="Email" name="email" type="email" autoComplete="email" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <p className="-mt-2 text-right text-sm">
          <Link className="font-medium text-brand-600 hover:text-brand-700" href="/forgot-password">
            Forgot password?
          </Link>
        </p>
        <Button type="submit" className="w-full" loading={pending}>
          Sign in
        </Button>
      </form>
      <OAuthButtons providers={providers} callbackUrl={callbackUrl} />
      <p className="mt-6 text-center text-sm text-zinc-600">
        New to DevPulse?{" "}
        <Link className="font-medium text-brand-600 hover:text-brand-700" href={`/sign-up?callbackUrl=${encodeURIComponent(callbackUrl)}`}>
          Create an account
        </Link>
      </p>
    </Card>
  );
}
