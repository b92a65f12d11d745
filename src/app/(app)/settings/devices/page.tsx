import type { Metadata } from "next";
import { DevicesList } from "~/components/devices/devices-list";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Devices" };

export default function DevicesPage() {
  return (
    <>
      <PageHeader title="Devices" description="Every desktop app signed in to your account, with when it was last active." />
      <DevicesList />
    </>
  );
}
