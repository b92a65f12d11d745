import type { Metadata } from "next";
import { ComingSoon } from "~/components/coming-soon";
import { ShieldIcon } from "~/components/icons";

export const metadata: Metadata = { title: "Privacy" };

export default function PrivacyPage() {
  return (
    <ComingSoon
      title="Privacy"
      description="Your data, your rules — enforced by the server, not just shown in the app."
      icon={<ShieldIcon />}
      planned={[
        "Turn cloud sync and each synced collection on or off, with retention you choose",
        "Review your consent history and a log of every processing of your data",
        "Export everything we hold, anonymize it, or delete your account completely",
      ]}
    />
  );
}
