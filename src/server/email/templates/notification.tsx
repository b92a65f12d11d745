import { Button, Text } from "@react-email/components";
import { type AnyNotification, NOTIFICATION_CATEGORY_LABELS, notificationSpec, presentNotification } from "~/lib/notifications/catalog";
import { buttonStyle, type EmailContext, EmailLayout, formatDateTime, textStyle } from "./layout";

export type NotificationEmailProps = { notification: AnyNotification; createdAt?: string };

/** One notification, any kind: everything shown comes from the catalog's present(), so a new kind needs no template. */
export function notificationSubject({ notification }: NotificationEmailProps): string {
  return presentNotification(notification).title;
}

export function NotificationEmail({ notification, createdAt, context }: NotificationEmailProps & { context: EmailContext }) {
  const shown = presentNotification(notification);
  const category = NOTIFICATION_CATEGORY_LABELS[notificationSpec(notification.kind).category].label;
  return (
    <EmailLayout preview={shown.body ?? shown.title} heading={shown.title} context={context} reason={`You get this email for ${category.toLowerCase()} notifications from DevPulse Cloud.`}>
      {shown.body && <Text style={textStyle}>{shown.body}</Text>}
      {createdAt && <Text style={{ ...textStyle, color: "#71717a", fontSize: 13 }}>{formatDateTime(createdAt, context)}</Text>}
      {shown.href && (
        <Button href={`${context.appUrl}${shown.href}`} style={buttonStyle}>
          Open in DevPulse
        </Button>
      )}
    </EmailLayout>
  );
}
