import type { Metadata } from "next";
import { DecisionLog, NotificationList } from "~/components/notifications/notifications-page";
import { ButtonLink } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Notifications" };

export default function NotificationsPage() {
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Everything DevPulse told you about, newest first, and what each channel did with it."
        action={
          <ButtonLink href="/settings/notifications" variant="secondary">
            Preferences
          </ButtonLink>
        }
      />
      <div className="space-y-6">
        <NotificationList />
        <DecisionLog />
      </div>
    </>
  );
}
