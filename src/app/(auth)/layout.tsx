import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "~/components/logo";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center bg-gradient-to-b from-white to-zinc-100 px-4 py-12">
      {/* In a landmark, like everything on the page (axe: region). */}
      <header className="mb-8">
        <Link href="/" aria-label="DevPulse Cloud home">
          <Logo />
        </Link>
      </header>
      <main className="w-full max-w-sm">{children}</main>
    </div>
  );
}
