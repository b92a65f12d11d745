/**
 * What the rest of the server needs of the email templates without loading React Email (index.tsx
 * loads it, and is imported only when a message is rendered): the template ids, the reader's
 * default locale, and the deletion day as the inactivity warning names it.
 */
export const EMAIL_TEMPLATE_IDS = ["notification", "digest", "passwordReset", "emailChangeConfirm", "emailChangedNotice", "addressConfirm", "inactivityWarning"] as const;
export type EmailTemplateId = (typeof EMAIL_TEMPLATE_IDS)[number];

export const DEFAULT_EMAIL_LOCALE = "en-GB";

/** The day, as the warning has always named it (UTC, day month year): the subject and the body say the same day. */
export const inactivityDeletionDay = (deletionDate: string) => new Date(deletionDate).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
