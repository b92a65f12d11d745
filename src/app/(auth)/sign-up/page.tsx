import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignUpForm } from "~/components/auth/sign-up-form";
import { safeCallbackUrl } from "~/components/auth/safe-callback";
import { offeredSignInMethods } from "~/server/auth/providers";
import { getCurrentUser } from "~/server/auth/session";
import { getEnv } from "~/server/env";

export const metadata: Metadata = { title: "Create account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const callbackUrl = safeCallbackUrl((await searchParams).callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);
  return <SignUpForm callbackUrl={callbackUrl} providers={offeredSignInMethods(getEnv())} />;
}
