import type { Metadata } from "next";
import { JobRuns } from "~/components/jobs/job-runs";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Background jobs" };

export default function JobsPage() {
  return (
    <>
      <PageHeader title="Background jobs" description="Work the server does for you in the background, and where each run stands." />
      <JobRuns />
    </>
  );
}
