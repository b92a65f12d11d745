import { DEFAULT_LOCALE, formatDayIn, type SupportedLocale } from "~/lib/schemas/locale";

/**
 * What the rest of the server needs of the email templates without loading React Email (index.tsx
 * loads it, and is imported only when a message is rendered): the template ids, and the deletion
 * day as the inactivity warning names it.
 */
export const EMAIL_TEMPLATE_IDS = ["notification", "digest", "passwordReset", "emailChangeConfirm", "emailChangedNotice", "addressConfirm", "inactivityWarning"] as const;
export type EmailTemplateId = (typeof EMAIL_TEMPLATE_IDS)[number];

/**
 * The deletion day in full, in the reader's locale ("9 April 2026", "April 9, 2026"). The day is
 * UTC's, as the warning has always named it, so the subject, the body and the processing log
 * (which keeps the default locale) say the same day.
 */
export const inactivityDeletionDay = (deletionDate: string, locale: SupportedLocale = DEFAULT_LOCALE) => formatDayIn(locale, "UTC", new Date(deletionDate));
