import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignUpForm } from "~/components/auth/sign-up-form";
import { safeCallbackUrl } from "~/components/auth/safe-callback";
import { enabledSignInProviders } from "~/server/auth/options";
import { getCurrentUser } from "~/server/auth/session";

export const metadata: Metadata = { title: "Create account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const callbackUrl = safeCallbackUrl((await searchParams).callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);
  const { github, google } = enabledSignInProviders();
  return <SignUpForm callbackUrl={callbackUrl} providers={{ github, google }} />;
}
