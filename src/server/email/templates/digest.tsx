import { Link, Section, Text } from "@react-email/components";
import { DEFAULT_LOCALE } from "~/lib/schemas/locale";
import { NOTIFICATION_CATEGORIES, NOTIFICATION_CATEGORY_LABELS, notificationSpec, presentNotification } from "~/lib/notifications/catalog";
import type { DigestItem, DigestWindow } from "../send";
import { type EmailContext, EmailLayout, formatCount, formatDateTime, textStyle } from "./layout";

export type DigestEmailProps = { window: DigestWindow; items: DigestItem[] };

/** What each kind of digest is called, and why the reader gets one: the frequency they chose, or a hold that ended. */
const WINDOWS: Record<DigestWindow, { subject: string; heading: string; reason: string }> = {
  hourly: { subject: "Your hourly DevPulse digest", heading: "Your hourly digest", reason: "You chose an hourly digest instead of one email per notification." },
  daily: { subject: "Your daily DevPulse digest", heading: "Your daily digest", reason: "You chose a daily digest instead of one email per notification." },
  held: {
    subject: "While you were busy, DevPulse held",
    heading: "While you were busy",
    reason: "These waited while you were in focus, in quiet hours or on do-not-disturb (or for a sending limit), and come together in one email.",
  },
};

export function digestSubject({ window, items }: DigestEmailProps, context: Pick<EmailContext, "locale"> = { locale: DEFAULT_LOCALE }): string {
  return `${WINDOWS[window].subject}: ${formatCount(items.length, context)} ${items.length === 1 ? "notification" : "notifications"}`;
}

/** Several notifications in one mail, grouped by category with a count each, newest first within a group. */
export function DigestEmail({ window, items, context }: DigestEmailProps & { context: EmailContext }) {
  const groups = NOTIFICATION_CATEGORIES.map((category) => ({
    category,
    items: items.filter((item) => notificationSpec(item.kind).category === category).sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
  })).filter((group) => group.items.length > 0);
  return (
    <EmailLayout preview={digestSubject({ window, items }, context)} heading={WINDOWS[window].heading} context={context} reason={WINDOWS[window].reason}>
      {groups.map((group) => (
        <Section key={group.category} style={{ marginBottom: 16 }}>
          <Text style={{ ...textStyle, fontWeight: 600, margin: "0 0 4px" }}>
            {NOTIFICATION_CATEGORY_LABELS[group.category].label} ({formatCount(group.items.length, context)})
          </Text>
          {group.items.map((item) => {
            const shown = presentNotification(item);
            return (
              <Text key={item.id} style={{ ...textStyle, margin: "0 0 6px" }}>
                {shown.href ? <Link href={`${context.appUrl}${shown.href}`}>{shown.title}</Link> : shown.title}
                <span style={{ color: "#71717a", fontSize: 13 }}> · {formatDateTime(item.createdAt, context)}</span>
              </Text>
            );
          })}
        </Section>
      ))}
    </EmailLayout>
  );
}
