import type { Metadata } from "next";
import { ConflictList } from "~/components/conflicts/conflict-list";
import { MergeRulesPanel } from "~/components/conflicts/merge-rules-panel";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Conflicts" };

export default function ConflictsPage() {
  return (
    <>
      <PageHeader
        title="Conflicts"
        description="When two devices change the same record, DevPulse never overwrites silently: the refused version waits here until you decide."
      />
      <div className="space-y-6">
        <ConflictList />
        <MergeRulesPanel />
      </div>
    </>
  );
}
