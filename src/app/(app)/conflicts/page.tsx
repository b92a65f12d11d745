import type { Metadata } from "next";
import { ComingSoon } from "~/components/coming-soon";
import { ConflictIcon } from "~/components/icons";

export const metadata: Metadata = { title: "Conflicts" };

export default function ConflictsPage() {
  return (
    <ComingSoon
      title="Conflicts"
      description="When two devices change the same record, DevPulse never overwrites silently: you decide here."
      icon={<ConflictIcon />}
      planned={[
        "See every open sync conflict — update, delete and schema conflicts — with the devices involved",
        "Unlock with your sync passphrase in the browser and compare both versions field by field",
        "Keep yours, keep theirs, merge field by field, or roll a record back to any earlier revision",
      ]}
    />
  );
}
