import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppShell } from "~/components/app-shell";
import { RealtimeProvider } from "~/components/realtime/realtime-provider";
import { SyncKeyProvider } from "~/components/sync/sync-key";
import { getCurrentUser } from "~/server/auth/session";
import { getEnv } from "~/server/env";

export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/sign-in");
  return (
    <SyncKeyProvider>
      <RealtimeProvider>
        <AppShell user={{ email: user.email, name: user.name }} sandbox={getEnv().SANDBOX}>
          {children}
        </AppShell>
      </RealtimeProvider>
    </SyncKeyProvider>
  );
}
