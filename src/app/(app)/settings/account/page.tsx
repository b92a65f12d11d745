import type { Metadata } from "next";
import { AccountSettings } from "~/components/account/account-settings";
import { PageHeader } from "~/components/ui/page-header";
import { signInMethodLabels, signInMethods, type SignInMethod } from "~/lib/schemas/sign-in-methods";

export const metadata: Metadata = { title: "Account" };

const linkErrors: Record<string, (provider: string) => string> = {
  identity_in_use: (provider) => `This ${provider} account already signs in to another DevPulse account.`,
  provider_already_linked: (provider) => `Another ${provider} account is already linked. Remove it first.`,
};

export default async function AccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Set by next-auth's callback after "Link GitHub/Google" (src/server/auth/options.ts): codes, never text to echo.
  const methodOf = (value: unknown) => signInMethods.find((method) => method === value) as SignInMethod | undefined;
  const linked = methodOf(params.linked);
  const failedProvider = methodOf(params.provider);
  const linkError = typeof params.linkError === "string" ? params.linkError : undefined;
  const notice = linked
    ? { tone: "success" as const, text: `${signInMethodLabels[linked]} is now linked: you can sign in with it.` }
    : linkError
      ? {
          tone: "error" as const,
          text:
            (Object.hasOwn(linkErrors, linkError) && failedProvider ? linkErrors[linkError]!(signInMethodLabels[failedProvider]) : undefined) ??
            "That account could not be linked. Try again.",
        }
      : undefined;
  return (
    <>
      <PageHeader title="Account" description="Your name, email, password and the ways you sign in." />
      <AccountSettings notice={notice} />
    </>
  );
}
