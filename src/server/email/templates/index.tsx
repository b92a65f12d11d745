import { plainTextSelectors, render, toPlainText } from "@react-email/render";
import type { ReactElement } from "react";
import { AddressConfirmEmail, type AddressConfirmProps, EmailChangeConfirmEmail, type EmailChangeConfirmProps, EmailChangedNoticeEmail, type EmailChangedNoticeProps, PasswordResetEmail, type PasswordResetProps } from "./account";
import type { EmailTemplateId } from "./catalog";
import { DigestEmail, type DigestEmailProps, digestSubject } from "./digest";
import { InactivityWarningEmail, type InactivityWarningProps, inactivityWarningSubject } from "./inactivity-warning";
import type { EmailContext } from "./layout";
import { NotificationEmail, type NotificationEmailProps, notificationSubject } from "./notification";

export type { EmailContext } from "./layout";

/**
 * The email template catalog: each template's typed variables, its subject, its React Email
 * component and sample variables for the preview page. `renderEmail` gives the subject, the HTML
 * and the text part (converted from the same HTML, so the two never say different things).
 * It loads React Email: the server imports it only to render (send.ts, preview.ts); catalog.ts
 * holds what is needed without rendering.
 */

type TemplateSpec<P> = {
  name: string;
  description: string;
  /** Whether it carries a one-click unsubscribe (notification mail does; account mail cannot be turned off). */
  unsubscribable: boolean;
  /** Given the reader's context too: a subject that names a date or a count writes it in their locale. */
  subject: (variables: P, context: EmailContext) => string;
  Component: (props: P & { context: EmailContext }) => ReactElement;
  sample: (appUrl: string) => P;
};
const template = <P,>(spec: TemplateSpec<P>) => spec;

const SAMPLE_TIME = "2026-03-10T16:45:00Z";
const sampleToken = "s4mple-t0ken-for-the-preview-only-000000000";

export const emailTemplates = {
  notification: template<NotificationEmailProps>({
    name: "Notification",
    description: "One notification of any kind, as it is sent immediately.",
    unsubscribable: true,
    subject: notificationSubject,
    Component: NotificationEmail,
    sample: () => ({ notification: { kind: "sync.conflict_detected", data: { count: 3, conflictIds: [] } }, createdAt: SAMPLE_TIME }),
  }),
  digest: template<DigestEmailProps>({
    name: "Digest",
    description: "Notifications collected over an hour or a day, grouped by category with counts.",
    unsubscribable: true,
    subject: digestSubject,
    Component: DigestEmail,
    sample: () => ({
      window: "daily",
      items: [
        { id: "1", createdAt: "2026-03-10T09:12:00Z", kind: "sync.conflict_detected", data: { count: 50, conflictIds: [] } },
        { id: "2", createdAt: "2026-03-10T11:30:00Z", kind: "integration.failed", data: { provider: "github", status: "error", message: "GitHub answered 502 Bad Gateway.", failures: 4 } },
        { id: "3", createdAt: "2026-03-10T14:05:00Z", kind: "calendar.conflict_detected", data: { count: 2, start: "2026-03-11T09:00:00Z", focusBlock: true } },
        { id: "4", createdAt: "2026-03-10T15:40:00Z", kind: "account.export_ready", data: { exportId: "00000000-0000-4000-8000-000000000000", format: "json", bytes: 48_213 } },
      ],
    }),
  }),
  passwordReset: template<PasswordResetProps>({
    name: "Password reset",
    description: "The single-use link to choose a new password.",
    unsubscribable: false,
    subject: () => "Reset your DevPulse Cloud password",
    Component: PasswordResetEmail,
    sample: (appUrl) => ({ link: `${appUrl}/reset-password?token=${sampleToken}` }),
  }),
  emailChangeConfirm: template<EmailChangeConfirmProps>({
    name: "Email change: confirm the new address",
    description: "Sent to the new address; the change applies only when it is followed.",
    unsubscribable: false,
    subject: () => "Confirm your new DevPulse Cloud email address",
    Component: EmailChangeConfirmEmail,
    sample: (appUrl) => ({ newEmail: "ana.new@example.com", oldEmail: "ana@example.com", link: `${appUrl}/confirm-email?token=${sampleToken}` }),
  }),
  emailChangedNotice: template<EmailChangedNoticeProps>({
    name: "Email change: notice to the old address",
    description: "Tells the old address that the account moved, so a change its owner did not make is noticed.",
    unsubscribable: false,
    subject: () => "Your DevPulse Cloud email address was changed",
    Component: EmailChangedNoticeEmail,
    sample: () => ({ newEmail: "ana.new@example.com" }),
  }),
  addressConfirm: template<AddressConfirmProps>({
    name: "Confirm a bounced address",
    description: "After a hard bounce, the one mail that still goes out: confirming the address resumes mail.",
    unsubscribable: false,
    subject: () => "Confirm your DevPulse Cloud email address",
    Component: AddressConfirmEmail,
    sample: (appUrl) => ({ address: "ana@example.com", link: `${appUrl}/api/email/confirm-address?token=${sampleToken}` }),
  }),
  inactivityWarning: template<InactivityWarningProps>({
    name: "Inactivity warning",
    description: "A month before an inactive account is deleted, as its owner chose.",
    unsubscribable: false,
    subject: inactivityWarningSubject,
    Component: InactivityWarningEmail,
    sample: () => ({ name: "Ana", deletionDate: "2026-04-09T04:00:00Z", deleteAfterDays: 365 }),
  }),
} satisfies Record<EmailTemplateId, unknown>;

export type EmailVariables<T extends EmailTemplateId> = ReturnType<(typeof emailTemplates)[T]["sample"]>;
export type RenderedEmail = { subject: string; html: string; text: string };

/** React Email's text conversion, with headings as written (html-to-text shouts them in capitals by default). */
const TEXT_SELECTORS = [...plainTextSelectors, ...["h1", "h2", "h3"].map((selector) => ({ selector, options: { uppercase: false } }))];

export async function renderEmail<T extends EmailTemplateId>(id: T, variables: EmailVariables<T>, context: EmailContext): Promise<RenderedEmail> {
  const spec = emailTemplates[id] as unknown as TemplateSpec<Record<string, unknown>>;
  // Called as a function (not <Component/>) so one generic call site type-checks every template; it is still a plain React tree.
  const html = await render(spec.Component({ ...(variables as Record<string, unknown>), context }));
  return { subject: spec.subject(variables as Record<string, unknown>, context), html, text: toPlainText(html, { selectors: TEXT_SELECTORS }) };
}
