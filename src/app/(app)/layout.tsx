import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppShell } from "~/components/app-shell";
import { RealtimeProvider } from "~/components/realtime/realtime-provider";
import { SyncKeyProvider } from "~/components/sync/sync-key";
import { LocaleProvider } from "~/components/ui/locale";
import { getUserLocale } from "~/server/auth/locale";
import { getCurrentUser } from "~/server/auth/session";
import { getDb } from "~/server/db/client";
import { getEnv } from "~/server/env";

export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/sign-in");
  // Read with the page, so its first render (on the server, then hydrated) is already in the user's format.
  const locale = await getUserLocale(await getDb(), user.id);
  return (
    <SyncKeyProvider>
      <RealtimeProvider>
        {/* Around the shell, not just the page: the bell in the shell counts in the locale too. */}
        <LocaleProvider initialLocale={locale}>
          <AppShell user={{ email: user.email, name: user.name }} sandbox={getEnv().SANDBOX}>
            {children}
          </AppShell>
        </LocaleProvider>
      </RealtimeProvider>
    </SyncKeyProvider>
  );
}
