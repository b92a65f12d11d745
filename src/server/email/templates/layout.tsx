import { Body, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";
import { formatDateTimeIn, formatNumberIn, type SupportedLocale } from "~/lib/schemas/locale";

/** What every template gets besides its own variables: where links point, and how the reader reads times. */
export type EmailContext = {
  appUrl: string;
  /**
   * The reader's choice (users.locale): how dates, times and numbers are written. Only the
   * format: the copy is English in every locale (translating it is a separate step).
   */
  locale: SupportedLocale;
  /** IANA time zone: times as the reader's clock shows them. */
  timeZone: string;
  /** RFC 8058 one-click link for notification and digest mail; none for account mail. */
  unsubscribeUrl?: string;
};

/** A date and time in the reader's locale and time zone, with the zone named (mail is read long after it is sent). */
export function formatDateTime(iso: string, context: Pick<EmailContext, "locale" | "timeZone">): string {
  return formatDateTimeIn(context.locale, context.timeZone, new Date(iso));
}

/** A count in the reader's locale (1,234 · 1.234). */
export function formatCount(value: number, context: Pick<EmailContext, "locale">): string {
  return formatNumberIn(context.locale, value);
}

const styles = {
  body: { backgroundColor: "#f4f4f5", fontFamily: "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", margin: 0, padding: "24px 0" },
  container: { backgroundColor: "#ffffff", border: "1px solid #e4e4e7", borderRadius: 8, margin: "0 auto", maxWidth: 560, padding: "32px 32px 24px" },
  brand: { color: "#4f46e5", fontSize: 14, fontWeight: 600, letterSpacing: 0.2, margin: "0 0 16px" },
  heading: { color: "#18181b", fontSize: 20, fontWeight: 600, lineHeight: "28px", margin: "0 0 12px" },
  footer: { color: "#71717a", fontSize: 12, lineHeight: "18px", margin: "4px 0" },
};

export const textStyle = { color: "#3f3f46", fontSize: 15, lineHeight: "24px", margin: "0 0 12px" };
export const buttonStyle = { backgroundColor: "#4f46e5", borderRadius: 6, color: "#ffffff", display: "inline-block", fontSize: 15, fontWeight: 600, padding: "10px 18px", textDecoration: "none" };

/** The frame of every DevPulse mail: brand, heading, body, and a footer with the reason for the mail and its way out. */
export function EmailLayout({ preview, heading, context, reason, children }: { preview: string; heading: string; context: EmailContext; reason: string; children: ReactNode }) {
  return (
    // The language of the words, not of the formats: the copy is English whatever the locale.
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Text style={styles.brand}>DevPulse Cloud</Text>
          <Heading as="h1" style={styles.heading}>
            {heading}
          </Heading>
          <Section>{children}</Section>
          <Hr style={{ borderColor: "#e4e4e7", margin: "24px 0 12px" }} />
          <Text style={styles.footer}>{reason}</Text>
          {context.unsubscribeUrl && (
            <Text style={styles.footer}>
              <Link href={context.unsubscribeUrl} style={{ color: "#71717a", textDecoration: "underline" }}>
                Unsubscribe from these emails
              </Link>{" "}
              or choose what you get in <Link href={`${context.appUrl}/settings/notifications`} style={{ color: "#71717a", textDecoration: "underline" }}>notification settings</Link>.
            </Text>
          )}
        </Container>
      </Body>
    </Html>
  );
}
