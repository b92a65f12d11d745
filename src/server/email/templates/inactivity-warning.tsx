import { Link, Text } from "@react-email/components";
import { DEFAULT_LOCALE } from "~/lib/schemas/locale";
import { inactivityDeletionDay } from "./catalog";
import { type EmailContext, EmailLayout, formatCount, textStyle } from "./layout";

export type InactivityWarningProps = { name: string | null; deletionDate: string; deleteAfterDays: number };

export function inactivityWarningSubject({ deletionDate }: InactivityWarningProps, context: Pick<EmailContext, "locale"> = { locale: DEFAULT_LOCALE }): string {
  return `Your DevPulse Cloud account will be deleted on ${inactivityDeletionDay(deletionDate, context.locale)}`;
}

export function InactivityWarningEmail({ name, deletionDate, deleteAfterDays, context }: InactivityWarningProps & { context: EmailContext }) {
  const day = inactivityDeletionDay(deletionDate, context.locale);
  return (
    <EmailLayout preview={`Sign in before ${day} to keep your account.`} heading={`Your account will be deleted on ${day}`} context={context} reason="You get this email because you turned on “Delete my account if I stop using it”.">
      <Text style={textStyle}>Hello{name ? ` ${name}` : ""},</Text>
      <Text style={textStyle}>
        You have not used DevPulse Cloud for almost a year, and you asked us to delete your account after {formatCount(deleteAfterDays, context)} days without use.
      </Text>
      <Text style={textStyle}>On {day} we will delete your account and everything in it: synced data, devices, integrations, consents and logs. This cannot be undone.</Text>
      <Text style={textStyle}>
        To keep your account, sign in before then: <Link href={`${context.appUrl}/sign-in`}>{`${context.appUrl}/sign-in`}</Link>
      </Text>
      <Text style={textStyle}>
        To keep it without this rule, turn off “Delete my account if I stop using it” at <Link href={`${context.appUrl}/privacy`}>{`${context.appUrl}/privacy`}</Link>.
      </Text>
      <Text style={textStyle}>— DevPulse Cloud</Text>
    </EmailLayout>
  );
}
