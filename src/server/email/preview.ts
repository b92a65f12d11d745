import { z } from "zod";
import { getUserLocale } from "../auth/locale";
import type { DbOrTx } from "../db/client";
import type { Env } from "../env";
import { getNotificationPreferences } from "../notifications/preferences";
import type { RenderedEmail } from "./templates";
import { EMAIL_TEMPLATE_IDS, type EmailTemplateId } from "./templates/catalog";

/**
 * The preview on /settings/notifications/emails: every template with sample data, in the
 * viewer's locale and time zone, as their own mail would be (React Email loads with the first
 * preview).
 */

export const ZEmailPreviewInput = z.object({ template: z.enum(EMAIL_TEMPLATE_IDS) });

export async function listEmailTemplates() {
  const { emailTemplates } = await import("./templates");
  return EMAIL_TEMPLATE_IDS.map((id) => ({ id, name: emailTemplates[id].name, description: emailTemplates[id].description, unsubscribable: emailTemplates[id].unsubscribable }));
}

export async function previewEmail(db: DbOrTx, env: Env, userId: string, input: z.infer<typeof ZEmailPreviewInput>): Promise<RenderedEmail & { template: EmailTemplateId }> {
  const { emailTemplates, renderEmail } = await import("./templates");
  const spec = emailTemplates[input.template];
  const locale = await getUserLocale(db, userId);
  const { timeZone } = await getNotificationPreferences(db, userId);
  // A sample link that leads nowhere: a preview must not hold a working unsubscribe token.
  const context = { appUrl: env.appUrl, locale, timeZone, unsubscribeUrl: spec.unsubscribable ? `${env.appUrl}/api/email/unsubscribe?token=preview` : undefined };
  const rendered = await renderEmail(input.template, spec.sample(env.appUrl) as never, context);
  return { template: input.template, ...rendered };
}
