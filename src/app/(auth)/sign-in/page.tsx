import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "~/components/auth/sign-in-form";
import { safeCallbackUrl } from "~/components/auth/safe-callback";
import { offeredSignInMethods } from "~/server/auth/providers";
import { getCurrentUser } from "~/server/auth/session";
import { getEnv } from "~/server/env";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const nextAuthErrors: Record<string, string> = {
  OAuthSignin: "Could not start signing in with that provider.",
  OAuthCallback: "The provider did not complete the sign-in. Try again.",
  OAuthAccountNotLinked: "This email is already used by another sign-in method.",
  AccessDenied: "Access was denied.",
  SessionRequired: "Sign in to continue.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);
  const error = typeof params.error === "string" ? (nextAuthErrors[params.error] ?? params.error) : undefined;
  return <SignInForm callbackUrl={callbackUrl} initialError={error} providers={offeredSignInMethods(getEnv())} />;
}
