"use client";

import { signIn } from "next-auth/react";
import { signInMethodLabels, type OAuthSignInMethod } from "~/lib/schemas/sign-in-methods";
import { Button } from "../ui/button";

/** "Continue with …" for each provider this deployment offers (none: nothing at all). */
export function OAuthButtons({ providers, callbackUrl }: { providers: readonly OAuthSignInMethod[]; callbackUrl: string }) {
  if (providers.length === 0) return null;
  return (
    <div className="space-y-2">
      <div className="relative my-5 text-center text-xs text-zinc-500">
        <span className="absolute inset-x-0 top-1/2 border-t border-zinc-200" aria-hidden="true" />
        <span className="relative bg-white px-2">or</span>
      </div>
      {providers.map((provider) => (
        <Button key={provider} variant="secondary" className="w-full" onClick={() => void signIn(provider, { callbackUrl })}>
          Continue with {signInMethodLabels[provider]}
        </Button>
      ))}
    </div>
  );
}
