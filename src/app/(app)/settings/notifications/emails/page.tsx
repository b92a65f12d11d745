import type { Metadata } from "next";
import { EmailPreviews } from "~/components/email/email-previews";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Email previews" };

export default function EmailPreviewsPage() {
  return (
    <>
      <PageHeader title="Email previews" description="Every email DevPulse Cloud sends, with sample data, as it arrives: the HTML part and the plain-text part." />
      <EmailPreviews />
    </>
  );
}
