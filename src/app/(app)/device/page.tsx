import type { Metadata } from "next";
import { DeviceApproval } from "~/components/devices/device-approval";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Connect a device" };

export default async function DevicePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const code = (await searchParams).code;
  return (
    <div className="max-w-xl">
      <PageHeader title="Connect a device" description="Sign a DevPulse desktop app in to your account with the code it shows." />
      <DeviceApproval initialCode={typeof code === "string" ? code : undefined} />
    </div>
  );
}
