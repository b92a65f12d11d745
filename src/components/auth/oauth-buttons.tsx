"use client";

import { signIn } from "next-auth/react";
import { providerCompany } from "~/lib/providers";
import { Button } from "../ui/button";

export function OAuthButtons({ github, google, callbackUrl }: { github: boolean; google: boolean; callbackUrl: string }) {
  if (!github && !google) return null;
  return (
    <div className="space-y-2">
      <div className="relative my-5 text-center text-xs text-zinc-500">
        <span className="absolute inset-x-0 top-1/2 border-t border-zinc-200" aria-hidden="true" />
        <span className="relative bg-white px-2">or continue with</span>
      </div>
      {github && (
        <Button variant="secondary" className="w-full" onClick={() => void signIn("github", { callbackUrl })}>
          {providerCompany("github")}
        </Button>
      )}
      {google && (
        <Button variant="secondary" className="w-full" onClick={() => void signIn("google", { callbackUrl })}>
          {providerCompany("google")}
        </Button>
      )}
    </div>
  );
}
