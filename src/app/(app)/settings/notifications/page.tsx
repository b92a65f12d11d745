import type { Metadata } from "next";
import { NotificationPreferencesForm } from "~/components/notifications/notification-preferences";
import { ButtonLink } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Notification preferences" };

export default function NotificationSettingsPage() {
  return (
    <>
      <PageHeader
        title="Notification preferences"
        description="What DevPulse tells you about, on which channels, and when it keeps quiet."
        action={
          <div className="flex flex-wrap gap-2">
            <ButtonLink href="/settings/notifications/emails" variant="secondary">
              Preview emails
            </ButtonLink>
            <ButtonLink href="/settings/webhooks" variant="secondary">
              Webhooks
            </ButtonLink>
          </div>
        }
      />
      <NotificationPreferencesForm />
    </>
  );
}
