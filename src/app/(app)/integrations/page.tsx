import type { Metadata } from "next";
import { ComingSoon } from "~/components/coming-soon";
import { PlugIcon } from "~/components/icons";

export const metadata: Metadata = { title: "Integrations" };

export default function IntegrationsPage() {
  return (
    <ComingSoon
      title="Integrations"
      description="Connect the tools you already use. Every integration is opt-in and its tokens are encrypted at rest."
      icon={<PlugIcon />}
      planned={[
        "GitHub and GitLab: correlate your commits with coding activity",
        "Slack and Discord: share what you are focused on as your status",
        "Google and Microsoft calendars: block focus time and get slot suggestions",
      ]}
    />
  );
}
