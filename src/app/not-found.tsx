import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "~/components/logo";
import { ButtonLink } from "~/components/ui/button";
import { Card } from "~/components/ui/card";

export const metadata: Metadata = { title: "Not found" };

/** An address outside the signed-in pages that does not exist: the product's look, and a way on (the signed-in one is (app)/not-found.tsx). */
export default function NotFound() {
  return (
    <div className="min-h-dvh bg-gradient-to-b from-white to-zinc-100 px-4 py-6 sm:px-6">
      <header className="mx-auto max-w-3xl">
        <Link href="/" aria-label="DevPulse Cloud home">
          <Logo />
        </Link>
      </header>
      <main className="mx-auto mt-16 max-w-3xl">
        <Card className="p-6 sm:p-8">
          <h1 className="text-xl font-semibold text-zinc-900">Page not found</h1>
          <p className="mt-2 text-sm text-zinc-600">There is nothing at this address. Check it, or start again from one of these.</p>
          <div className="mt-6 flex flex-wrap gap-2">
            <ButtonLink href="/">Home</ButtonLink>
            <ButtonLink href="/sign-in" variant="secondary">
              Sign in
            </ButtonLink>
            <ButtonLink href="/docs" variant="secondary">
              API reference
            </ButtonLink>
          </div>
        </Card>
      </main>
    </div>
  );
}
