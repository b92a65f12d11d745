import { Button, Link, Text } from "@react-email/components";
import { buttonStyle, type EmailContext, EmailLayout, textStyle } from "./layout";

/** The account mails (password reset, email change, address confirmation): a link and what it does. */

export type PasswordResetProps = { link: string };
export function PasswordResetEmail({ link, context }: PasswordResetProps & { context: EmailContext }) {
  return (
    <EmailLayout preview="Choose a new password within the next hour." heading="Reset your password" context={context} reason="You get this email because someone asked to reset the password of your DevPulse Cloud account.">
      <Text style={textStyle}>Someone (hopefully you) asked to reset the password of your DevPulse Cloud account.</Text>
      <Button href={link} style={buttonStyle}>
        Choose a new password
      </Button>
      <Text style={textStyle}>Or open this link within the next hour: {link}</Text>
      <Text style={textStyle}>The link works once. Setting a new password signs you out everywhere else. If you did not ask for this, ignore this email: your password stays as it is.</Text>
    </EmailLayout>
  );
}

export type EmailChangeConfirmProps = { newEmail: string; oldEmail: string; link: string };
export function EmailChangeConfirmEmail({ newEmail, oldEmail, link, context }: EmailChangeConfirmProps & { context: EmailContext }) {
  return (
    <EmailLayout preview="Confirm your new email address within the next hour." heading="Confirm your new email address" context={context} reason="You get this email because this address was entered as the new address of a DevPulse Cloud account.">
      <Text style={textStyle}>
        You asked to use this address ({newEmail}) for your DevPulse Cloud account instead of {oldEmail}.
      </Text>
      <Button href={link} style={buttonStyle}>
        Confirm this address
      </Button>
      <Text style={textStyle}>Or confirm it within the next hour: {link}</Text>
      <Text style={textStyle}>Until you do, nothing changes. If you did not ask for this, ignore this email.</Text>
    </EmailLayout>
  );
}

export type EmailChangedNoticeProps = { newEmail: string };
export function EmailChangedNoticeEmail({ newEmail, context }: EmailChangedNoticeProps & { context: EmailContext }) {
  return (
    <EmailLayout preview={`Your account now uses ${newEmail}.`} heading="Your email address was changed" context={context} reason="You get this email because this was the address of a DevPulse Cloud account.">
      <Text style={textStyle}>Your DevPulse Cloud account now uses {newEmail} instead of this address.</Text>
      <Text style={textStyle}>
        If you did not make this change, reset your password at <Link href={`${context.appUrl}/forgot-password`}>{`${context.appUrl}/forgot-password`}</Link> using the new address, or contact us.
      </Text>
    </EmailLayout>
  );
}

export type AddressConfirmProps = { address: string; link: string };
export function AddressConfirmEmail({ address, link, context }: AddressConfirmProps & { context: EmailContext }) {
  return (
    <EmailLayout preview="Confirm that this address receives mail again." heading="Confirm your email address" context={context} reason="You get this email because you asked DevPulse Cloud to send mail to this address again.">
      <Text style={textStyle}>
        Mail to {address} bounced, so DevPulse Cloud stopped sending to it. If it works again, confirm it and notifications and account mail resume.
      </Text>
      <Button href={link} style={buttonStyle}>
        Confirm this address
      </Button>
      <Text style={textStyle}>Or open this link within the next hour: {link}</Text>
    </EmailLayout>
  );
}
