import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "~/components/auth/sign-in-form";
import { safeCallbackUrl } from "~/components/auth/safe-callback";
import { isOAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import { accountNotLinkedMessage, OAUTH_ACCOUNT_NOT_LINKED } from "~/server/auth/oauth-accounts";
import { offeredSignInMethods } from "~/server/auth/providers";
import { getCurrentUser } from "~/server/auth/session";
import { getEnv } from "~/server/env";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const nextAuthErrors: Record<string, string> = {
  OAuthSignin: "Could not start signing in with that provider.",
  OAuthCallback: "The provider did not complete the sign-in. Try again.",
  AccessDenied: "Access was denied.",
  SessionRequired: "Sign in to continue.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getCurrentUser()) redirect(callbackUrl);
  return <SignInForm callbackUrl={callbackUrl} initialError={signInError(params)} providers={offeredSignInMethods(getEnv())} />;
}

function signInError(params: Record<string, string | string[] | undefined>): string | undefined {
  if (typeof params.error !== "string") return undefined;
  if (params.error === OAUTH_ACCOUNT_NOT_LINKED) {
    return accountNotLinkedMessage(typeof params.provider === "string" && isOAuthSignInMethod(params.provider) ? params.provider : undefined);
  }
  return nextAuthErrors[params.error] ?? params.error;
}
