import type { Metadata } from "next";
import Link from "next/link";
import { ConflictIcon, DevicesIcon, LockIcon, PlugIcon } from "~/components/icons";
import { RefreshOnEvents } from "~/components/realtime/refresh-on-events";
import { NextFocusBlockCard } from "~/components/calendar/next-focus-block-card";
import { StatusCard } from "~/components/status/status-card";
import { Card, CardHeader } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { getCurrentUser } from "~/server/auth/session";
import { getDb } from "~/server/db/client";
import { getEnv } from "~/server/env";
import { listIntegrations } from "~/server/integrations/connections";
import { listDevices } from "~/server/devices/devices";
import { getSyncOverview } from "~/server/sync/overview";
import { timeAgo } from "~/components/devices/format";

export const metadata: Metadata = { title: "Dashboard" };

/** Every event that changes a count or note below: the page re-renders when one arrives. */
const countEvents = ["device:changed", "sync:changed", "sync:conflict", "sync:conflict_resolved", "integration:connected", "integration:disconnected", "integration:error"] as const;
export const dynamic = "force-dynamic";

const steps = [
  { title: "Open DevPulse on your computer", text: "Choose “Sign in to DevPulse Cloud” in the desktop app's settings." },
  { title: "Enter the code it shows", text: "Type the 8-letter code on the device page and approve it." },
  { title: "Set your sync passphrase", text: "Encryption keys stay on your devices; we only store ciphertext." },
];

export default async function DashboardPage() {
  const user = (await getCurrentUser())!; // the (app) layout has already required a user
  const db = await getDb();
  const [devices, sync, integrations] = await Promise.all([listDevices(db, user.id), getSyncOverview(db, user.id), listIntegrations(db, getEnv(), user.id)]);
  const connected = integrations.filter((entry) => entry.account !== null);
  const attention = integrations.filter((entry) => entry.state === "error" || entry.state === "needs_reauth");
  const stats = [
    { href: "/settings/devices", label: "Devices", icon: DevicesIcon, value: String(devices.length), note: "signed in" },
    {
      href: "/settings/devices",
      label: "Encrypted records",
      icon: LockIcon,
      value: sync.keysSetUp ? String(sync.records) : "—",
      note: sync.keysSetUp ? (sync.lastSyncAt ? `last sync ${timeAgo(sync.lastSyncAt)}` : "no sync yet") : "set a passphrase on a device",
    },
    { href: "/conflicts", label: "Open conflicts", icon: ConflictIcon, value: String(sync.openConflicts), note: sync.openConflicts ? "need your decision" : "all in sync" },
    {
      href: "/integrations",
      label: "Integrations",
      icon: PlugIcon,
      value: String(connected.length),
      note: attention.length ? `${attention.map((entry) => entry.name).join(", ")} need${attention.length === 1 ? "s" : ""} attention` : connected.length ? connected.map((entry) => entry.name).join(", ") : "connect GitHub, GitLab, a calendar, Slack or Discord",
    },
  ];
  return (
    <>
      <PageHeader title={`Welcome${user.name ? `, ${user.name}` : ""}`} description="Your DevPulse Cloud account at a glance." />
      <RefreshOnEvents events={countEvents} />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {stats.map(({ href, label, icon: Icon, value, note }) => (
          <li key={label}>
            <Link href={href} className="block h-full rounded-xl border border-zinc-200 bg-white p-5 shadow-sm transition hover:border-brand-200 hover:shadow">
              <div className="flex items-center justify-between text-zinc-500">
                <span className="text-sm font-medium">{label}</span>
                <Icon className="size-5 text-zinc-400" />
              </div>
              <p className="mt-3 text-3xl font-semibold tracking-tight text-zinc-900">{value}</p>
              <p className="mt-1 text-sm text-zinc-500">{note}</p>
            </Link>
          </li>
        ))}
      </ul>
      <div className="mt-8 grid items-start gap-4 lg:grid-cols-2">
        <StatusCard />
        <NextFocusBlockCard />
      </div>
      <Card className="mt-8">
        <CardHeader title="Connect your desktop app" description="Three steps, once per computer." />
        <ol className="grid gap-6 p-5 sm:grid-cols-3">
          {steps.map((step, index) => (
            <li key={step.title} className="flex gap-3">
              <span className="flex size-7 shrink-0 items-center justify-center rounded-full bg-brand-600 text-sm font-semibold text-white">{index + 1}</span>
              <div>
                <p className="font-medium text-zinc-900">{step.title}</p>
                <p className="mt-1 text-sm text-zinc-600">{step.text}</p>
              </div>
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
